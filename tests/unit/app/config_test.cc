#include "app/config.h"

#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace sluice::app {
namespace {

TEST(ConfigTest, DefaultsMatchTheIssue) {
  bool help = false;
  const char* argv[] = {"sluice"};
  const char* envp[] = {nullptr};
  auto config = LoadConfig(1, argv, envp, help);
  ASSERT_TRUE(config.ok());
  // Loopback unless asked otherwise; the operator port beside it, its token generated.
  EXPECT_EQ(config->listen, "127.0.0.1:4567");
  EXPECT_EQ(config->admin_listen, "127.0.0.1:4568");
  EXPECT_EQ(config->admin_token, "");
  EXPECT_EQ(config->data_dir, "./data");
  EXPECT_EQ(config->create_stream_ms, 500);
  EXPECT_EQ(config->account_id, "000000000000");
  EXPECT_EQ(config->region, "us-east-1");
  EXPECT_EQ(config->durability, "fsync");
}

TEST(ConfigTest, FlagBeatsEnvironmentBeatsFileBeatsDefault) {
  std::string file = ::testing::TempDir() + "/sluice-config-test.json";
  std::ofstream(file)
      << R"({"region": "file-region", "account-id": "111111111111", "nodes": 5, "quorum": 3})";
  std::string config_flag = "--config=" + file;
  const char* argv[] = {"sluice", config_flag.c_str(), "--region", "flag-region"};
  const char* envp[] = {"SLUICE_REGION=env-region", "SLUICE_ACCOUNT_ID=222222222222", nullptr};
  bool help = false;
  auto config = LoadConfig(4, argv, envp, help);
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->region, "flag-region");
  EXPECT_EQ(config->account_id, "222222222222");
  EXPECT_EQ(config->nodes, 5);
  EXPECT_EQ(config->quorum, 3);
  EXPECT_EQ(config->listen, "127.0.0.1:4567");
}

TEST(ConfigTest, OperatorPortSettingsAreChecked) {
  bool help = false;
  const char* envp[] = {nullptr};
  const char* off[] = {"sluice", "--admin-listen", "off"};
  auto config = LoadConfig(3, off, envp, help);
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->admin_listen, "off");
  const char* no_port[] = {"sluice", "--admin-listen", "localhost"};
  EXPECT_FALSE(LoadConfig(3, no_port, envp, help).ok());
  const char* short_token[] = {"sluice", "--admin-token", "too-short"};
  EXPECT_FALSE(LoadConfig(3, short_token, envp, help).ok());
}

TEST(ConfigTest, AuthSettingsAreChecked) {
  bool help = false;
  const char* envp[] = {"SLUICE_AUTH=sigv4", "SLUICE_CREDENTIALS_FILE=/etc/creds.json", nullptr};
  const char* none[] = {"sluice"};
  auto config = LoadConfig(1, none, envp, help);
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->auth, "sigv4");
  EXPECT_EQ(config->credentials_file, "/etc/creds.json");
  const char* no_env[] = {nullptr};
  EXPECT_EQ(LoadConfig(1, none, no_env, help)->auth, "none");
  const char* bogus[] = {"sluice", "--auth", "basic"};
  EXPECT_EQ(LoadConfig(3, bogus, no_env, help).status().message(), "auth must be none or sigv4");
  const char* no_file[] = {"sluice", "--auth", "sigv4"};
  EXPECT_EQ(LoadConfig(3, no_file, no_env, help).status().message(),
            "auth sigv4 needs --credentials-file (SLUICE_CREDENTIALS_FILE) naming the access keys "
            "it accepts");
}

TEST(ConfigTest, BadInputIsExplained) {
  bool help = false;
  const char* envp[] = {nullptr};
  const char* unknown[] = {"sluice", "--nope=1"};
  EXPECT_FALSE(LoadConfig(2, unknown, envp, help).ok());
  const char* not_number[] = {"sluice", "--nodes=three"};
  EXPECT_EQ(LoadConfig(2, not_number, envp, help).status().message(),
            "--nodes: nodes needs a whole number, not 'three'");
  const char* bad_quorum[] = {"sluice", "--quorum=4"};
  EXPECT_FALSE(LoadConfig(2, bad_quorum, envp, help).ok());
  const char* help_flag[] = {"sluice", "--help"};
  EXPECT_TRUE(LoadConfig(2, help_flag, envp, help).ok());
  EXPECT_TRUE(help);
}

TEST(ConfigTest, OnDemandStreamLimitDefaultsToAwsAndIsBounded) {
  bool help = false;
  const char* envp[] = {nullptr};
  const char* none[] = {"sluice"};
  EXPECT_EQ(LoadConfig(1, none, envp, help)->on_demand_stream_limit, 50);
  const char* set[] = {"sluice", "--on-demand-stream-limit=3"};
  EXPECT_EQ(LoadConfig(2, set, envp, help)->on_demand_stream_limit, 3);
  const char* negative[] = {"sluice", "--on-demand-stream-limit=-1"};
  EXPECT_EQ(LoadConfig(2, negative, envp, help).status().message(),
            "on-demand-stream-limit must be between 0 and 1000000");
}

// config/sluice.json documents every setting with its default; keep them in step.
TEST(ConfigTest, ShippedConfigFileListsEverySettingWithItsDefault) {
  std::ifstream in(std::string(SLUICE_SOURCE_DIR) + "/config/sluice.json");
  ASSERT_TRUE(in);
  auto doc = nlohmann::json::parse(in);
  for (const auto& setting : DescribeSettings()) {
    ASSERT_TRUE(doc.contains(setting.name)) << setting.name;
    ASSERT_TRUE(doc.contains("_" + setting.name)) << "no comment for " << setting.name;
    const auto& value = doc[setting.name];
    std::string text = value.is_string() ? value.get<std::string>() : value.dump();
    EXPECT_EQ(text, setting.default_value) << setting.name;
  }
  for (const auto& [key, value] : doc.items()) {
    if (key.rfind("_", 0) == 0) continue;
    bool known = false;
    for (const auto& setting : DescribeSettings()) known = known || setting.name == key;
    EXPECT_TRUE(known) << "config/sluice.json has unknown setting " << key;
  }
}

}  // namespace
}  // namespace sluice::app
