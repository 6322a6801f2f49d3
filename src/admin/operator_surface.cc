// The operator port: /health, /metrics (rendered in metrics.cc) and the routes under /_sluice/;
// the API port's health check.
#include "sluice/admin/operator_surface.h"

#include <charconv>
#include <map>
#include <optional>

#include <nlohmann/json.hpp>

#include "sluice/admin/admin_token.h"
#include "sluice/protocol/query_string.h"

namespace sluice::admin {
namespace {

net::HttpResponse JsonResponse(int status, const nlohmann::json& body) {
  net::HttpResponse response;
  response.status = status;
  response.headers = {{"Content-Type", "application/json"}};
  // Replace, not throw: an error may quote a path or node name with bytes that are not UTF-8.
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return response;
}

net::HttpResponse Problem(int status, const std::string& message) {
  return JsonResponse(status, {{"error", message}});
}

// A minute per write or read is slow enough for any drill; more could only wedge the node's
// writer or the broker's readers.
constexpr int64_t kMaxInjectedLatencyMs = 60000;

template <typename Number>
std::optional<Number> ParseNumber(const std::string& text) {
  Number value{};
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// A delay parameter in milliseconds, if given: a whole number up to kMaxInjectedLatencyMs.
Status ParseDelay(std::map<std::string, std::string>& params, const std::string& name,
                  std::chrono::milliseconds& delay) {
  if (!params.contains(name)) return Status::Ok();
  auto ms = ParseNumber<int64_t>(params[name]);
  if (!ms || *ms < 0 || *ms > kMaxInjectedLatencyMs) {
    return Status(ErrorCode::kInvalidArgument,
                  name + " must be an integer from 0 to " + std::to_string(kMaxInjectedLatencyMs));
  }
  delay = std::chrono::milliseconds(*ms);
  return Status::Ok();
}

// `?latency_ms=N&read_latency_ms=R&error_rate=P` on .../fail asks for a degraded node rather than
// an outage. Returns no settings when none is given; a Status when one is malformed.
Result<std::optional<replication::FaultSettings>> ParseFaults(const std::string& target) {
  auto params = protocol::QueryParameters(target);
  if (!params.contains("latency_ms") && !params.contains("read_latency_ms") &&
      !params.contains("error_rate")) {
    return std::optional<replication::FaultSettings>();
  }
  replication::FaultSettings faults;
  if (Status s = ParseDelay(params, "latency_ms", faults.apply_delay); !s.ok()) return s;
  if (Status s = ParseDelay(params, "read_latency_ms", faults.read_delay); !s.ok()) return s;
  if (params.contains("error_rate")) {
    auto rate = ParseNumber<double>(params["error_rate"]);
    if (!rate || !(*rate >= 0 && *rate <= 1)) {
      return Status(ErrorCode::kInvalidArgument, "error_rate must be a number from 0 to 1");
    }
    faults.error_rate = *rate;
  }
  return std::optional<replication::FaultSettings>(faults);
}

nlohmann::json FaultsJson(const replication::FaultSettings& faults) {
  return {{"latency_ms", faults.apply_delay.count()},
          {"read_latency_ms", faults.read_delay.count()},
          {"error_rate", faults.error_rate}};
}

}  // namespace

OperatorSurface::OperatorSurface(const protocol::Frontend& frontend, const broker::Broker& broker,
                                 replication::ReplicatedStore& store, std::string token)
    : frontend_(frontend), broker_(broker), store_(store), token_(std::move(token)) {}

bool OperatorSurface::ServesOnApiPort(std::string_view target) {
  return target.substr(0, target.find('?')) == "/health";
}

net::HttpResponse OperatorSurface::Handle(const net::HttpRequest& request) const {
  std::string path = request.target.substr(0, request.target.find('?'));
  if (path == "/health") {
    if (request.method != "GET" && request.method != "HEAD") return Problem(405, "use GET");
    if (!ready_) return JsonResponse(503, {{"status", "starting"}});
    return JsonResponse(200, {{"status", "ok"}});
  }
  if (path == "/metrics") {
    if (request.method != "GET") return Problem(405, "use GET");
    net::HttpResponse response;
    response.headers = {{"Content-Type", "text/plain; version=0.0.4"}};
    response.body = RenderMetrics();
    return response;
  }
  if (path == "/_sluice/nodes") {
    if (request.method != "GET") return Problem(405, "use GET");
    nlohmann::json nodes = nlohmann::json::array();
    for (const auto& node : store_.Nodes()) {
      nodes.push_back({{"name", node.name},
                       {"state", replication::NodeStateName(node.state)},
                       {"applied_lsn", node.applied_lsn},
                       {"lag", node.lag},
                       {"disk_bytes", node.disk_bytes},
                       {"faults", FaultsJson(node.faults)}});
      if (node.state == replication::NodeState::kDown) {
        nodes.back()["down"] = {{"reason", node.down_reason},
                                {"self_healing", node.self_healing},
                                {"probing", node.probing},
                                {"failed_probes", node.probe_attempts}};
        if (node.next_probe_in_ms >= 0) {
          nodes.back()["down"]["next_probe_in_ms"] = node.next_probe_in_ms;
        }
      }
    }
    return JsonResponse(200, {{"nodes", nodes}});
  }
  // /_sluice/nodes/<name>/fail[?latency_ms=N&read_latency_ms=R&error_rate=P] and
  // /_sluice/nodes/<name>/recover
  const std::string prefix = "/_sluice/nodes/";
  if (path.rfind(prefix, 0) == 0) {
    std::string rest = path.substr(prefix.size());
    size_t slash = rest.find('/');
    if (slash != std::string::npos) {
      std::string name = rest.substr(0, slash);
      std::string action = rest.substr(slash + 1);
      if (action == "fail" || action == "recover") {
        if (request.method != "POST") return Problem(405, "use POST");
        if (!BearerMatches(request.Header("authorization"), token_)) {
          net::HttpResponse refused =
              Problem(401, "this route needs Authorization: Bearer <admin token>");
          refused.headers.emplace_back("WWW-Authenticate", "Bearer");
          return refused;
        }
        if (action == "fail") {
          auto faults = ParseFaults(request.target);
          if (!faults.ok()) return Problem(400, faults.status().message());
          if (faults->has_value()) {
            Status status = store_.InjectFaults(name, **faults);
            if (!status.ok()) return Problem(404, status.message());
            return JsonResponse(
                200, {{"node", name}, {"action", action}, {"faults", FaultsJson(**faults)}});
          }
        }
        Status status = action == "fail" ? store_.FailNode(name) : store_.RecoverNode(name);
        if (status.ok()) return JsonResponse(200, {{"node", name}, {"action", action}});
        if (status.code() == ErrorCode::kResourceNotFound) return Problem(404, status.message());
        return Problem(503, status.message());
      }
    }
  }
  return Problem(404, "no such path: " + path);
}

}  // namespace sluice::admin
