#include "broker/stream_registry.h"

#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "sluice/common/log.h"

namespace sluice::broker {

ViewPtr StreamRegistry::Find(const std::string& key) const {
  std::shared_lock lock(streams_mutex_);
  auto it = streams_.find(key);
  return it == streams_.end() ? nullptr : it->second->view;
}

std::vector<ViewPtr> StreamRegistry::List(const std::string& prefix,
                                          const std::string& after_key) const {
  std::vector<ViewPtr> views;
  std::shared_lock lock(streams_mutex_);
  auto it = after_key.empty() ? streams_.lower_bound(prefix) : streams_.upper_bound(after_key);
  for (; it != streams_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    if (it->second->view) views.push_back(it->second->view);
  }
  return views;
}

size_t StreamRegistry::size() const {
  std::shared_lock lock(streams_mutex_);
  size_t count = 0;
  for (const auto& [key, entry] : streams_) count += entry->view ? 1 : 0;
  return count;
}

void StreamRegistry::Restore(const std::string& key, ViewPtr view) {
  auto entry = std::make_shared<Entry>();
  entry->view = std::move(view);
  std::unique_lock lock(streams_mutex_);
  streams_[key] = std::move(entry);
}

void StreamRegistry::Create(const std::string& key, StreamInfo info, Status exists,
                            Published done) {
  auto entry = std::make_shared<Entry>();
  {
    std::unique_lock lock(streams_mutex_);
    // The key is taken from here on, so a second create of the name fails, but Find does not
    // see the stream until its metadata is durable.
    if (!streams_.emplace(key, entry).second) return done(std::move(exists));
  }
  Enqueue(entry, [this, key, entry, info = std::move(info),
                  done = std::move(done)](std::function<void()> finished) mutable {
    auto view = StreamView::Make(std::move(info), nullptr, [](ShardIndex) {
      return std::pair<uint64_t, int64_t>{0, 0};
    });
    storage::WriteBatch batch, undo;
    batch.PutMeta(key, EncodeStreamInfo(view->info));
    undo.DeleteMeta(key);
    Write(std::move(batch), std::move(undo),
          [this, key, entry, view, done = std::move(done),
           finished = std::move(finished)](Status status) {
            if (status.ok()) {
              Publish(*entry, view);
              done(view);
            } else {
              Forget(key, entry);
              done(status);
            }
            finished();
          });
  });
}

void StreamRegistry::Update(const std::string& key, Change change, Status missing, Published done) {
  std::shared_ptr<Entry> entry;
  {
    std::shared_lock lock(streams_mutex_);
    auto it = streams_.find(key);
    if (it != streams_.end()) entry = it->second;
  }
  if (!entry) return done(std::move(missing));
  Enqueue(entry, [this, key, entry, change = std::move(change), missing = std::move(missing),
                  done = std::move(done)](std::function<void()> finished) mutable {
    ViewPtr current = ViewOf(*entry);
    if (!current) {
      done(std::move(missing));
      return finished();
    }
    auto next = change(*current);
    if (!next.ok()) {
      done(next.status());
      return finished();
    }
    ViewPtr view = StreamView::Next(std::move(next).value(), *current);
    storage::WriteBatch batch, undo;
    batch.PutMeta(key, EncodeStreamInfo(view->info));
    undo.PutMeta(key, EncodeStreamInfo(current->info));
    Write(
        std::move(batch), std::move(undo),
        [this, entry, view, done = std::move(done), finished = std::move(finished)](Status status) {
          if (status.ok()) {
            Publish(*entry, view);
            done(view);
          } else {
            done(status);
          }
          finished();
        });
  });
}

void StreamRegistry::Remove(const std::string& key, Status missing,
                            std::function<void(Status)> done) {
  std::shared_ptr<Entry> entry;
  {
    std::shared_lock lock(streams_mutex_);
    auto it = streams_.find(key);
    if (it != streams_.end()) entry = it->second;
  }
  if (!entry) return done(std::move(missing));
  Enqueue(entry, [this, key, entry, missing = std::move(missing),
                  done = std::move(done)](std::function<void()> finished) mutable {
    ViewPtr current = ViewOf(*entry);
    if (!current) {
      done(std::move(missing));
      return finished();
    }
    storage::WriteBatch batch, undo;
    batch.DeleteMeta(key);
    undo.PutMeta(key, EncodeStreamInfo(current->info));
    const uint64_t uid = current->info.uid;
    Write(std::move(batch), std::move(undo),
          [this, key, entry, uid, done = std::move(done),
           finished = std::move(finished)](Status status) {
            if (status.ok()) {
              Forget(key, entry);
              DeleteRecords(uid);
            }
            done(status);
            finished();
          });
  });
}

void StreamRegistry::Enqueue(const std::shared_ptr<Entry>& entry, Operation operation) {
  {
    std::lock_guard lock(entry->queue_mutex);
    entry->queue.push_back(std::move(operation));
    if (entry->busy) return;  // the running operation starts this one when it is decided
    entry->busy = true;
  }
  RunNext(entry);
}

void StreamRegistry::RunNext(const std::shared_ptr<Entry>& entry) {
  Operation operation;
  {
    std::lock_guard lock(entry->queue_mutex);
    if (entry->queue.empty()) {
      entry->busy = false;
      return;
    }
    operation = std::move(entry->queue.front());
    entry->queue.pop_front();
  }
  operation([this, entry] { RunNext(entry); });
}

ViewPtr StreamRegistry::ViewOf(const Entry& entry) const {
  std::shared_lock lock(streams_mutex_);
  return entry.view;
}

void StreamRegistry::Publish(Entry& entry, ViewPtr view) {
  std::unique_lock lock(streams_mutex_);
  entry.view = std::move(view);
}

void StreamRegistry::Forget(const std::string& key, const std::shared_ptr<Entry>& entry) {
  std::unique_lock lock(streams_mutex_);
  entry->view = nullptr;
  auto it = streams_.find(key);
  if (it != streams_.end() && it->second == entry) streams_.erase(it);
}

void StreamRegistry::Write(storage::WriteBatch batch, storage::WriteBatch undo,
                           std::function<void(Status)> then) {
  auto shared_then = std::make_shared<std::function<void(Status)>>(std::move(then));
  Status queued = store_.Write(
      std::move(batch),
      [this, shared_then](Status status) {
        // On a storage thread: hand the outcome to the io_context and return at once.
        boost::asio::post(io_, [shared_then, status = std::move(status)]() mutable {
          (*shared_then)(std::move(status));
        });
      },
      std::move(undo));
  if (!queued.ok()) (*shared_then)(std::move(queued));
}

void StreamRegistry::DeleteRecords(uint64_t uid) {
  storage::WriteBatch batch;
  batch.DeleteStream(uid);
  // Deleting is idempotent, so it needs no undo: a failed delete is simply tried again.
  Write(std::move(batch), storage::WriteBatch(), [this, uid](Status status) {
    if (status.ok()) return;
    Logger("broker")->warn("deleting the records of stream uid {}: {}; retrying", uid,
                           status.message());
    auto timer = std::make_shared<boost::asio::steady_timer>(io_, std::chrono::seconds(1));
    timer->async_wait([this, alive = std::weak_ptr<int>(alive_), timer,
                       uid](const boost::system::error_code& ec) {
      if (!ec && alive.lock()) DeleteRecords(uid);
    });
  });
}

}  // namespace sluice::broker
