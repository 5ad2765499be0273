// Re-running part of a workflow, on every backend (see store_fixture.h): a
// rerun records what it selected and which earlier executions it keeps, and
// its plan takes their results (kept_from) or links each execution that runs
// again to its earlier attempt (rerun_of).
#include <gtest/gtest.h>

#include "store_fixture.h"

namespace store {
namespace {

core::Event push() {
  return {.name = "push", .branch = "main", .sha = "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"};
}

// build: compile {a, b, c} then check {d}; deploy depends on build.
core::Plan three_and_one_then_deploy() {
  core::Plan plan;
  plan.pipelines.push_back({.name = "build",
                            .stages = {{"compile", {{.name = "a"}, {.name = "b"}, {.name = "c"}}},
                                       {"check", {{.name = "d"}}}}});
  plan.pipelines.push_back({.name = "deploy", .depends_on = {"build"}, .stages = {{"ship", {{.name = "e"}}}}});
  return plan;
}

class RerunTest : public ProjectStoreTest {
 protected:
  std::string enqueue(const WorkflowOrigin& origin = {}) {
    auto enqueued = store_->enqueue_workflow(project_.id, {}, push(), origin);
    EXPECT_TRUE(enqueued.ok()) << enqueued.error().message;
    return enqueued.ok() ? enqueued->id : std::string();
  }

  WorkflowTree record(const std::string& id, const core::Plan& plan = three_and_one_then_deploy()) {
    auto tree = store_->record_plan(id, plan);
    EXPECT_TRUE(tree.ok()) << tree.error().message;
    return tree.ok() ? *tree : WorkflowTree{};
  }

  void end(const Execution& execution, core::Status status, int exit_code) {
    ASSERT_OK(store_->set_execution_status(execution.id, {core::Status::Running}));
    ASSERT_OK(store_->set_execution_status(execution.id, {status, "", exit_code}));
  }

