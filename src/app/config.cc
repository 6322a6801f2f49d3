#include "app/config.h"

#include <cctype>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <variant>

#include <nlohmann/json.hpp>

namespace sluice::app {
namespace {

// The one table of settings: name, help, and where the value lives in Config.
struct Setting {
  const char* name;
  const char* help;
  std::variant<std::string Config::*, int64_t Config::*> field;
};

const std::vector<Setting>& Settings() {
  static const std::vector<Setting> settings = {
      {"listen",
       "HOST:PORT serving the Kinesis API over HTTP and HTTPS on one port (0.0.0.0:4567 to "
       "accept connections from other machines)",
       &Config::listen},
      {"admin-listen",
       "HOST:PORT of the operator port (/metrics, /_sluice/ node state and fault injection), "
       "plain HTTP; off: none",
       &Config::admin_listen},
      {"admin-token",
       "bearer token the operator port's POST routes require (empty: generated into "
       "<data-dir>/admin.token, mode 0600)",
       &Config::admin_token},
      {"auth",
       "none (signatures read for shape and region only) or sigv4 (every API call's SigV4 "
       "signature verified against --credentials-file; the access key picks the account)",
       &Config::auth},
      {"credentials-file",
       "JSON list of {access_key_id, secret_access_key, account_id, session_token (optional)} "
       "that --auth sigv4 accepts",
       &Config::credentials_file},
      {"data-dir", "directory for the storage nodes, TLS material and secrets", &Config::data_dir},
      {"tls-cert", "PEM certificate (empty: self-signed, generated into <data-dir>/tls/)",
       &Config::tls_cert},
      {"tls-key", "PEM private key (empty: generated with the certificate)", &Config::tls_key},
      {"create-stream-ms", "delay before a new stream turns ACTIVE (0: at once)",
       &Config::create_stream_ms},
      {"delete-stream-ms", "delay before a DELETING stream disappears (0: at once)",
       &Config::delete_stream_ms},
      {"update-stream-ms", "delay before an UPDATING stream turns ACTIVE again (0: at once)",
       &Config::update_stream_ms},
      {"create-consumer-ms", "delay before a registered consumer turns ACTIVE (0: at once)",
       &Config::create_consumer_ms},
      {"delete-consumer-ms", "delay before a DELETING consumer disappears (0: at once)",
       &Config::delete_consumer_ms},
      {"consumer-limit", "registered consumers allowed per stream (AWS allows 20)",
       &Config::consumer_limit},
      {"log-level", "trace, debug, info, warn, error, critical or off", &Config::log_level},
      {"account-id", "12-digit account in ARNs and messages", &Config::account_id},
      {"region", "region for requests whose credentials name none", &Config::region},
      {"threads", "I/O threads (0: one per core)", &Config::threads},
      {"read-threads",
       "threads that read records from disk (GetRecords, AT_TIMESTAMP, SubscribeToShard), so a "
       "slow read never holds an I/O thread",
       &Config::read_threads},
      {"durability", "fsync (each group commit synced to disk) or buffered (left to the OS)",
       &Config::durability},
      {"nodes", "storage nodes, one per simulated availability zone", &Config::nodes},
      {"quorum", "nodes that must hold a write before it is acknowledged", &Config::quorum},
      {"node-timeout-ms",
       "a node that has not acknowledged a write for this long leaves the quorum",
       &Config::node_timeout_ms},
      {"node-queue-bytes",
       "a node whose writer would hold more bytes of writes than this leaves the quorum (and "
       "heals itself like a node that timed out)",
       &Config::node_queue_bytes},
      {"node-probe-min-ms",
       "a node down for a timeout or an I/O error is probed after this long, then twice as long "
       "after each failed probe",
       &Config::node_probe_min_ms},
      {"node-probe-max-ms", "the longest wait between two probes of a down node",
       &Config::node_probe_max_ms},
      {"shard-limit", "open shards allowed per account and region", &Config::shard_limit},
      {"enforce-limits",
       "true: AWS's per-shard throughput limits (1 MiB/s and 1000 records/s in, 2 MiB/s and 5 "
       "GetRecords/s out, 5 GetShardIterator/s), refused with "
       "ProvisionedThroughputExceededException",
       &Config::enforce_limits},
      {"on-demand-stream-limit",
       "ON_DEMAND streams allowed per account and region (AWS's default is 50)",
       &Config::on_demand_stream_limit},
      {"max-body-bytes", "largest request body accepted", &Config::max_body_bytes},
      {"max-concurrent-streams", "HTTP/2 streams one connection may have open at once",
       &Config::max_concurrent_streams},
      {"max-connections",
       "connections served at once; requests on connections beyond it are refused with a 503 "
       "(ServiceUnavailableException, Retry-After)",
       &Config::max_connections},
      {"max-request-bytes-in-flight",
       "request body bytes held at once across all connections; a request beyond it is refused "
       "with a 503 before its body is read",
       &Config::max_request_bytes_in_flight},
      {"next-token-ttl-ms",
       "how long a pagination NextToken stays valid (AWS: 300000); shorter for tests of expiry",
       &Config::next_token_ttl_ms},
      {"retention-sweep-ms", "how often expired records are deleted from disk",
       &Config::retention_sweep_ms},
      {"shutdown-grace-ms",
       "on SIGTERM/SIGINT, how long writes in flight may take to commit before they are failed",
       &Config::shutdown_grace_ms},
      {"config", "JSON file with any of these settings (keys as the flag names)", &Config::config},
  };
  return settings;
}

std::string EnvName(const std::string& name) {
  std::string env = "SLUICE_";
  for (char c : name) env.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(c)));
  return env;
}

