// The objects the Kubernetes provisioner creates for a workflow, and what it
// reads from the ones the cluster reports back.
//
// Per workflow: a Secret holding the agent's token (so the token is never
// in the Job's spec, which anyone who may list Jobs can read), and a
// batch/v1 Job running `factory-agent --once` once (backoffLimit 0: a failed
// agent is not run again; the orchestrator decides about retries).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "orchestrator/provisioner.h"

namespace kubernetes {

// Resource names ("cpu", "memory", "ephemeral-storage") → quantities ("500m", "1Gi").
using Resources = std::map<std::string, std::string>;

struct JobTemplate {
  std::string namespace_name = "default";
  std::string image = "factory:latest";  // holds `factory-agent` on its PATH
  Resources requests;
  Resources limits;
  std::chrono::seconds ttl_after_finished{3600};  // the Job and its pod are deleted this long after it ends
  std::chrono::seconds active_deadline{6 * 3600};  // the pod is stopped after this long
};

// The labels on every Job, pod and Secret the provisioner makes; the
// workflow's id is under kWorkflowLabel.
inline constexpr const char* kManagedBySelector = "app.kubernetes.io/managed-by=factory";
inline constexpr const char* kWorkflowLabel = "factory.dev/workflow";

// A fresh name for a workflow's Job and Secret: "factory-" + the workflow
// id + a random suffix (a workflow run again gets another Job).
std::string job_name(const std::string& workflow_id);

nlohmann::json token_secret(const JobTemplate& job, const std::string& name, const orchestrator::AgentLaunch& launch);
nlohmann::json agent_job(const JobTemplate& job, const std::string& name, const orchestrator::AgentLaunch& launch);

// How a Job ended (its Complete or Failed condition), or nullopt while it runs.
struct JobEnd {
  bool succeeded = false;
  std::string how;  // "failed (DeadlineExceeded: Job was active longer than specified deadline)"
};
std::optional<JobEnd> job_end(const nlohmann::json& job);

// Why a pod's agent will not start without help, or nullopt: an image that
// cannot be pulled (ErrImagePull, ImagePullBackOff, InvalidImageName) or no
// node to run it (the PodScheduled condition is False, reason Unschedulable).
std::optional<std::string> pod_start_failure(const nlohmann::json& pod);

// The workflow id a Job or pod is labelled with ("" when none).
std::string workflow_of(const nlohmann::json& object);

}  // namespace kubernetes