  // The first workflow, finished: a and c succeeded, b failed, d and e skipped.
  WorkflowTree failed_run() {
    const std::string id = enqueue();
    auto claimed = store_->claim_next_workflow("agent", std::chrono::seconds{30});
    EXPECT_TRUE(claimed.ok() && claimed->has_value() && (*claimed)->id == id);
    const WorkflowTree tree = record(id);
    const auto& compile = tree.pipelines[0].stages[0].executions;
    end(compile[0], core::Status::Success, 0);
    end(compile[1], core::Status::Failure, 2);
    end(compile[2], core::Status::Success, 0);
    for (const Execution* skipped : {&tree.pipelines[0].stages[1].executions[0], &tree.pipelines[1].stages[0].executions[0]})
      EXPECT_TRUE(store_->set_execution_status(skipped->id, {core::Status::Skipped}).ok());
    EXPECT_TRUE(store_->finish_workflow(id, core::Status::Failure).ok());
    auto finished = store_->get_workflow_tree(id);
    EXPECT_TRUE(finished.ok());
    return finished.ok() ? *finished : WorkflowTree{};
  }
};

const Execution& at(const WorkflowTree& tree, std::size_t pipeline, std::size_t stage, std::size_t execution) {
  return tree.pipelines.at(pipeline).stages.at(stage).executions.at(execution);
}

TEST_P(RerunTest, ARerunKeepsWhatItSaysAndLinksTheRestToTheirEarlierAttempts) {
  const WorkflowTree first = failed_run();
  const std::string& a = at(first, 0, 0, 0).id;
  const std::string& c = at(first, 0, 0, 2).id;
  const std::string second_id = enqueue({.triggered_by = "octocat",
                                         .rerun_of = first.workflow.id,
                                         .rerun_selection = RerunSelection::Failed,
                                         .kept = {c, a, a}});
  auto second_workflow = store_->get_workflow(second_id);
  ASSERT_OK(second_workflow);
  EXPECT_EQ(second_workflow->origin.rerun_of, first.workflow.id);
  EXPECT_EQ(second_workflow->origin.rerun_selection, RerunSelection::Failed);
  EXPECT_TRUE(second_workflow->origin.kept.empty()) << "kept is written, not read back";

  const WorkflowTree second = record(second_id);
  for (std::size_t kept : {0u, 2u}) {
    const Execution& execution = at(second, 0, 0, kept);
    EXPECT_EQ(execution.status, core::Status::Success) << execution.name;
    EXPECT_EQ(execution.status_reason, "kept from workflow " + first.workflow.id);
    EXPECT_EQ(execution.kept_from, at(first, 0, 0, kept).id);
    EXPECT_TRUE(execution.rerun_of.empty());
    EXPECT_EQ(execution.exit_code, 0);
    EXPECT_TRUE(execution.finished_at.has_value());
  }
  for (const Execution* again : {&at(second, 0, 0, 1), &at(second, 0, 1, 0), &at(second, 1, 0, 0)}) {
    EXPECT_EQ(again->status, core::Status::Queued) << again->name;
    EXPECT_TRUE(again->kept_from.empty());
    EXPECT_FALSE(again->rerun_of.empty());
  }
  EXPECT_EQ(at(second, 0, 0, 1).rerun_of, at(first, 0, 0, 1).id);
  EXPECT_EQ(at(second, 1, 0, 0).rerun_of, at(first, 1, 0, 0).id);
  auto read = store_->get_execution(at(second, 0, 0, 0).id);
  ASSERT_OK(read);
  EXPECT_EQ(read->kept_from, a);
}

// A rerun of a rerun points at the executions that ran, never at kept ones;
// a kept execution keeps saying which workflow it ran in.
TEST_P(RerunTest, ARerunOfARerunPointsAtWhatRan) {
  const WorkflowTree first = failed_run();
  const std::string second_id = enqueue({.rerun_of = first.workflow.id,
                                         .rerun_selection = RerunSelection::Failed,
                                         .kept = {at(first, 0, 0, 0).id, at(first, 0, 0, 2).id}});
  const WorkflowTree second = record(second_id);
  ASSERT_TRUE(store_->finish_workflow(second_id, core::Status::Cancelled).ok());

  const std::string& kept_a = at(second, 0, 0, 0).id;
  const std::string third_id = enqueue({.rerun_of = second_id,
                                        .rerun_selection = RerunSelection::Execution,
                                        .rerun_execution = kept_a,
                                        .kept = {at(second, 0, 0, 1).id, at(second, 0, 0, 2).id}});
  auto third_workflow = store_->get_workflow(third_id);
  ASSERT_OK(third_workflow);
  EXPECT_EQ(third_workflow->origin.rerun_selection, RerunSelection::Execution);
  EXPECT_EQ(third_workflow->origin.rerun_execution, kept_a);

  const WorkflowTree third = record(third_id);
  EXPECT_EQ(at(third, 0, 0, 0).status, core::Status::Queued);
  EXPECT_EQ(at(third, 0, 0, 0).rerun_of, at(first, 0, 0, 0).id) << "the one that ran, not the kept one";
  EXPECT_EQ(at(third, 0, 0, 1).status, core::Status::Cancelled) << "kept as the second run left it";
  EXPECT_EQ(at(third, 0, 0, 1).kept_from, at(second, 0, 0, 1).id);
  EXPECT_EQ(at(third, 0, 0, 2).status, core::Status::Success);
  EXPECT_EQ(at(third, 0, 0, 2).kept_from, at(first, 0, 0, 2).id);
  EXPECT_EQ(at(third, 0, 0, 2).status_reason, "kept from workflow " + first.workflow.id);
}

// The plan decides: an execution the earlier plan did not have runs, and a
// kept one the new plan lacks is simply not there.
TEST_P(RerunTest, ANewPlanRunsWhatHasNoEarlierCounterpart) {
  const WorkflowTree first = failed_run();
  const std::string second_id = enqueue({.rerun_of = first.workflow.id,
                                         .rerun_selection = RerunSelection::Failed,
                                         .kept = {at(first, 0, 0, 0).id, at(first, 0, 0, 2).id}});
  core::Plan changed;
  changed.pipelines.push_back({.name = "build", .stages = {{"compile", {{.name = "a"}, {.name = "z"}}}}});
  const WorkflowTree second = record(second_id, changed);
  EXPECT_EQ(at(second, 0, 0, 0).status, core::Status::Success);
  EXPECT_EQ(at(second, 0, 0, 1).status, core::Status::Queued);
  EXPECT_TRUE(at(second, 0, 0, 1).rerun_of.empty());
  EXPECT_TRUE(at(second, 0, 0, 1).kept_from.empty());
}

TEST_P(RerunTest, ASelectionWithoutARerunOrWithABadIdIsRefused) {
  const WorkflowTree first = failed_run();
  const std::string& earlier = first.workflow.id;
  for (const WorkflowOrigin& origin :
       {WorkflowOrigin{.rerun_selection = RerunSelection::Failed},
        WorkflowOrigin{.kept = {at(first, 0, 0, 0).id}},
        WorkflowOrigin{.rerun_of = earlier, .rerun_selection = RerunSelection::Execution},
        WorkflowOrigin{.rerun_of = earlier, .rerun_selection = RerunSelection::Failed, .rerun_execution = earlier},
        WorkflowOrigin{.rerun_of = earlier, .rerun_selection = RerunSelection::Execution, .rerun_execution = "x"},
        WorkflowOrigin{.rerun_of = earlier, .rerun_selection = RerunSelection::Failed, .kept = {"not-an-id"}}})
    EXPECT_ERROR(store_->enqueue_workflow(project_.id, {}, push(), origin), ErrorKind::Invalid);
}

INSTANTIATE_TEST_SUITE_P(Backends, RerunTest, ::testing::Values("sqlite", "mysql", "postgres"),
                         [](const ::testing::TestParamInfo<const char*>& info) { return std::string(info.param); });

}  // namespace
}  // namespace store
