#include <stdlib.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <boost/asio/ssl/context.hpp>

#include "sluice/net/http_server.h"

namespace sluice::net {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

class SelfSignedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "sluice-cert-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  fs::path dir_;
};

TEST_F(SelfSignedTest, CreatesALoadableLocalhostCertificate) {
  const fs::path cert = dir_ / "nested" / "dir" / "cert.pem";
  const fs::path key = dir_ / "nested" / "dir" / "key.pem";
  Status status = EnsureSelfSignedCertificate(cert, key);
  ASSERT_TRUE(status.ok()) << status.message();
  ASSERT_TRUE(fs::exists(cert));
  ASSERT_TRUE(fs::exists(key));

  struct stat key_stat {};
  ASSERT_EQ(stat(key.c_str(), &key_stat), 0);
  EXPECT_EQ(key_stat.st_mode & 0777, 0600u);

  // OpenSSL loads the pair as a server would.
  boost::asio::ssl::context context(boost::asio::ssl::context::tls_server);
  EXPECT_NO_THROW(context.use_certificate_chain_file(cert.string()));
  EXPECT_NO_THROW(context.use_private_key_file(key.string(), boost::asio::ssl::context::pem));
  EXPECT_EQ(SSL_CTX_check_private_key(context.native_handle()), 1);

  FILE* file = fopen(cert.c_str(), "r");
  ASSERT_NE(file, nullptr);
  std::unique_ptr<X509, decltype(&X509_free)> x509(PEM_read_X509(file, nullptr, nullptr, nullptr),
                                                   &X509_free);
  fclose(file);
  ASSERT_TRUE(x509);
  EXPECT_EQ(X509_check_host(x509.get(), "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(x509.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(x509.get(), "::1", 0), 1);
  EXPECT_EQ(X509_get_signature_nid(x509.get()), NID_ecdsa_with_SHA256);
  EXPECT_EQ(X509_verify(x509.get(), X509_get0_pubkey(x509.get())), 1);  // self-signed

  // Valid now and for (about) ten years.
  EXPECT_LE(X509_cmp_current_time(X509_get0_notBefore(x509.get())), 0);
  time_t in_nine_years = time(nullptr) + 9L * 365 * 24 * 3600;
  time_t in_eleven_years = time(nullptr) + 11L * 365 * 24 * 3600;
  EXPECT_GT(X509_cmp_time(X509_get0_notAfter(x509.get()), &in_nine_years), 0);
  EXPECT_LT(X509_cmp_time(X509_get0_notAfter(x509.get()), &in_eleven_years), 0);

  char common_name[64] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(x509.get()), NID_commonName, common_name,
                            sizeof(common_name));
  EXPECT_STREQ(common_name, "localhost");
}

TEST_F(SelfSignedTest, IsIdempotentAndSerialsDiffer) {
  const fs::path cert = dir_ / "cert.pem";
  const fs::path key = dir_ / "key.pem";
  ASSERT_TRUE(EnsureSelfSignedCertificate(cert, key).ok());
  const std::string cert_pem = ReadFile(cert);
  const std::string key_pem = ReadFile(key);
  ASSERT_TRUE(EnsureSelfSignedCertificate(cert, key).ok());
  EXPECT_EQ(ReadFile(cert), cert_pem);
  EXPECT_EQ(ReadFile(key), key_pem);

  // A second pair elsewhere is a different certificate.
  ASSERT_TRUE(EnsureSelfSignedCertificate(dir_ / "b" / "cert.pem", dir_ / "b" / "key.pem").ok());
  EXPECT_NE(ReadFile(dir_ / "b" / "cert.pem"), cert_pem);
}

// A key alone is what a crash between writing the key and the certificate leaves: the next start
// generates a new pair instead of refusing to start.
TEST_F(SelfSignedTest, ALoneKeyIsReplacedByANewPair) {
  const fs::path cert = dir_ / "cert.pem";
  const fs::path key = dir_ / "key.pem";
  std::ofstream(key) << "half of an interrupted first start";
  ASSERT_TRUE(EnsureSelfSignedCertificate(cert, key).ok());
  EXPECT_NE(ReadFile(key).find("BEGIN PRIVATE KEY"), std::string::npos);
  EXPECT_NE(ReadFile(cert).find("BEGIN CERTIFICATE"), std::string::npos);
  EXPECT_EQ(fs::status(key).permissions(), fs::perms::owner_read | fs::perms::owner_write);
  for (const auto& entry : fs::directory_iterator(dir_)) {
    EXPECT_EQ(entry.path().string().find(".tmp"), std::string::npos) << entry.path();
  }
}

// A certificate alone is never ours (the key is written first): someone put it there.
TEST_F(SelfSignedTest, ACertificateWithoutItsKeyIsAnError) {
  const fs::path cert = dir_ / "cert.pem";
  const fs::path key = dir_ / "key.pem";
  std::ofstream(cert) << "not really a certificate";
  Status status = EnsureSelfSignedCertificate(cert, key);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("key.pem"), std::string::npos) << status.message();
  EXPECT_FALSE(fs::exists(key));
}

TEST_F(SelfSignedTest, UnwritableLocationIsAClearError) {
  const fs::path blocker = dir_ / "a-file";
  std::ofstream(blocker) << "x";
  Status status = EnsureSelfSignedCertificate(blocker / "cert.pem", blocker / "key.pem");
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("a-file"), std::string::npos) << status.message();
}

}  // namespace
}  // namespace sluice::net
