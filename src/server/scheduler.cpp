#include "server/scheduler.h"

#include <algorithm>

#include "cron/cron.h"

namespace server {

namespace {

store::Timestamp system_now() {
  return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

// The schedules a configuration declares for `branch`: those of other
// branches are read when their own branch is.
std::vector<store::ScheduleSpec> declared_for(const config::Configuration& cfg, const std::string& branch) {
  std::vector<store::ScheduleSpec> specs;
  for (const config::Schedule& s : cfg.schedules)
    if (s.branch == branch) specs.push_back({s.name, s.cron, s.branch, s.timezone});
  return specs;
}

// Whether the branch, as just read, still declares the schedule as it is known.
bool still_declared(const store::Schedule& schedule, const config::Configuration& cfg) {
  return std::any_of(cfg.schedules.begin(), cfg.schedules.end(), [&](const config::Schedule& s) {
    return s.name == schedule.spec.name && s.branch == schedule.spec.branch && s.cron == schedule.spec.cron &&
           s.timezone == schedule.spec.timezone;
  });
}

struct Slots {
  std::optional<store::Timestamp> latest;  // the latest in (from, now]
  std::optional<store::Timestamp> next;    // the first after now
};

Slots slots_between(const store::Schedule& schedule, store::Timestamp from, store::Timestamp now, std::string& error) {
  Slots slots;
  const auto expression = cron::Expression::parse(schedule.spec.cron, error);
  const auto zone = expression ? cron::TimeZone::find(schedule.spec.timezone, error) : std::nullopt;
  if (!zone) return slots;
  for (auto slot = cron::next_slot(*expression, *zone, from); slot; slot = cron::next_slot(*expression, *zone, *slot)) {
    if (*slot > now) {
      slots.next = slot;
      break;
    }
    slots.latest = slot;
  }
  return slots;
}

}  // namespace

Scheduler::Scheduler(store::Store& store, SchedulerOptions options) : store_{store}, options_{std::move(options)} {
  if (!options_.clock) options_.clock = system_now;
  if (!options_.read_branch)
    options_.read_branch = [scratch = options_.scratch](const git::BranchSource& source) {
      return git::read_branch_config(source, scratch);
    };
}

void Scheduler::warn(const std::string& message) const {
  if (options_.warn) options_.warn("schedules: " + message);
}

Scheduler::Pass Scheduler::tick() {
  Pass pass;
  auto schedules = store_.list_schedules();
  if (!schedules) {
    warn("reading the schedules failed (tried again later): " + schedules.error().message);
    return pass;
  }
  const store::Timestamp now = options_.clock();
  std::map<std::string, store::Timestamp> looked;
  for (const store::Schedule& schedule : *schedules) {
    const auto seen = looked_until_.find(schedule.id);
    store::Timestamp from = std::max(now - options_.catch_up, schedule.active_since);
    if (seen != looked_until_.end()) from = std::max(from, seen->second);
    std::string error;
    const Slots slots = slots_between(schedule, from, now, error);
    if (!error.empty()) warn("schedule " + schedule.id + " cannot run: " + error);
    looked[schedule.id] = now;
    if (slots.latest && run_slot(schedule, *slots.latest, pass) == Outcome::Retry) looked[schedule.id] = from;
    if (slots.next && (!pass.next_slot || *slots.next < *pass.next_slot)) pass.next_slot = slots.next;
  }
  looked_until_ = std::move(looked);  // schedules deleted meanwhile are forgotten
  return pass;
}

Scheduler::Outcome Scheduler::run_slot(const store::Schedule& schedule, store::Timestamp slot, Pass& pass) {
  auto taken = store_.slot_taken(schedule.id, slot);
  if (!taken) {
    warn("schedule " + schedule.id + ": " + taken.error().message);
    return Outcome::Retry;
  }
  if (*taken) return Outcome::Done;
  auto project = store_.get_project(schedule.project_id);
  if (!project) return project.error().kind == store::ErrorKind::NotFound ? Outcome::Done : Outcome::Retry;
  const git::BranchConfig head = read_branch(*project, schedule.spec.branch);
  if (head.outcome == git::BranchConfig::Outcome::Unreachable) return Outcome::Retry;
  // A declared schedule runs only while its branch declares it so; a
  // branch whose `.factory/` has errors still runs, and its workflow shows them.
  if (schedule.source == store::ScheduleSource::Config && head.configuration &&
      !still_declared(schedule, *head.configuration))
    return Outcome::Done;
  core::Event event{.name = "cron", .branch = schedule.spec.branch, .sha = head.sha, .schedule = schedule.spec.name};
  auto enqueued = store_.enqueue_scheduled_workflow({schedule.id, slot, std::move(event)});
  if (!enqueued) {
    warn("queueing schedule " + schedule.id + " failed: " + enqueued.error().message);
    return enqueued.error().kind == store::ErrorKind::Unavailable ? Outcome::Retry : Outcome::Done;
  }
  if (!enqueued->has_value()) return Outcome::Done;  // another server was first
  pass.queued.push_back((*enqueued)->id);
  if (options_.workflow_queued) options_.workflow_queued();
  return Outcome::Done;
}

git::BranchConfig Scheduler::read_branch(const store::Project& project, const std::string& branch) {
  const std::string token = options_.clone_token ? options_.clone_token(project) : std::string{};
  git::BranchConfig head = options_.read_branch({project.url, branch, token});
  const std::string where = project.owner_name + "/" + project.name + " branch " + branch;
  if (head.outcome == git::BranchConfig::Outcome::Unreachable) {
    warn("cannot fetch " + where + ": " + head.problem);
  } else if (head.outcome == git::BranchConfig::Outcome::Invalid) {
    // Its schedules stay as they were: a broken push does not stop them.
    warn("the .factory/ of " + where + " has errors; its schedules stay as they were:\n" + head.problem);
  } else if (auto replaced = store_.replace_declared_schedules(project.id, branch,
                                                                declared_for(*head.configuration, branch));
             !replaced) {
    warn("the schedules of " + where + " were not updated: " + replaced.error().message);
  }
  return head;
}

void Scheduler::refresh(const std::string& project_id, const std::string& branch) {
  auto project = store_.get_project(project_id);
  if (!project) return;  // deleted meanwhile
  read_branch(*project, branch);
}

void Scheduler::refresh_declared() {
  auto schedules = store_.list_schedules();
  if (!schedules) return warn("reading the schedules failed (tried again later): " + schedules.error().message);
  std::vector<std::pair<std::string, std::string>> branches;
  for (const store::Schedule& s : *schedules)
    if (s.source == store::ScheduleSource::Config) branches.emplace_back(s.project_id, s.spec.branch);
  std::sort(branches.begin(), branches.end());
  branches.erase(std::unique(branches.begin(), branches.end()), branches.end());
  for (const auto& [project, branch] : branches) refresh(project, branch);
}

SchedulerThread::SchedulerThread(store::Store& store, SchedulerOptions options)
    : scheduler_{store, options},
      poll_{options.poll},
      refresh_{options.refresh},
      clock_{options.clock ? options.clock : system_now},
      warn_{options.warn},
      thread_{[this](std::stop_token stop) { run(stop); }} {}

void SchedulerThread::branch_pushed(std::string project_id, std::string branch) {
  {
    std::lock_guard lock{mutex_};
    const std::pair pushed{std::move(project_id), std::move(branch)};
    if (std::find(pushed_.begin(), pushed_.end(), pushed) != pushed_.end()) return;
    if (pushed_.size() >= kMaxPending) {
      if (warn_) warn_("schedules: too many pushes waiting; the schedules of " + pushed.second + " are read later");
      return;
    }
    pushed_.push_back(pushed);
  }
  wake_.notify_one();
}

void SchedulerThread::schedules_changed() {
  {
    std::lock_guard lock{mutex_};
    changed_ = true;
  }
  wake_.notify_one();
}

void SchedulerThread::run(std::stop_token stop) {
  auto next_refresh = std::chrono::steady_clock::now() + refresh_;
  while (!stop.stop_requested()) {
    if (std::chrono::steady_clock::now() >= next_refresh) {
      scheduler_.refresh_declared();
      next_refresh = std::chrono::steady_clock::now() + refresh_;
    }
    const Scheduler::Pass pass = scheduler_.tick();
    // Wake at the next slot, just after it, or after `poll` to see schedules other servers made.
    auto wait_for = poll_;
    if (pass.next_slot)
      wait_for = std::clamp(std::chrono::duration_cast<std::chrono::milliseconds>(*pass.next_slot - clock_()) +
                                std::chrono::milliseconds{10},
                            std::chrono::milliseconds{0}, poll_);
    for (const auto& [project, branch] : wait(stop, std::chrono::steady_clock::now() + wait_for))
      scheduler_.refresh(project, branch);
  }
}

std::deque<std::pair<std::string, std::string>> SchedulerThread::wait(std::stop_token stop,
                                                                        std::chrono::steady_clock::time_point until) {
  std::unique_lock lock{mutex_};
  wake_.wait_until(lock, stop, until, [this] { return changed_ || !pushed_.empty(); });
  changed_ = false;
  return std::exchange(pushed_, {});
}

}  // namespace server
