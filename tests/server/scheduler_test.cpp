// The scheduler against a real git repository and real databases: two
// Scheduler objects, each with its own store on one database, stand for two
// servers; a test clock drives them through the slots.
#include "server/scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "temp_dir.h"
#include "test_database.h"

namespace server {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const std::string kPipelines =
    "pipeline \"build\" {\n  stage \"s\" {\n    exec \"e\" { run = \"true\" }\n  }\n}\n";

void run(const std::string& command) { ASSERT_EQ(std::system(command.c_str()), 0) << command; }

std::string output_of(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  for (int c; pipe && (c = fgetc(pipe)) != EOF;) out += static_cast<char>(c);
  if (pipe) pclose(pipe);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// The next whole `step` after the system's now, so that every schedule made
// now (active from the store's clock) is older than the test clock's slots.
store::Timestamp next_boundary(std::chrono::minutes step) {
  const auto now = std::chrono::floor<std::chrono::minutes>(std::chrono::system_clock::now());
  const auto steps = now.time_since_epoch() / step;
  return store::Timestamp{(steps + 1) * step};
}

class SchedulerTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    FACTORY_CREATE_TEST_DATABASE(database_, GetParam());
    for (auto& store : stores_) {
      auto opened = store::open(database_->url());
      ASSERT_TRUE(opened.ok()) << opened.error().message;
      store = std::move(*opened);
    }
    run("git init -q -b main " + source_.string());
    commit(kPipelines);
    auto project = stores_[0]->create_project({"acme", "rocket", "file://" + source_.string(), "secret"});
    ASSERT_TRUE(project.ok()) << project.error().message;
    project_ = *project;
  }

  // Commits `text` as .factory/ci.hcl on main; returns the new head.
  std::string commit(const std::string& text) {
    fs::create_directories(source_ / ".factory");
    std::ofstream(source_ / ".factory" / "ci.hcl") << text;
    const std::string git = "GIT_CONFIG_GLOBAL=/dev/null git -C " + source_.string();
    run(git + " add -A && " + git + " -c user.email=ci@example.com -c user.name=ci commit -qm change");
    return output_of(git + " rev-parse HEAD");
  }

  // Server `i` (0 or 1); a new Scheduler is a server that (re)started.
  std::unique_ptr<Scheduler> scheduler(int i) {
    SchedulerOptions options{.catch_up = 1h, .scratch = dir_.path() / ("scratch-" + std::to_string(i))};
    options.clock = [this] { return store::Timestamp{std::chrono::milliseconds{clock_.load()}}; };
    options.warn = [](const std::string& message) { std::fprintf(stderr, "%s\n", message.c_str()); };
    return std::make_unique<Scheduler>(*stores_[i], std::move(options));
  }

  void set_clock(store::Timestamp at) { clock_ = at.time_since_epoch().count(); }

  // Both servers pass at once; the workflows they queued, together.
  std::vector<std::string> tick_both(Scheduler& a, Scheduler& b) {
    Scheduler::Pass second;
    std::thread other{[&] { second = b.tick(); }};
    std::vector<std::string> queued = a.tick().queued;
    other.join();
    queued.insert(queued.end(), second.queued.begin(), second.queued.end());
    return queued;
  }

  std::vector<store::Workflow> workflows() {
    auto page = stores_[0]->list_workflows(project_.id, {.limit = 1000});
    EXPECT_TRUE(page.ok()) << page.error().message;
    return page.ok() ? page->items : std::vector<store::Workflow>{};
  }

  std::vector<store::Schedule> schedules() {
    auto listed = stores_[0]->list_schedules(project_.id);
    EXPECT_TRUE(listed.ok()) << listed.error().message;
    return listed.ok() ? *listed : std::vector<store::Schedule>{};
  }

  std::unique_ptr<store::testing::TestDatabase> database_;
  std::unique_ptr<store::Store> stores_[2];
  testpaths::TempDir dir_{"factory-scheduler"};
  fs::path source_ = dir_.path() / "source";
  store::Project project_;
  std::atomic<std::int64_t> clock_{0};
};

TEST_P(SchedulerTest, EachSlotQueuesOneWorkflowThoughTwoServersLook) {
  ASSERT_TRUE(stores_[0]->create_schedule(project_.id, {"often", "*/10 * * * *", "main", "UTC"}).ok());
  const std::string head = output_of("git -C " + source_.string() + " rev-parse HEAD");
  auto a = scheduler(0), b = scheduler(1);
  const store::Timestamp first = next_boundary(10min);
  for (int slot = 0; slot < 4; ++slot) {
    set_clock(first + slot * 10min + 2s);
    EXPECT_EQ(tick_both(*a, *b).size(), 1u) << "slot " << slot;
    set_clock(first + slot * 10min + 5min);  // between slots: nothing
    EXPECT_EQ(tick_both(*a, *b).size(), 0u) << "after slot " << slot;
  }
  const std::vector<store::Workflow> queued = workflows();
  ASSERT_EQ(queued.size(), 4u);
  for (const store::Workflow& workflow : queued) {
    EXPECT_EQ(workflow.event.name, "cron");
    EXPECT_EQ(workflow.event.schedule, "often");
    EXPECT_EQ(workflow.event.branch, "main");
    EXPECT_EQ(workflow.event.sha, head);
    EXPECT_EQ(workflow.status, core::Status::Queued);
  }
  EXPECT_EQ(schedules().front().last_slot_at, first + 30min);
}

