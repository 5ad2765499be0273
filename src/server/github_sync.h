// What the server does with GitHub in the background, on one thread:
//   - commit statuses: the store's outbox (store::QueuedCommitStatus),
//     oldest first, the workflow as context `factory` and each pipeline as
//     `factory/<pipeline>`, linking to
//     <public_url>/projects/<project>/workflows/<workflow>. While GitHub does
//     not answer (5xx, no answer, rate limits) or refuses the credentials
//     (401), the sender waits, from
//     `backoff` doubling up to `longest_backoff`, and tries the same status
//     again: an outage delays statuses, in order, and loses none. A status
//     GitHub refuses (4xx: no access, unknown commit) is dropped with a
//     warning, so that one bad status does not hold up the others.
//   - missed deliveries: GitHub does not retry a delivery that failed, so at
//     start and every `redelivery_interval`, for each project with a hook,
//     the latest deliveries are listed and those that never succeeded, whose
//     delivery id queued no workflow, are redelivered; at most `max_attempts`
//     tries per delivery, so a delivery that keeps failing is not sent
//     forever (the webhook receiver deduplicates by delivery id).
// Thread-safety: start() and stop() from one thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "github/github.h"
#include "store/store.h"

namespace server {

struct GitHubSyncOptions {
  std::string public_url;
  std::chrono::milliseconds poll{1'000};  // how often the outbox is looked at when idle
  std::chrono::milliseconds backoff{1'000};
  std::chrono::milliseconds longest_backoff{300'000};
  std::chrono::milliseconds redelivery_interval{600'000};  // 0: never
  int max_attempts = 3;
  std::function<void(const std::string&)> warn;
};

// The status GitHub shows for a pipeline status (docs/github.md).
github::CommitStatus commit_status(const store::QueuedCommitStatus& queued, const std::string& public_url);

class GitHubSync {
 public:
  GitHubSync(store::Store& store, github::GitHub& github, GitHubSyncOptions options);
  ~GitHubSync();

  void start();
  void stop();

  // One pass each, for tests and for the thread: false when GitHub did not
  // take a status and the sender should back off.
  bool send_statuses();
  void redeliver_failed();

 private:
  void run();
  bool send(const store::QueuedCommitStatus& queued);
  void redeliver_failed(const store::Project& project);
  void warn(const std::string& message) const;

  store::Store& store_;
  github::GitHub& github_;
  GitHubSyncOptions options_;
  std::mutex mutex_;
  std::condition_variable wakeup_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace server
