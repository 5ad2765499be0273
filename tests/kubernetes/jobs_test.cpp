// What the provisioner makes of the Jobs and pods the cluster reports, in
// the shapes of the Kubernetes API reference.
#include <gtest/gtest.h>

#include "kubernetes/jobs.h"

namespace kubernetes {
namespace {

using nlohmann::json;

TEST(JobEndTest, ReadsTheCompleteAndFailedConditions) {
  EXPECT_FALSE(job_end(json::parse(R"({"status": {"active": 1}})")));
  const auto completed =
      job_end(json::parse(R"({"status": {"conditions": [{"type": "Complete", "status": "True"}]}})"));
  ASSERT_TRUE(completed);
  EXPECT_TRUE(completed->succeeded);
  const auto failed = job_end(json::parse(R"({"status": {"conditions": [
      {"type": "Failed", "status": "True", "reason": "DeadlineExceeded",
       "message": "Job was active longer than specified deadline"}]}})"));
  ASSERT_TRUE(failed);
  EXPECT_FALSE(failed->succeeded);
  EXPECT_EQ(failed->how, "failed (DeadlineExceeded: Job was active longer than specified deadline)");
}

TEST(PodStartFailureTest, NamesImagePullErrorsAndUnschedulablePods) {
  EXPECT_FALSE(pod_start_failure(json::parse(R"({"metadata": {"name": "p"}, "status": {"phase": "Pending",
      "containerStatuses": [{"state": {"waiting": {"reason": "ContainerCreating"}}}]}})")));
  EXPECT_EQ(pod_start_failure(json::parse(R"({"metadata": {"name": "p"}, "status": {"containerStatuses": [
      {"image": "x", "state": {"waiting": {"reason": "ImagePullBackOff",
                                          "message": "Back-off pulling image \"x\""}}}]}})")),
            "could not start: pod p: ImagePullBackOff: Back-off pulling image \"x\"");
  EXPECT_EQ(pod_start_failure(json::parse(R"({"metadata": {"name": "p"}, "status": {"conditions": [
      {"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
       "message": "0/3 nodes are available: 3 Insufficient memory."}]}})")),
            "could not start: pod p: Unschedulable: 0/3 nodes are available: 3 Insufficient memory.");
}

TEST(AgentJobTest, KeepsTheTokenInTheSecretOnly) {
  const orchestrator::AgentLaunch launch{"0f8e1d2c-aaaa-bbbb-cccc-123456789abc", "kubernetes-agent-1", "s3cret-token",
                                         "http://factory.ci.svc:8080"};
  JobTemplate job;
  job.namespace_name = "ci";
  const std::string name = job_name(launch.workflow_id);
  EXPECT_TRUE(name.starts_with("factory-0f8e1d2c-aaaa-bbbb-cccc-123456789abc-")) << name;
  EXPECT_LE(name.size() + 6, 63u) << "its pods' names too are DNS labels";
  const json spec = agent_job(job, name, launch);
  EXPECT_EQ(spec.dump().find("s3cret-token"), std::string::npos);
  EXPECT_EQ(spec["spec"]["template"]["spec"]["restartPolicy"], "Never");
  EXPECT_EQ(workflow_of(spec), launch.workflow_id);
  EXPECT_EQ(token_secret(job, name, launch)["stringData"]["token"], "s3cret-token");
}

}  // namespace
}  // namespace kubernetes
