#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sluice/common/status.h"

namespace sluice::app {

// Every setting of the server. Each comes from, in order of precedence: a command-line flag
// (--name=value or --name value), an environment variable (SLUICE_NAME, upper case, '-' -> '_'),
// the JSON file named by --config / SLUICE_CONFIG, or its default. config/sluice.json lists all
// of them with their defaults; a unit test keeps the two in step.
struct Config {
  std::string listen = "127.0.0.1:4567";
  std::string admin_listen = "127.0.0.1:4568";  // the operator port; "off": none
  std::string admin_token;       // empty: <data-dir>/admin.token, generated on first start
  std::string auth = "none";     // "sigv4": verify signatures against credentials_file
  std::string credentials_file;  // JSON list of access keys, secrets and accounts
  std::string data_dir = "./data";
  std::string tls_cert;  // empty: <data-dir>/tls/cert.pem, generated on first start
  std::string tls_key;   // empty: <data-dir>/tls/key.pem
  int64_t create_stream_ms = 500;
  int64_t delete_stream_ms = 500;
  int64_t update_stream_ms = 500;
  int64_t create_consumer_ms = 500;
  int64_t delete_consumer_ms = 500;
  int64_t consumer_limit = 20;  // registered consumers per stream, AWS's limit
  std::string log_level = "info";
  std::string account_id = "000000000000";
  std::string region = "us-east-1";
  int64_t threads = 0;  // 0: one per core
  int64_t read_threads = 2;
  std::string durability = "fsync";
  int64_t nodes = 3;
  int64_t quorum = 2;
  int64_t node_timeout_ms = 5000;
  int64_t node_queue_bytes = 64 << 20;  // a node's writer holding more leaves the quorum
  int64_t node_probe_min_ms = 100;      // first probe of a node that went down by itself
  int64_t node_probe_max_ms = 10000;    // the probe backoff doubles up to this
  int64_t shard_limit = 500;
  std::string enforce_limits = "false";  // "true": AWS's per-shard throughput limits
  int64_t on_demand_stream_limit = 50;   // ON_DEMAND streams per account and region, AWS default
  int64_t max_body_bytes = 16 << 20;
  int64_t max_concurrent_streams = 128;  // per HTTP/2 connection
  int64_t max_connections = 1024;        // beyond it, requests get a 503 with Retry-After
  int64_t max_request_bytes_in_flight = 256 << 20;  // request bodies held at once, all connections
  int64_t retention_sweep_ms = 60000;
  int64_t next_token_ttl_ms = 300000;  // AWS's: pagination tokens expire after 5 minutes
  int64_t shutdown_grace_ms = 10000;
  std::string config;  // the file the rest may come from
};

// One documented setting: its name as a flag and in the file, and its help text.
struct SettingInfo {
  std::string name;
  std::string default_value;  // as text
  std::string help;
};
std::vector<SettingInfo> DescribeSettings();

// Parses argv and the environment (and the file they name). `help` is set for --help.
Result<Config> LoadConfig(int argc, const char* const* argv, const char* const* envp, bool& help);

std::string HelpText();

}  // namespace sluice::app
