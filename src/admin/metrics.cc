// GET /metrics: Prometheus text exposition of the broker, the store and the front end.
#include <sstream>

#include "sluice/admin/operator_surface.h"

namespace sluice::admin {
namespace {

// Writes "# HELP" and "# TYPE" once per metric family.
void Family(std::ostringstream& out, const char* name, const char* type, const char* help) {
  out << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
}

}  // namespace

std::string OperatorSurface::RenderMetrics() const {
  std::ostringstream out;

  Family(out, "sluice_requests_total", "counter", "Kinesis API requests by operation.");
  const std::vector<protocol::OperationCount> counts = frontend_.OperationCounts();
  for (const auto& count : counts) {
    if (count.requests > 0) {
      out << "sluice_requests_total{operation=\"" << count.operation << "\"} " << count.requests
          << "\n";
    }
  }
  Family(out, "sluice_request_errors_total", "counter",
         "Kinesis API requests answered with an error, by operation.");
  for (const auto& count : counts) {
    if (count.errors > 0) {
      out << "sluice_request_errors_total{operation=\"" << count.operation << "\"} " << count.errors
          << "\n";
    }
  }

  broker::BrokerCounters traffic = broker_.Counters();
  Family(out, "sluice_streams", "gauge", "Streams in every account and region.");
  out << "sluice_streams " << traffic.streams << "\n";
  Family(out, "sluice_records_written_total", "counter", "Records acknowledged to producers.");
  out << "sluice_records_written_total " << traffic.records_in << "\n";
  Family(out, "sluice_bytes_written_total", "counter",
         "Data and partition-key bytes acknowledged to producers.");
  out << "sluice_bytes_written_total " << traffic.bytes_in << "\n";
  Family(out, "sluice_store_reads_in_flight", "gauge",
         "Record reads (GetRecords, AT_TIMESTAMP, SubscribeToShard) queued or running on the "
         "reader threads.");
  out << "sluice_store_reads_in_flight " << traffic.reads_in_flight << "\n";
  Family(out, "sluice_records_read_total", "counter", "Records returned by GetRecords.");
  out << "sluice_records_read_total " << traffic.records_out << "\n";
  Family(out, "sluice_bytes_read_total", "counter", "Bytes returned by GetRecords.");
  out << "sluice_bytes_read_total " << traffic.bytes_out << "\n";

  auto nodes = store_.Nodes();
  Family(out, "sluice_node_state", "gauge",
         "1 for the state each storage node is in (healthy, down, catching_up).");
  for (const auto& node : nodes) {
    for (auto state : {replication::NodeState::kHealthy, replication::NodeState::kDown,
                       replication::NodeState::kCatchingUp}) {
      out << "sluice_node_state{node=\"" << node.name << "\",state=\""
          << replication::NodeStateName(state) << "\"} " << (node.state == state ? 1 : 0) << "\n";
    }
  }
  Family(out, "sluice_node_applied_lsn", "gauge", "Last log position each node has applied.");
  for (const auto& node : nodes) {
    out << "sluice_node_applied_lsn{node=\"" << node.name << "\"} " << node.applied_lsn << "\n";
  }
  Family(out, "sluice_node_lag", "gauge",
         "Committed log positions a node has not applied yet (catch-up progress).");
  for (const auto& node : nodes) {
    out << "sluice_node_lag{node=\"" << node.name << "\"} " << node.lag << "\n";
  }
  if (const net::HttpServer* server = api_server_.load()) {
    const net::HttpServer::AdmissionStats admission = server->Admission();
    Family(out, "sluice_connections_open", "gauge", "Connections open on the API port.");
    out << "sluice_connections_open " << admission.open_connections << "\n";
    Family(out, "sluice_request_bytes_in_flight", "gauge",
           "Request body bytes held by requests being read or answered.");
    out << "sluice_request_bytes_in_flight " << admission.request_bytes_in_flight << "\n";
    Family(out, "sluice_requests_refused_total", "counter",
           "Requests refused with a 503 because the server was at max-connections or "
           "max-request-bytes-in-flight.");
    out << "sluice_requests_refused_total " << admission.refused_requests << "\n";
    Family(out, "sluice_connections_refused_total", "counter",
           "Connections closed at accept: even the allowance kept for refusals was in use.");
    out << "sluice_connections_refused_total " << admission.refused_connections << "\n";
  }
  Family(out, "sluice_node_disk_bytes", "gauge", "Approximate bytes on disk per node.");
  for (const auto& node : nodes) {
    out << "sluice_node_disk_bytes{node=\"" << node.name << "\"} " << node.disk_bytes << "\n";
  }

  Family(out, "sluice_node_injected_latency_seconds", "gauge",
         "Delay injected before each write of a node (operator fault injection).");
  for (const auto& node : nodes) {
    out << "sluice_node_injected_latency_seconds{node=\"" << node.name << "\"} "
        << static_cast<double>(node.faults.apply_delay.count()) / 1e3 << "\n";
  }
  Family(out, "sluice_node_injected_read_latency_seconds", "gauge",
         "Delay injected before each read of a node (operator fault injection).");
  for (const auto& node : nodes) {
    out << "sluice_node_injected_read_latency_seconds{node=\"" << node.name << "\"} "
        << static_cast<double>(node.faults.read_delay.count()) / 1e3 << "\n";
  }
  Family(out, "sluice_node_injected_error_rate", "gauge",
         "Probability injected that a write of a node fails (operator fault injection).");
  for (const auto& node : nodes) {
    out << "sluice_node_injected_error_rate{node=\"" << node.name << "\"} "
        << node.faults.error_rate << "\n";
  }

  replication::StoreStats stats = store_.Stats();
  Family(out, "sluice_committed_lsn", "gauge", "Last log position a quorum holds.");
  out << "sluice_committed_lsn " << stats.committed_lsn << "\n";
  Family(out, "sluice_batches_committed_total", "counter", "Write batches a quorum acknowledged.");
  out << "sluice_batches_committed_total " << stats.batches_committed << "\n";
  Family(out, "sluice_batches_failed_total", "counter", "Write batches that missed the quorum.");
  out << "sluice_batches_failed_total " << stats.batches_failed << "\n";
  Family(out, "sluice_catch_ups_completed_total", "counter",
         "Storage nodes rebuilt from a peer and returned to the quorum.");
  out << "sluice_catch_ups_completed_total " << stats.catch_ups_completed << "\n";
  Family(out, "sluice_quorum_write_latency_seconds", "histogram",
         "Time from queueing a write batch to its quorum acknowledgement.");
  uint64_t count = 0;
  for (size_t i = 0; i < stats.latency_bounds_us.size() && i < stats.latency_counts.size(); ++i) {
    count = stats.latency_counts[i];
    out << "sluice_quorum_write_latency_seconds_bucket{le=\"" << stats.latency_bounds_us[i] / 1e6
        << "\"} " << count << "\n";
  }
  if (!stats.latency_counts.empty()) count = stats.latency_counts.back();
  out << "sluice_quorum_write_latency_seconds_bucket{le=\"+Inf\"} " << count << "\n";
  out << "sluice_quorum_write_latency_seconds_sum " << stats.latency_sum_us / 1e6 << "\n";
  out << "sluice_quorum_write_latency_seconds_count " << count << "\n";
  return out.str();
}

}  // namespace sluice::admin
