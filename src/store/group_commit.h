// Group commit for the workflow queue: deliveries arriving together are
// queued in one transaction, so one commit (one write to the journal)
// serves many of them, and the caller's thread is not held meanwhile.
//
// submit() hands a request over and returns at once; `done` is called later,
// on the committer's thread, once the request's transaction has committed
// (or failed). While one batch commits, the next one gathers: the busier the
// server, the larger the batches, and an idle server commits each request
// alone without waiting. Thread-safe. The destructor finishes every request
// already submitted.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "store/store.h"

namespace store {

class GroupCommit {
 public:
  using Done = std::function<void(Result<EnqueuedWorkflow>)>;

  explicit GroupCommit(Store& store, std::size_t max_batch = 512);
  ~GroupCommit();
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  void submit(WorkflowRequest request, Done done);

 private:
  void commit_batches();

  Store& store_;
  const std::size_t max_batch_;
  std::mutex mutex_;
  std::condition_variable submitted_;
  std::vector<WorkflowRequest> requests_;
  std::vector<Done> callbacks_;
  bool stopping_ = false;
  std::thread committer_;  // last: starts once the members above exist
};

}  // namespace store
