#include "server/github_sync.h"

#include <algorithm>
#include <map>

namespace server {

namespace {

constexpr int kStatusBatch = 50;
constexpr std::size_t kLongestDescription = 140;  // GitHub refuses longer ones

// `text` cut to GitHub's limit at a UTF-8 character boundary.
std::string description(std::string text) {
  if (text.size() <= kLongestDescription) return text;
  std::size_t end = kLongestDescription - 3;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end) + "...";
}

// GitHub's state and a default description for each of ours. GitHub has no
// cancelled or skipped: a cancelled pipeline is an error (it did not pass),
// a skipped one a success (nothing in it failed), as required checks expect.
std::pair<const char*, const char*> state_of(core::Status status) {
  switch (status) {
    case core::Status::Queued: return {"pending", "queued"};
    case core::Status::Running: return {"pending", "running"};
    case core::Status::Success: return {"success", "passed"};
    case core::Status::Failure: return {"failure", "failed"};
    case core::Status::Cancelled: return {"error", "cancelled"};
    case core::Status::Error: return {"error", "could not run"};
    case core::Status::Skipped: return {"success", "skipped"};
    case core::Status::WaitingForApproval: return {"pending", "waiting for approval by someone with write access"};
  }
  return {"error", "unknown status"};
}

// What GitHub keeps of a delivery's attempts: whether one succeeded, how
// many were made, and the newest one (to redeliver).
struct DeliveryHistory {
  bool succeeded = false;
  int attempts = 0;
  std::int64_t newest = 0;
};

std::map<std::string, DeliveryHistory> histories(const std::vector<github::Delivery>& deliveries) {
  std::map<std::string, DeliveryHistory> by_guid;
  for (const github::Delivery& delivery : deliveries) {  // newest first
    if (delivery.guid.empty()) continue;
    DeliveryHistory& history = by_guid[delivery.guid];
    if (history.attempts++ == 0) history.newest = delivery.id;
    if (delivery.status_code >= 200 && delivery.status_code < 300) history.succeeded = true;
  }
  return by_guid;
}

}  // namespace

github::CommitStatus commit_status(const store::QueuedCommitStatus& queued, const std::string& public_url) {
  const auto [state, standard] = state_of(queued.status);
  github::CommitStatus status;
  status.state = state;
  status.context = queued.pipeline.empty() ? "factory" : "factory/" + queued.pipeline;
  status.description = description(queued.reason.empty() ? standard : standard + (": " + queued.reason));
  if (!public_url.empty())
    status.target_url = public_url + "/projects/" + queued.project_id + "/workflows/" + queued.workflow_id;
  return status;
}

GitHubSync::GitHubSync(store::Store& store, github::GitHub& github, GitHubSyncOptions options)
    : store_{store}, github_{github}, options_{std::move(options)} {
  while (options_.public_url.ends_with('/')) options_.public_url.pop_back();
}

GitHubSync::~GitHubSync() { stop(); }

void GitHubSync::start() { thread_ = std::thread{[this] { run(); }}; }

void GitHubSync::stop() {
  {
    std::lock_guard lock{mutex_};
    stopping_ = true;
  }
  wakeup_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void GitHubSync::warn(const std::string& message) const {
  if (options_.warn) options_.warn(message);
}

void GitHubSync::run() {
  using Clock = std::chrono::steady_clock;
  const bool redeliver = options_.redelivery_interval.count() > 0;
  Clock::time_point next_redelivery = Clock::now();  // at start: deliveries missed while the server was down
  std::chrono::milliseconds backoff = options_.backoff;
  for (;;) {
    if (redeliver && Clock::now() >= next_redelivery) {
      redeliver_failed();
      next_redelivery = Clock::now() + options_.redelivery_interval;
    }
    const bool sent = send_statuses();
    const std::chrono::milliseconds wait = sent ? options_.poll : backoff;
    backoff = sent ? options_.backoff : std::min(backoff * 2, options_.longest_backoff);
    std::unique_lock lock{mutex_};
    const Clock::time_point until =
        redeliver ? std::min(Clock::now() + wait, next_redelivery) : Clock::now() + wait;
    if (wakeup_.wait_until(lock, until, [&] { return stopping_; })) return;
  }
}

bool GitHubSync::send(const store::QueuedCommitStatus& queued) {
  const github::CommitStatus status = commit_status(queued, options_.public_url);
  const auto reply = github_.set_status({queued.owner, queued.repository}, queued.sha, status);
  // Bad credentials are this server's trouble, not the status's: kept until
  // the server is given working ones.
  const bool github_trouble = reply.status == 0 || reply.status >= 500 || reply.status == 401 || reply.retry_at;
  if (github_trouble) {
    warn("GitHub did not take the commit status " + status.context + " of " + queued.owner + "/" + queued.repository +
         " (" + reply.problem() + "); trying again later");
    return false;
  }
  if (!reply.ok())
    warn("GitHub refused the commit status " + status.context + " of " + queued.owner + "/" + queued.repository +
         "@" + queued.sha + " (" + reply.problem() + "); dropped");
  if (auto deleted = store_.delete_commit_status(queued.id); !deleted) {
    warn("the commit status outbox: " + deleted.error().message);
    return false;
  }
  return true;
}

bool GitHubSync::send_statuses() {
  for (;;) {
    auto batch = store_.queued_commit_statuses(kStatusBatch);
    if (!batch) {
      warn("the commit status outbox cannot be read: " + batch.error().message);
      return false;
    }
    if (batch->empty()) return true;
    for (const store::QueuedCommitStatus& queued : *batch) {
      if (!send(queued)) return false;
      std::lock_guard lock{mutex_};
      if (stopping_) return true;
    }
  }
}

void GitHubSync::redeliver_failed() {
  store::PageRequest page{.after = {}, .limit = 100};
  do {
    auto projects = store_.list_projects(page);
    if (!projects) return warn("missed deliveries: the projects cannot be listed: " + projects.error().message);
    for (const store::Project& project : projects->items)
      if (project.github_hook_id) redeliver_failed(project);
    page.after = projects->next;
  } while (!page.after.empty());
}

void GitHubSync::redeliver_failed(const store::Project& project) {
  const github::Repository repository{project.owner_name, project.name};
  const std::int64_t hook = *project.github_hook_id;
  std::vector<github::Delivery> deliveries;
  if (auto listed = github_.list_deliveries(repository, hook, deliveries); !listed.ok())
    return warn("the deliveries of the webhook of " + project.owner_name + "/" + project.name +
                " cannot be listed: " + listed.problem());
  for (const auto& [guid, history] : histories(deliveries)) {
    if (history.succeeded || history.attempts >= options_.max_attempts) continue;
    auto seen = store_.delivery_seen(project.id, guid);
    if (!seen || *seen) continue;
    const auto reply = github_.redeliver(repository, hook, history.newest);
    warn("delivery " + guid + " of " + project.owner_name + "/" + project.name + " failed; " +
         (reply.ok() ? "asked GitHub to deliver it again" : "redelivering it failed: " + reply.problem()));
  }
}

}  // namespace server
