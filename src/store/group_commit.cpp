#include "store/group_commit.h"

namespace store {

GroupCommit::GroupCommit(Store& store, std::size_t max_batch)
    : store_{store}, max_batch_{max_batch}, committer_{[this] { commit_batches(); }} {}

GroupCommit::~GroupCommit() {
  {
    std::lock_guard lock{mutex_};
    stopping_ = true;
  }
  submitted_.notify_one();
  committer_.join();
}

void GroupCommit::submit(WorkflowRequest request, Done done) {
  {
    std::lock_guard lock{mutex_};
    requests_.push_back(std::move(request));
    callbacks_.push_back(std::move(done));
  }
  submitted_.notify_one();
}

// A callback may hold what its caller waits to see released (an HTTP
// connection, say): each batch's callbacks are gone once it is answered.
void GroupCommit::commit_batches() {
  for (;;) {
    std::vector<WorkflowRequest> requests;
    std::vector<Done> callbacks;
    {
      std::unique_lock lock{mutex_};
      submitted_.wait(lock, [&] { return stopping_ || !requests_.empty(); });
      if (requests_.empty()) return;  // stopping, and nothing left to commit
      const auto count = static_cast<std::ptrdiff_t>(std::min(requests_.size(), max_batch_));
      requests.assign(std::make_move_iterator(requests_.begin()), std::make_move_iterator(requests_.begin() + count));
      callbacks.assign(std::make_move_iterator(callbacks_.begin()),
                       std::make_move_iterator(callbacks_.begin() + count));
      requests_.erase(requests_.begin(), requests_.begin() + count);
      callbacks_.erase(callbacks_.begin(), callbacks_.begin() + count);
    }
    std::vector<Result<EnqueuedWorkflow>> results = store_.enqueue_workflows(requests);
    for (std::size_t i = 0; i < callbacks.size(); ++i) callbacks[i](std::move(results[i]));
  }
}

}  // namespace store
