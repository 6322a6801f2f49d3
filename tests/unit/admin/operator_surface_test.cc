// The operator surface: which requests it takes on the API port, and how its own port guards the
// routes that change anything.

#include "sluice/admin/operator_surface.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "sluice/admin/admin_token.h"
#include "support/broker_fixture.h"
#include "support/temp_dir.h"

namespace sluice::admin {
namespace {

TEST(OperatorSurfaceTest, OnlyTheHealthCheckIsOnTheApiPort) {
  EXPECT_TRUE(OperatorSurface::ServesOnApiPort("/health"));
  EXPECT_TRUE(OperatorSurface::ServesOnApiPort("/health?x=1"));
  for (const char* target : {"/", "/?health", "/healthz", "/metrics", "/_sluice/nodes",
                             "/_sluice/nodes/az-a/fail", "/x/health"}) {
    EXPECT_FALSE(OperatorSurface::ServesOnApiPort(target)) << target;
  }
}

TEST(AdminTokenTest, BearerMatchesOnlyTheExactToken) {
  const std::string token = "0123456789abcdef0123456789abcdef";
  EXPECT_TRUE(BearerMatches("Bearer " + token, token));
  EXPECT_FALSE(BearerMatches("Bearer " + token + "0", token));
  EXPECT_FALSE(BearerMatches("Bearer " + token.substr(1), token));
  EXPECT_FALSE(BearerMatches("Bearer 1123456789abcdef0123456789abcdef", token));
  EXPECT_FALSE(BearerMatches("bearer " + token, token));
  EXPECT_FALSE(BearerMatches(token, token));
  EXPECT_FALSE(BearerMatches("", token));
  EXPECT_FALSE(BearerMatches("Bearer ", ""));  // no token configured: nothing matches
}

TEST(AdminTokenTest, GeneratedOnceOwnerOnlyThenReadBack) {
  sluice::testing::TempDir dir;
  const auto path = dir.path() / "admin.token";
  auto created = LoadOrCreateAdminToken(path);
  ASSERT_TRUE(created.ok()) << created.status().message();
  EXPECT_EQ(created->size(), 64u);
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600);
  auto again = LoadOrCreateAdminToken(path);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *created);
  EXPECT_NE(*LoadOrCreateAdminToken(dir.path() / "other.token"), *created);

  std::ofstream(dir.path() / "short.token") << "abc\n";
  EXPECT_FALSE(LoadOrCreateAdminToken(dir.path() / "short.token").ok());
}

class OperatorPortTest : public sluice::testing::BrokerFixture {
 protected:
  void SetUp() override {
    BrokerFixture::SetUp();
    api_ = std::make_unique<api::Api>(*broker_);
    frontend_ = std::make_unique<protocol::Frontend>(*api_, protocol::FrontendOptions{});
    surface_ = std::make_unique<OperatorSurface>(*frontend_, *broker_, *store_, kToken);
  }
  void TearDown() override {
    surface_.reset();
    frontend_.reset();
    api_.reset();
    BrokerFixture::TearDown();
  }

  net::HttpResponse Send(std::string method, std::string target, std::string authorization = "") {
    net::HttpRequest request;
    request.method = std::move(method);
    request.target = std::move(target);
    if (!authorization.empty()) request.headers.emplace_back("authorization", authorization);
    return surface_->Handle(request);
  }

  static constexpr const char* kToken = "a-token-of-thirty-two-characters";
  std::unique_ptr<api::Api> api_;
  std::unique_ptr<protocol::Frontend> frontend_;
  std::unique_ptr<OperatorSurface> surface_;
};

TEST_F(OperatorPortTest, MutatingRoutesNeedTheBearerToken) {
  for (const char* authorization : {"", "Bearer wrong", "Basic YTpi"}) {
    SCOPED_TRACE(authorization);
    net::HttpResponse refused = Send("POST", "/_sluice/nodes/az-a/fail", authorization);
    EXPECT_EQ(refused.status, 401);
    EXPECT_EQ(refused.headers.back(),
              (std::pair<std::string, std::string>{"WWW-Authenticate", "Bearer"}));
  }
  EXPECT_EQ(Send("GET", "/_sluice/nodes").body.find("\"down\""), std::string::npos);

  const std::string bearer = std::string("Bearer ") + kToken;
  EXPECT_EQ(Send("POST", "/_sluice/nodes/az-a/fail", bearer).status, 200);
  EXPECT_NE(Send("GET", "/_sluice/nodes").body.find("\"down\""), std::string::npos);
  EXPECT_EQ(Send("POST", "/_sluice/nodes/az-a/recover", bearer).status, 200);
  EXPECT_EQ(Send("POST", "/_sluice/nodes/az-a/fail?latency_ms=60001", bearer).status, 400);
}

TEST_F(OperatorPortTest, ReadOnlyRoutesAreOpen) {
  surface_->SetReady(true);
  EXPECT_EQ(Send("GET", "/health").status, 200);
  EXPECT_EQ(Send("GET", "/metrics").status, 200);
  EXPECT_EQ(Send("GET", "/_sluice/nodes").status, 200);
  EXPECT_EQ(Send("GET", "/_sluice/unknown").status, 404);
}

// Paths and headers are bytes: ones that are not UTF-8 get the same answers as any other unknown
// path or wrong token (they once made the JSON error body throw, a 500).
TEST_F(OperatorPortTest, NonUtf8PathsAndHeadersGetPlainAnswers) {
  const std::string bearer = std::string("Bearer ") + kToken;
  for (const char* target :
       {"/_sluice/nodes/\xff\xfe/fail", "/_sluice/nodes/az-a\xc3\x28/fail", "/\x80\x80"}) {
    net::HttpResponse answer = Send("POST", target, bearer);
    EXPECT_EQ(answer.status, 404) << target;
    EXPECT_FALSE(answer.body.empty());
  }
  const int get_status = Send("GET", "/_sluice/nodes/\xff").status;
  EXPECT_TRUE(get_status == 404 || get_status == 405) << get_status;
  EXPECT_EQ(Send("POST", "/_sluice/nodes/az-a/fail", "Bearer \xff\xfe").status, 401);
  EXPECT_EQ(Send("POST", "/_sluice/nodes/az-a/fail?latency_ms=\xff", bearer).status, 400);
}

}  // namespace
}  // namespace sluice::admin
