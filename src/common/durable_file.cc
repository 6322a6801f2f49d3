#include "sluice/common/durable_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

namespace sluice {
namespace {

namespace fs = std::filesystem;

Status Failure(std::string_view what, const fs::path& path, int error) {
  std::string message(what);
  message.append(" ").append(path.string()).append(": ").append(std::strerror(error));
  return Status(ErrorCode::kInternal, message);
}

// Makes a rename or link in `dir` durable: the directory entry is on disk once this returns.
Status SyncDirectory(const fs::path& dir) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Failure("cannot open directory", dir, errno);
  const bool synced = ::fsync(fd) == 0;
  const int error = errno;
  ::close(fd);
  return synced ? Status::Ok() : Failure("cannot fsync directory", dir, error);
}

Status WriteAll(int fd, std::string_view contents) {
  size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status(ErrorCode::kInternal, std::strerror(errno));
    written += static_cast<size_t>(n);
  }
  return Status::Ok();
}

}  // namespace

Status WriteFileDurably(const fs::path& path, std::string_view contents, mode_t mode,
                        IfPresent if_present) {
  // The process id keeps two brokers started on one directory off each other's temporary file;
  // O_EXCL makes sure the file is new, so `mode` is what it has had from its first moment.
  const fs::path temporary = path.string() + ".tmp-" + std::to_string(::getpid());
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return Failure("cannot create", temporary, errno);
  auto abandon = [&](std::string_view step, int error) {
    ::close(fd);
    ::unlink(temporary.c_str());
    return Failure(step, path, error);
  };
  // The umask may have narrowed `mode`; a certificate should still be readable as asked.
  if (::fchmod(fd, mode) != 0) return abandon("cannot set the mode of", errno);
  if (Status written = WriteAll(fd, contents); !written.ok()) {
    return abandon("cannot write", errno);
  }
  if (::fsync(fd) != 0) return abandon("cannot fsync", errno);
  if (::close(fd) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    return Failure("cannot close", path, error);
  }
  if (if_present == IfPresent::kReplace) {
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
      const int error = errno;
      ::unlink(temporary.c_str());
      return Failure("cannot rename a new file to", path, error);
    }
  } else {
    // link() refuses an existing name, where rename() would replace it.
    const bool linked = ::link(temporary.c_str(), path.c_str()) == 0;
    const int error = errno;
    ::unlink(temporary.c_str());
    if (!linked) return Failure("cannot create", path, error);
  }
  return SyncDirectory(path.parent_path());
}

Result<std::optional<std::string>> ReadFileIfExists(const fs::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return Failure("cannot look at", path, errno);
  }
  if (!S_ISREG(info.st_mode)) {
    return Status(ErrorCode::kInternal, path.string() + " exists but is not a regular file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Failure("cannot read", path, errno);
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) return Failure("cannot read", path, errno);
  return std::optional<std::string>(contents.str());
}

Status CreatePrivateDirectory(const fs::path& dir) {
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return Status::Ok();
  if (dir.has_parent_path() && !dir.parent_path().empty()) {
    fs::create_directories(dir.parent_path(), ec);
    if (ec) {
      return Status(ErrorCode::kInternal,
                    "cannot create directory " + dir.parent_path().string() + ": " + ec.message());
    }
  }
  if (::mkdir(dir.c_str(), 0700) == 0) return Status::Ok();
  if (errno == EEXIST && fs::is_directory(dir, ec)) return Status::Ok();  // made meanwhile
  return Failure("cannot create directory", dir, errno == EEXIST ? ENOTDIR : errno);
}

}  // namespace sluice
