#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "broker/stream_view.h"
#include "sluice/common/status.h"
#include "sluice/replication/replicated_store.h"

namespace sluice::broker {

// Every stream, as immutable views, and the one place stream metadata changes.
//
// A change is written to the quorum first, and its view is published only once that write is
// committed: a failed write changes nothing anyone can observe, in memory or on disk (every
// write carries its undo, which the store applies where the failed write landed anyway). Changes to
// one stream run one at a time, in the order they arrive, each against the view the one before it
// left, so none is lost to a concurrent one.
//
// Threads: lookups from any thread (a shared lock held only to copy a pointer). A change
// function runs on the thread that made the change possible: the caller's, or the io_context
// thread that published the previous change. Callbacks run on the io_context once a write is
// decided, or inline on the caller's thread when there was nothing to write.
class StreamRegistry {
 public:
  using Published = std::function<void(Result<ViewPtr>)>;
  // Given the stream as it is now, its metadata as it should be, or why not (nothing is written).
  using Change = std::function<Result<StreamInfo>(const StreamView& current)>;

  StreamRegistry(boost::asio::io_context& io, replication::ReplicatedStore& store)
      : io_(io), store_(store) {}

  // The stream's current view; null when it does not exist (or its creation is not durable yet).
  ViewPtr Find(const std::string& key) const;
  // Views whose keys start with `prefix`, in key order, after `after_key` when it is not empty.
  std::vector<ViewPtr> List(const std::string& prefix, const std::string& after_key = "") const;
  size_t size() const;

  // Adds a stream read back from storage at start: already durable, nothing is written.
  void Restore(const std::string& key, ViewPtr view);

  // Writes a new stream and publishes its view. `exists` is the answer when the key is taken.
  void Create(const std::string& key, StreamInfo info, Status exists, Published done);
  // Applies `change` to the stream's latest view, writes and publishes the result. `missing` is
  // the answer when the stream is gone by the time the change runs.
  void Update(const std::string& key, Change change, Status missing, Published done);
  // Deletes the stream's metadata; the stream disappears once that is durable, and its records
  // are deleted after that (retried until a quorum takes it: until then they take disk space
  // under a uid no stream has any more, and nothing can read them).
  void Remove(const std::string& key, Status missing, std::function<void(Status)> done);

 private:
  // One stream's slot. `view` is guarded by streams_mutex_; the queue by queue_mutex.
  struct Entry {
    ViewPtr view;            // null while the creation is being written, and after removal
    std::mutex queue_mutex;  // guards queue and busy
    // Each operation calls its argument once it is decided, which starts the next one.
    std::deque<std::function<void(std::function<void()>)>> queue;
    bool busy = false;
  };
  using Operation = std::function<void(std::function<void()> finished)>;

  void Enqueue(const std::shared_ptr<Entry>& entry, Operation operation);
  void RunNext(const std::shared_ptr<Entry>& entry);
  ViewPtr ViewOf(const Entry& entry) const;
  void Publish(Entry& entry, ViewPtr view);
  // Erases the key if it still names `entry`, and clears the entry's view.
  void Forget(const std::string& key, const std::shared_ptr<Entry>& entry);
  // Queues `batch` with its `undo`; `then` runs on the io_context with the outcome (inline if it
  // was refused).
  void Write(storage::WriteBatch batch, storage::WriteBatch undo, std::function<void(Status)> then);
  // Deletes a removed stream's records, retrying every second while there is no quorum.
  void DeleteRecords(uint64_t uid);

  boost::asio::io_context& io_;
  replication::ReplicatedStore& store_;
  // Retry timers hold it weakly: one that fires after the registry is gone does nothing.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  // Guards streams_ and every entry's view; held only to find, insert or swap pointers.
  mutable std::shared_mutex streams_mutex_;
  std::map<std::string, std::shared_ptr<Entry>> streams_;  // keyed by StreamMetaKey
};

}  // namespace sluice::broker
