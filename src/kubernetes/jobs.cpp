#include "kubernetes/jobs.h"

#include <random>

#include "core/environment.h"

namespace kubernetes {

namespace {

using nlohmann::json;

json labels(const std::string& workflow_id) {
  return {{"app.kubernetes.io/managed-by", "factory"},
          {"app.kubernetes.io/component", "agent"},
          {kWorkflowLabel, workflow_id}};
}

json metadata(const JobTemplate& job, const std::string& name, const std::string& workflow_id) {
  return {{"name", name}, {"namespace", job.namespace_name}, {"labels", labels(workflow_id)}};
}

std::string random_suffix() {
  static constexpr char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";  // as Kubernetes' own suffixes: no words
  std::random_device device;
  std::string suffix;
  for (int i = 0; i < 5; ++i) suffix += alphabet[device() % (sizeof alphabet - 1)];
  return suffix;
}

json agent_container(const JobTemplate& job, const std::string& secret_name, const orchestrator::AgentLaunch& launch) {
  json resources = json::object();
  if (!job.requests.empty()) resources["requests"] = job.requests;
  if (!job.limits.empty()) resources["limits"] = job.limits;
  return {{"name", "agent"},
          {"image", job.image},
          {"command", {"factory-agent"}},
          // The pod is the build's sandbox: it holds one workspace and a token
          // good for this workflow only, and pods may not make namespaces.
          {"args", {"--once", "--unsandboxed", "--server", launch.server_url, "--name", launch.agent_name}},
          {"workingDir", "/workspace"},
          {"env",
           {{{"name", core::kAgentTokenVariable},
             {"valueFrom", {{"secretKeyRef", {{"name", secret_name}, {"key", "token"}}}}}}}},
          {"resources", resources},
          {"volumeMounts", {{{"name", "workspace"}, {"mountPath", "/workspace"}}}}};
}

// The message of the first condition of `type` whose status is `status`,
// as "Reason: message"; nullopt when there is none.
std::optional<std::string> condition(const json& object, const std::string& type, const std::string& status) {
  for (const auto& each : object["status"].value("conditions", json::array())) {
    if (each.value("type", "") != type || each.value("status", "") != status) continue;
    std::string text = each.value("reason", "");
    if (const std::string message = each.value("message", ""); !message.empty())
      text += (text.empty() ? "" : ": ") + message;
    return text;
  }
  return std::nullopt;
}

bool is_image_problem(const std::string& reason) {
  return reason == "ErrImagePull" || reason == "ImagePullBackOff" || reason == "InvalidImageName";
}

}  // namespace

std::string job_name(const std::string& workflow_id) {
  return "factory-" + workflow_id + "-" + random_suffix();  // 50 characters; its pods' names 56, of 63
}

json token_secret(const JobTemplate& job, const std::string& name, const orchestrator::AgentLaunch& launch) {
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", metadata(job, name, launch.workflow_id)},
          {"type", "Opaque"},
          {"stringData", {{"token", launch.token}}}};
}

json agent_job(const JobTemplate& job, const std::string& name, const orchestrator::AgentLaunch& launch) {
  json pod_spec = {{"restartPolicy", "Never"},
                   {"automountServiceAccountToken", false},  // the agent needs no Kubernetes API
                   {"containers", {agent_container(job, name, launch)}},
                   {"volumes", {{{"name", "workspace"}, {"emptyDir", json::object()}}}}};
  return {{"apiVersion", "batch/v1"},
          {"kind", "Job"},
          {"metadata", metadata(job, name, launch.workflow_id)},
          {"spec",
           {{"backoffLimit", 0},
            {"ttlSecondsAfterFinished", job.ttl_after_finished.count()},
            {"activeDeadlineSeconds", job.active_deadline.count()},
            {"template", {{"metadata", {{"labels", labels(launch.workflow_id)}}}, {"spec", pod_spec}}}}}};
}

std::optional<JobEnd> job_end(const json& job) {
  if (!job.contains("status")) return std::nullopt;
  if (condition(job, "Complete", "True")) return JobEnd{true, "completed"};
  if (auto failed = condition(job, "Failed", "True")) return JobEnd{false, "failed (" + *failed + ")"};
  return std::nullopt;
}

std::optional<std::string> pod_start_failure(const json& pod) {
  if (!pod.contains("status")) return std::nullopt;
  const std::string pod_name = pod["metadata"].value("name", "");
  for (const auto& container : pod["status"].value("containerStatuses", json::array())) {
    const json waiting = container.value("state", json::object()).value("waiting", json::object());
    const std::string reason = waiting.value("reason", "");
    if (!is_image_problem(reason)) continue;
    return "could not start: pod " + pod_name + ": " + reason + ": " +
           waiting.value("message", "image " + container.value("image", "") + " cannot be pulled");
  }
  if (auto unschedulable = condition(pod, "PodScheduled", "False");
      unschedulable && unschedulable->starts_with("Unschedulable"))
    return "could not start: pod " + pod_name + ": " + *unschedulable;
  return std::nullopt;
}

std::string workflow_of(const json& object) {
  return object.value("metadata", json::object()).value("labels", json::object()).value(kWorkflowLabel, "");
}

}  // namespace kubernetes