TEST_P(SchedulerTest, ASlotMissedWhileEveryServerWasDownRunsOnceWhenOneComesBack) {
  ASSERT_TRUE(stores_[0]->create_schedule(project_.id, {"nightly", "0 3 * * *", "main", "UTC"}).ok());
  const auto day = std::chrono::floor<std::chrono::days>(next_boundary(1min)) + std::chrono::days{1};
  // Every server was down at 03:00; the first back at 03:40 runs it, once.
  set_clock(day + 3h + 40min);
  EXPECT_EQ(scheduler(0)->tick().queued.size(), 1u);
  EXPECT_EQ(scheduler(1)->tick().queued.size(), 0u);
  EXPECT_EQ(scheduler(0)->tick().queued.size(), 0u);
  // Down for the next day's slot too, back after the one-hour window: skipped.
  set_clock(day + std::chrono::days{1} + 4h + 1min);
  EXPECT_EQ(tick_both(*scheduler(0), *scheduler(1)).size(), 0u);
  ASSERT_EQ(workflows().size(), 1u);
  EXPECT_EQ(schedules().front().last_slot_at, day + 3h);
}

TEST_P(SchedulerTest, OnlyTheLatestMissedSlotRuns) {
  ASSERT_TRUE(stores_[0]->create_schedule(project_.id, {"often", "*/10 * * * *", "main", "UTC"}).ok());
  set_clock(next_boundary(10min) + 35min);  // four slots passed unseen
  EXPECT_EQ(tick_both(*scheduler(0), *scheduler(1)).size(), 1u);
  EXPECT_EQ(schedules().front().last_slot_at, next_boundary(10min) + 30min);
}

TEST_P(SchedulerTest, DeclaredSchedulesFollowTheBranchHead) {
  const std::string schedule =
      "schedule \"nightly\" {\n  cron = \"0 3 * * *\"\n  branch = \"main\"\n  timezone = \"Europe/Berlin\"\n}\n"
      "schedule \"elsewhere\" {\n  cron = \"@daily\"\n  branch = \"release\"\n}\n";
  const std::string head = commit(schedule + kPipelines);
  auto a = scheduler(0);
  a->refresh(project_.id, "main");
  std::vector<store::Schedule> known = schedules();
  ASSERT_EQ(known.size(), 1u);  // release's schedule is read from release
  EXPECT_EQ(known[0].source, store::ScheduleSource::Config);
  EXPECT_EQ(known[0].spec.name, "nightly");
  EXPECT_EQ(known[0].spec.timezone, "Europe/Berlin");

  // 03:00 in Berlin is 01:00 UTC in summer, 02:00 UTC in winter: one of these passes sees it.
  const auto day = std::chrono::floor<std::chrono::days>(next_boundary(1min)) + std::chrono::days{1};
  auto pass_the_night = [&](store::Timestamp night) {
    std::size_t queued = 0;
    for (auto at : {night + 1h + 1min, night + 2h + 1min}) {
      set_clock(at);
      queued += a->tick().queued.size();
    }
    return queued;
  };
  EXPECT_EQ(pass_the_night(day), 1u);
  std::vector<store::Workflow> queued = workflows();
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_EQ(queued[0].event.schedule, "nightly");
  EXPECT_EQ(queued[0].event.sha, head);

  // A broken push leaves the schedules alone; a push that removes one removes it.
  commit(schedule + "pipeline {\n");
  a->refresh(project_.id, "main");
  EXPECT_EQ(schedules().size(), 1u);
  commit(kPipelines);
  EXPECT_EQ(pass_the_night(day + std::chrono::days{1}), 0u);  // the slot reads the head, which no longer declares it
  EXPECT_TRUE(schedules().empty());
}

TEST_P(SchedulerTest, ABranchGitCannotFetchIsTriedAgainWithinTheWindow) {
  ASSERT_TRUE(stores_[0]->create_schedule(project_.id, {"often", "*/10 * * * *", "main", "UTC"}).ok());
  fs::rename(source_, dir_.path() / "away");
  auto a = scheduler(0);
  const store::Timestamp slot = next_boundary(10min);
  set_clock(slot + 1min);
  EXPECT_EQ(a->tick().queued.size(), 0u);
  fs::rename(dir_.path() / "away", source_);
  set_clock(slot + 2min);
  EXPECT_EQ(a->tick().queued.size(), 1u);
  EXPECT_EQ(schedules().front().last_slot_at, slot);
}

INSTANTIATE_TEST_SUITE_P(Backends, SchedulerTest, ::testing::Values("sqlite", "mysql", "postgres"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace server
