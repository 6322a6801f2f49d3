// Small files written durably: never half-written under their name, never wider than their mode,
// and never silently replaced when they exist but cannot be read.

#include "sluice/common/durable_file.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;

mode_t ModeOf(const fs::path& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 0777;
}

// Only the files the test wrote: no temporary file is left behind.
size_t EntriesIn(const fs::path& dir) {
  size_t count = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir)) ++count;
  return count;
}

TEST(DurableFileTest, WritesWithExactlyTheModeAndLeavesNoTemporaryFile) {
  testing::TempDir dir;
  const fs::path secret = dir.path() / "secret";
  ASSERT_TRUE(WriteFileDurably(secret, "s3cret", 0600, IfPresent::kFail).ok());
  EXPECT_EQ(ModeOf(secret), 0600u);
  const fs::path shared = dir.path() / "shared";
  ASSERT_TRUE(WriteFileDurably(shared, "public", 0644, IfPresent::kReplace).ok());
  EXPECT_EQ(ModeOf(shared), 0644u);
  EXPECT_EQ(**ReadFileIfExists(secret), "s3cret");
  EXPECT_EQ(EntriesIn(dir.path()), 2u);
}

TEST(DurableFileTest, FailRefusesAnExistingFileAndReplaceReplacesIt) {
  testing::TempDir dir;
  const fs::path path = dir.path() / "token";
  ASSERT_TRUE(WriteFileDurably(path, "first", 0600, IfPresent::kFail).ok());
  Status second = WriteFileDurably(path, "second", 0600, IfPresent::kFail);
  EXPECT_FALSE(second.ok());
  EXPECT_EQ(**ReadFileIfExists(path), "first");
  ASSERT_TRUE(WriteFileDurably(path, "third", 0600, IfPresent::kReplace).ok());
  EXPECT_EQ(**ReadFileIfExists(path), "third");
  EXPECT_EQ(EntriesIn(dir.path()), 1u);
}

TEST(DurableFileTest, AbsentIsNulloptButUnreadableIsAnError) {
  testing::TempDir dir;
  auto absent = ReadFileIfExists(dir.path() / "none");
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(*absent);
  // Something is there that cannot be read as the file (root reads any mode, so a directory
  // stands for it): an error, so the caller never writes a new secret over it.
  fs::create_directory(dir.path() / "a-directory");
  EXPECT_FALSE(ReadFileIfExists(dir.path() / "a-directory").ok());
  // A path through a file: not "absent" either.
  std::ofstream(dir.path() / "file") << "x";
  EXPECT_FALSE(ReadFileIfExists(dir.path() / "file" / "below").ok());
}

TEST(DurableFileTest, PrivateDirectoriesAreOwnerOnly) {
  testing::TempDir dir;
  const fs::path data = dir.path() / "parent" / "data";
  ASSERT_TRUE(CreatePrivateDirectory(data).ok());
  EXPECT_EQ(ModeOf(data), 0700u);
  EXPECT_TRUE(CreatePrivateDirectory(data).ok());  // exists: fine
  std::ofstream(dir.path() / "file") << "x";
  EXPECT_FALSE(CreatePrivateDirectory(dir.path() / "file").ok());
}

}  // namespace
}  // namespace sluice