Status Assign(Config& config, const Setting& setting, const std::string& text,
              const std::string& source) {
  if (auto* field = std::get_if<std::string Config::*>(&setting.field)) {
    config.*(*field) = text;
    return Status::Ok();
  }
  auto field = std::get<int64_t Config::*>(setting.field);
  try {
    size_t used = 0;
    int64_t value = std::stoll(text, &used);
    if (used != text.size()) throw std::invalid_argument(text);
    config.*field = value;
    return Status::Ok();
  } catch (const std::exception&) {
    return Status(ErrorCode::kInvalidArgument,
                  source + ": " + setting.name + " needs a whole number, not '" + text + "'");
  }
}

const Setting* Find(const std::string& name) {
  for (const auto& setting : Settings()) {
    if (name == setting.name) return &setting;
  }
  return nullptr;
}

std::string DefaultText(const Setting& setting) {
  Config defaults;
  if (auto* field = std::get_if<std::string Config::*>(&setting.field)) return defaults.*(*field);
  return std::to_string(defaults.*std::get<int64_t Config::*>(setting.field));
}

Status CheckValues(const Config& config) {
  if (config.durability != "fsync" && config.durability != "buffered") {
    return Status(ErrorCode::kInvalidArgument, "durability must be fsync or buffered");
  }
  if (config.nodes < 1 || config.quorum < 1 || config.quorum > config.nodes) {
    return Status(ErrorCode::kInvalidArgument, "need 1 <= quorum <= nodes");
  }
  if (config.listen.rfind(':') == std::string::npos) {
    return Status(ErrorCode::kInvalidArgument, "listen must be HOST:PORT");
  }
  if (config.auth != "none" && config.auth != "sigv4") {
    return Status(ErrorCode::kInvalidArgument, "auth must be none or sigv4");
  }
  if (config.auth == "sigv4" && config.credentials_file.empty()) {
    return Status(ErrorCode::kInvalidArgument,
                  "auth sigv4 needs --credentials-file (SLUICE_CREDENTIALS_FILE) naming the "
                  "access keys it accepts");
  }
  if (config.enforce_limits != "true" && config.enforce_limits != "false") {
    return Status(ErrorCode::kInvalidArgument, "enforce-limits must be true or false");
  }
  if (config.admin_listen != "off" && config.admin_listen.rfind(':') == std::string::npos) {
    return Status(ErrorCode::kInvalidArgument, "admin-listen must be HOST:PORT or off");
  }
  if (!config.admin_token.empty() && config.admin_token.size() < 16) {
    return Status(ErrorCode::kInvalidArgument, "admin-token must have at least 16 characters");
  }
  if (config.max_concurrent_streams < 1 || config.max_concurrent_streams > (int64_t{1} << 31) - 1) {
    return Status(ErrorCode::kInvalidArgument,
                  "max-concurrent-streams must be between 1 and 2147483647");
  }
  if (config.consumer_limit < 1 || config.consumer_limit > 100000) {
    return Status(ErrorCode::kInvalidArgument, "consumer-limit must be between 1 and 100000");
  }
  if (config.on_demand_stream_limit < 0 || config.on_demand_stream_limit > 1000000) {
    return Status(ErrorCode::kInvalidArgument,
                  "on-demand-stream-limit must be between 0 and 1000000");
  }
  if (config.max_connections < 1) {
    return Status(ErrorCode::kInvalidArgument, "max-connections must be at least 1");
  }
  if (config.max_request_bytes_in_flight < config.max_body_bytes) {
    // Otherwise the largest request allowed could never be admitted.
    return Status(ErrorCode::kInvalidArgument,
                  "max-request-bytes-in-flight must be at least max-body-bytes");
  }
  if (config.next_token_ttl_ms < 1) {
    return Status(ErrorCode::kInvalidArgument, "next-token-ttl-ms must be at least 1");
  }
  if (config.read_threads < 1 || config.read_threads > 256) {
    return Status(ErrorCode::kInvalidArgument, "read-threads must be between 1 and 256");
  }
  if (config.node_queue_bytes < 1) {
    return Status(ErrorCode::kInvalidArgument, "node-queue-bytes must be at least 1");
  }
  if (config.node_probe_min_ms < 1 || config.node_probe_max_ms < config.node_probe_min_ms) {
    return Status(ErrorCode::kInvalidArgument,
                  "node-probe-min-ms must be at least 1 and node-probe-max-ms at least as long");
  }
  for (int64_t delay : {config.create_stream_ms, config.delete_stream_ms, config.update_stream_ms,
                        config.create_consumer_ms, config.delete_consumer_ms}) {
    if (delay < 0) return Status(ErrorCode::kInvalidArgument, "delays must not be negative");
  }
  return Status::Ok();
}

}  // namespace

