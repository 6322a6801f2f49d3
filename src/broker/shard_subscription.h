#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "broker/store_readers.h"
#include "broker/stream_view.h"
#include "sluice/broker/broker.h"
#include "sluice/replication/replicated_store.h"

namespace sluice::broker {

// One SubscribeToShard subscription: pushes a shard's committed records to its sink, driven by
// the shard's commit signal (never by polling), with a heartbeat event when idle, until its
// lifetime ends, the shard ends, the consumer or stream goes away, or it is cancelled.
//
// Threads: everything runs on the subscription's own strand of the io_context, except the store
// reads, which run on the broker's reader threads. The commit signal, the timers, the reads'
// results and the sink's `delivered` callbacks are posted to the strand, so one step runs at a
// time. Cancel may be called from any thread.
class ShardSubscription : public std::enable_shared_from_this<ShardSubscription> {
 public:
  // What the subscription reads and for whom. `current` returns the stream's latest view (null
  // once it is gone); the subscription checks on every step that the stream is the same one
  // (uid) and that the consumer is still ACTIVE.
  struct Target {
    std::function<ViewPtr()> current;
    std::string account;
    std::string stream_name;
    uint64_t stream_uid = 0;
    ShardIndex shard;
    std::string consumer_name;
    int64_t consumer_created_ms = 0;
  };
  struct Services {
    boost::asio::io_context& io;
    replication::ReplicatedStore& store;
    StoreReaders& readers;  // reads run there, their results come back to the strand
    std::function<int64_t()> now_ms;
    // Counts records and bytes delivered, for the broker's traffic counters.
    std::function<void(uint64_t records, uint64_t bytes)> count_out;
  };

  ShardSubscription(Services services, SubscriptionOptions options, Target target,
                    uint64_t start_position, std::shared_ptr<SubscriptionSink> sink);

  // Tells the sink it started and begins delivering; the subscription lives until it finishes.
  // Call once.
  void Start();
  // Ends the subscription with `why` (OK: quietly), unless it has ended already.
  void Cancel(Status why);

 private:
  // Delivers the next event if one is due and none is in flight; otherwise waits for a commit.
  void Step();
  // On the strand, with what a reader thread read of `shard` from position_ up to the committed
  // `end` at `now`: the next event.
  void OnRead(Result<std::vector<storage::StoredRecord>> records, const ShardInfo& shard,
              uint64_t end, int64_t now);
  void Deliver(SubscribeEvent event, bool last);
  void OnDelivered(bool delivered, bool last);
  void WaitForCommit(ShardWriter& writer);
  void ArmHeartbeat();
  void Finish(Status status);
  // Posts `body` to the strand, holding the subscription alive.
  void Post(std::function<void(ShardSubscription&)> body);
  // The sequence number to resume after: the last record delivered, or the one before the
  // position when nothing has been delivered yet.
  SequenceNumber Continuation(const ShardInfo& shard) const;

  Services services_;
  const SubscriptionOptions options_;
  const Target target_;
  std::shared_ptr<SubscriptionSink> sink_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::steady_timer heartbeat_;
  boost::asio::steady_timer lifetime_;

  // Strand-only state.
  uint64_t position_;  // the next sequence index to deliver
  std::optional<SequenceNumber> last_delivered_;
  bool in_flight_ = false;      // a read is running or an event is with the sink
  bool awaiting_ = false;       // a commit-signal waiter is registered
  bool heartbeat_due_ = false;  // idle for the heartbeat interval: send an empty event
  bool finished_ = false;
  // The subscription keeps itself alive from Start until it finishes: nothing else owns it (the
  // broker and the commit signal hold it weakly), and it always finishes, at the latest when its
  // lifetime ends or the broker stops.
  std::shared_ptr<ShardSubscription> self_;
};

}  // namespace sluice::broker
