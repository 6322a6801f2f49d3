// The non-Kinesis paths on the API port: /health and the operator surface under /_sluice/.
#include <nlohmann/json.hpp>

#include "sluice/protocol/frontend.h"

namespace sluice::protocol {
namespace {

net::HttpResponse JsonResponse(int status, const nlohmann::json& body) {
  net::HttpResponse response;
  response.status = status;
  response.headers = {{"Content-Type", "application/json"}};
  response.body = body.dump();
  return response;
}

net::HttpResponse Problem(int status, const std::string& message) {
  return JsonResponse(status, {{"error", message}});
}

}  // namespace

net::HttpResponse Frontend::HandleOperator(const net::HttpRequest& request) const {
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
                       {"disk_bytes", node.disk_bytes}});
    }
    return JsonResponse(200, {{"nodes", nodes}});
  }
  // /_sluice/nodes/<name>/fail and /_sluice/nodes/<name>/recover
  const std::string prefix = "/_sluice/nodes/";
  if (path.rfind(prefix, 0) == 0) {
    std::string rest = path.substr(prefix.size());
    size_t slash = rest.find('/');
    if (slash != std::string::npos) {
      std::string name = rest.substr(0, slash);
      std::string action = rest.substr(slash + 1);
      if (action == "fail" || action == "recover") {
        if (request.method != "POST") return Problem(405, "use POST");
        Status status = action == "fail" ? store_.FailNode(name) : store_.RecoverNode(name);
        if (status.ok()) return JsonResponse(200, {{"node", name}, {"action", action}});
        if (status.code() == ErrorCode::kResourceNotFound) return Problem(404, status.message());
        return Problem(503, status.message());
      }
    }
  }
  return Problem(404, "no such path: " + path);
}

}  // namespace sluice::protocol
