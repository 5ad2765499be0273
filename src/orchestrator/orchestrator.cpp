#include "orchestrator/orchestrator.h"

#include <cstdio>

namespace orchestrator {

namespace {

using SteadyClock = std::chrono::steady_clock;

// Now, as the store keeps time.
store::Timestamp now_in_store() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

// A pool agent that has not asked for work for this long is taken as gone.
constexpr std::chrono::seconds kAgentSeenWindow{60};

void log_error(const std::string& what, const store::Error& error) {
  std::fprintf(stderr, "orchestrator: %s: %s\n", what.c_str(), error.message.c_str());
}

}  // namespace

Orchestrator::Orchestrator(store::Store& store, std::unique_ptr<Provisioner> provisioner, Options options)
    : store_{store}, provisioner_{std::move(provisioner)}, options_{std::move(options)} {}

Orchestrator::~Orchestrator() { stop(); }

void Orchestrator::start() { thread_ = std::thread{[this] { run(); }}; }

void Orchestrator::stop() {
  std::deque<Waiter> waiters;
  {
    std::lock_guard lock{mutex_};
    stopping_ = true;
    waiters.swap(waiters_);
  }
  wake_.notify_all();
  for (auto& waiter : waiters) waiter.answer(std::nullopt);
  if (thread_.joinable()) thread_.join();
  provisioner_->stop_all();
}

void Orchestrator::set_server_url(std::string url) {
  std::lock_guard lock{mutex_};
  options_.server_url = std::move(url);
}

void Orchestrator::workflow_queued() {
  {
    std::lock_guard lock{mutex_};
    work_queued_ = true;
  }
  wake_.notify_all();
}

void Orchestrator::claim(std::string agent, std::chrono::milliseconds wait, ClaimAnswer answer) {
  {
    std::lock_guard lock{mutex_};
    last_agent_seen_ = SteadyClock::now();
    if (!stopping_) {
      waiters_.push_back({std::move(agent), SteadyClock::now() + wait, std::move(answer)});
      work_queued_ = true;
      answer = nullptr;
    }
  }
  if (answer) return answer(std::nullopt);
  wake_.notify_all();
}

std::string Orchestrator::waiting_reason() const {
  std::lock_guard lock{mutex_};
  return waiting_reason_;
}

void Orchestrator::cancel_requested() {
  {
    std::lock_guard lock{mutex_};
    cancel_asked_ = true;
  }
  wake_.notify_all();
}

void Orchestrator::workflow_finished(const std::string& workflow_id) {
  if (auto deleted = store_.delete_workflow_tokens(workflow_id); !deleted)
    log_error("deleting the tokens of workflow " + workflow_id, deleted.error());
}

void Orchestrator::run() {
  auto next_tick = SteadyClock::now();
  std::unique_lock lock{mutex_};
  while (!stopping_) {
    const bool due = SteadyClock::now() >= next_tick;
    if (due || work_queued_ || cancel_asked_) {
      const bool look_at_queue = std::exchange(work_queued_, false) || due;
      const bool look_at_cancels = std::exchange(cancel_asked_, false) || due;
      lock.unlock();
      if (look_at_cancels) pass_on_cancels();
      if (due) {
        give_up_unconfirmed_cancels();
        expire_leases();
        next_tick = SteadyClock::now() + options_.tick;
      }
      reap_agents();
      if (look_at_queue) {
        answer_waiters();
        provision_agents();
      }
      lock.lock();
      update_waiting_reason();
      continue;
    }
    wake_.wait_until(lock, std::min(next_tick, next_waiter_deadline()));
    lock.unlock();
    answer_expired_waiters();
    lock.lock();
  }
}

SteadyClock::time_point Orchestrator::next_waiter_deadline() const {
  auto earliest = SteadyClock::time_point::max();
  for (const auto& waiter : waiters_) earliest = std::min(earliest, waiter.deadline);
  return earliest;
}

void Orchestrator::answer_expired_waiters() {
  std::vector<ClaimAnswer> expired;
  {
    std::lock_guard lock{mutex_};
    const auto now = SteadyClock::now();
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if (it->deadline > now) {
        ++it;
        continue;
      }
      expired.push_back(std::move(it->answer));
      it = waiters_.erase(it);
    }
  }
  for (auto& answer : expired) answer(std::nullopt);
}

void Orchestrator::answer_waiters() {
  for (;;) {
    Waiter waiter;
    {
      std::lock_guard lock{mutex_};
      if (waiters_.empty()) return;
      waiter = std::move(waiters_.front());
      waiters_.pop_front();
    }
    auto claimed = store_.claim_next_workflow(waiter.agent, options_.lease);
    if (claimed && *claimed) {
      waiter.answer(std::move(**claimed));
      continue;
    }
    if (!claimed) log_error("claiming for agent " + waiter.agent, claimed.error());
    std::lock_guard lock{mutex_};
    waiters_.push_front(std::move(waiter));  // nothing queued: it waits on
    return;
  }
}