std::vector<SettingInfo> DescribeSettings() {
  std::vector<SettingInfo> out;
  for (const auto& setting : Settings())
    out.push_back({setting.name, DefaultText(setting), setting.help});
  return out;
}

std::string HelpText() {
  std::ostringstream out;
  out << "Usage: sluice [--name=value ...]\n"
         "Sluice, a Kinesis Data Streams-compatible broker.\n\n"
         "Each setting also comes from SLUICE_<NAME> in the environment or from the --config\n"
         "file; a flag beats the environment, which beats the file, which beats the default.\n\n";
  for (const auto& setting : Settings()) {
    std::string flag = std::string("  --") + setting.name;
    out << flag << std::string(flag.size() < 22 ? 22 - flag.size() : 1, ' ') << setting.help
        << " (default: " << (DefaultText(setting).empty() ? "\"\"" : DefaultText(setting))
        << ", env " << EnvName(setting.name) << ")\n";
  }
  out << "  --help                this text\n";
  return out.str();
}

Result<Config> LoadConfig(int argc, const char* const* argv, const char* const* envp, bool& help) {
  help = false;
  std::map<std::string, std::string> flags;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      help = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0) {
      return Status(ErrorCode::kInvalidArgument, "unexpected argument '" + arg + "' (see --help)");
    }
    std::string name = arg.substr(2);
    std::string value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return Status(ErrorCode::kInvalidArgument, "--" + name + " needs a value");
    }
    if (!Find(name))
      return Status(ErrorCode::kInvalidArgument, "unknown flag --" + name + " (see --help)");
    flags[name] = value;
  }
  std::map<std::string, std::string> env;
  for (const char* const* e = envp; e && *e; ++e) {
    std::string entry = *e;
    if (size_t eq = entry.find('='); eq != std::string::npos)
      env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }

  Config config;
  // The file first (lowest precedence above the defaults), then the environment, then flags.
  std::string file = flags.count("config") ? flags["config"] : env[EnvName("config")];
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) return Status(ErrorCode::kInvalidArgument, "cannot read config file " + file);
    auto doc = nlohmann::json::parse(in, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
      return Status(ErrorCode::kInvalidArgument, "config file " + file + " is not a JSON object");
    }
    for (const auto& [name, value] : doc.items()) {
      if (name.rfind("_", 0) == 0) continue;  // "_name": documentation
      const Setting* setting = Find(name);
      if (!setting) return Status(ErrorCode::kInvalidArgument, file + ": unknown setting " + name);
      std::string text = value.is_string() ? value.get<std::string>() : value.dump();
      SLUICE_RETURN_IF_ERROR(Assign(config, *setting, text, file));
    }
  }
  for (const auto& setting : Settings()) {
    if (auto it = env.find(EnvName(setting.name)); it != env.end()) {
      SLUICE_RETURN_IF_ERROR(Assign(config, setting, it->second, it->first));
    }
  }
  for (const auto& [name, value] : flags) {
    SLUICE_RETURN_IF_ERROR(Assign(config, *Find(name), value, "--" + name));
  }
  SLUICE_RETURN_IF_ERROR(CheckValues(config));
  return config;
}

}  // namespace sluice::app