void Orchestrator::provision_agents() {
  while (provisioner_->capacity() > 0) {
    const std::string agent = provisioner_->name() + "-agent-" + std::to_string(agents_provisioned_ + 1);
    auto claimed = store_.claim_next_workflow(agent, options_.lease);
    if (!claimed) return log_error("claiming for a new agent", claimed.error());
    if (!*claimed) return;
    ++agents_provisioned_;
    const std::string workflow_id = (*claimed)->id;
    auto token = store_.create_token(agent, store::TokenScope::Agent, workflow_id);
    if (!token) {
      log_error("making a token for " + agent, token.error());
      fail_workflow(workflow_id, "could not make a token for its agent: " + token.error().message);
      continue;
    }
    std::string server_url;
    {
      std::lock_guard lock{mutex_};
      server_url = options_.server_url;
    }
    std::string error;
    if (!provisioner_->provision({workflow_id, agent, token->secret, server_url}, error))
      fail_workflow(workflow_id, "could not start its agent: " + error);
  }
}

void Orchestrator::reap_agents() {
  for (const AgentExit& exit : provisioner_->reap()) {
    auto workflow = store_.get_workflow(exit.workflow_id);
    if (!workflow) continue;  // deleted with its project
    // A workflow queued again after a lost lease belongs to another agent now.
    if (workflow->status != core::Status::Running || workflow->lease_owner != exit.agent_name) continue;
    fail_workflow(exit.workflow_id, "its agent " + exit.how + " before finishing it");
  }
}

// Cancels are asked through the store, possibly of another server: each
// tick looks for them, and the provisioner hears of each once.
void Orchestrator::pass_on_cancels() {
  const auto asked = store_.unconfirmed_cancels(store::Timestamp::max());  // however recent
  if (!asked) return log_error("listing cancel requests", asked.error());
  std::set<std::string> still_asked(asked->begin(), asked->end());
  for (const auto& id : still_asked)
    if (!cancels_passed_on_.contains(id)) provisioner_->cancel(id);
  cancels_passed_on_ = std::move(still_asked);
}

void Orchestrator::expire_leases() {
  auto expired = store_.expire_leases(now_in_store(), options_.max_attempts);
  if (!expired) return log_error("expiring leases", expired.error());
  // The lost agent is stopped and its token deleted, so that it cannot
  // report into a new attempt.
  for (const auto* ids : {&expired->requeued, &expired->failed})
    for (const auto& id : *ids) {
      provisioner_->stop(id);
      workflow_finished(id);
    }
  if (!expired->requeued.empty()) {
    std::lock_guard lock{mutex_};
    work_queued_ = true;
  }
}

void Orchestrator::give_up_unconfirmed_cancels() {
  const auto overdue = store_.unconfirmed_cancels(now_in_store() - options_.cancel_grace);
  if (!overdue) return log_error("listing unconfirmed cancels", overdue.error());
  for (const auto& id : *overdue) {
    provisioner_->stop(id);
    auto finished = store_.finish_workflow(id, core::Status::Cancelled, "cancelled; its agent did not confirm in time");
    if (!finished && finished.error().kind != store::ErrorKind::Conflict)
      log_error("cancelling workflow " + id, finished.error());
    workflow_finished(id);
  }
}

void Orchestrator::fail_workflow(const std::string& workflow_id, const std::string& reason) {
  auto finished = store_.finish_workflow(workflow_id, core::Status::Error, reason);
  if (!finished && finished.error().kind != store::ErrorKind::Conflict)
    log_error("marking workflow " + workflow_id + " error", finished.error());
  workflow_finished(workflow_id);
}

void Orchestrator::update_waiting_reason() {
  const std::size_t running = provisioner_->running();
  if (provisioner_->capacity() > 0) {
    waiting_reason_ = "an agent is being started for it";
  } else if (running > 0) {
    waiting_reason_ = "all " + std::to_string(running) + " " + provisioner_->name() + " agents are busy";
  } else if (!waiters_.empty()) {
    waiting_reason_ = "an agent is claiming it";
  } else if (!last_agent_seen_ || SteadyClock::now() - *last_agent_seen_ > kAgentSeenWindow) {
    waiting_reason_ = "no agent is connected: start one with `factory agent --server URL` and an agent token";
  } else {
    waiting_reason_ = "all connected agents are busy";
  }
}

}  // namespace orchestrator
