#include "kubernetes/provisioner.h"

#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "kubernetes/api_client.h"

namespace kubernetes {

namespace {

using nlohmann::json;

// How long one watch request may stay open; the server ends it then and the
// watch goes on from where it was.
constexpr int kWatchSeconds = 60;

// What to do when a Job's end is reported.
enum class Afterwards {
  Nothing,
  DeleteJob,  // its pod cannot start: the Job would wait forever
  ReadLog,    // its agent failed: the last line of its log says why, most often
};

// An agent's end, to hand out at the next reap.
struct Ended {
  orchestrator::AgentExit exit;
  std::string job_log;  // the Job whose pod's log `how` quotes; empty: none
};

struct Started {
  std::string job;  // the Job's (and its Secret's) name
  std::string agent_name;
  bool cancelled = false;  // its Job is deleted once it ended
};

std::string namespaced(const char* api, const std::string& namespace_name, const char* resource) {
  return std::string{api} + "/namespaces/" + namespace_name + "/" + resource;
}

class KubernetesProvisioner final : public orchestrator::Provisioner {
 public:
  explicit KubernetesProvisioner(ProvisionerOptions options)
      : options_{std::move(options)},
        jobs_path_{namespaced("/apis/batch/v1", options_.job.namespace_name, "jobs")},
        pods_path_{namespaced("/api/v1", options_.job.namespace_name, "pods")},
        secrets_path_{namespaced("/api/v1", options_.job.namespace_name, "secrets")},
        client_{options_.cluster},
        job_watch_{[this] { watch(jobs_path_, [this](const json& event) { on_job_event(event); }); }},
        pod_watch_{[this] { watch(pods_path_, [this](const json& event) { on_pod_event(event); }); }} {}

  ~KubernetesProvisioner() override {
    {
      std::lock_guard lock{mutex_};
      stopping_ = true;
    }
    stopped_.notify_all();
    job_watch_.join();
    pod_watch_.join();
  }

  std::string name() const override { return "kubernetes"; }
  std::size_t capacity() const override {
    std::lock_guard lock{mutex_};
    return started_.size() >= options_.max_agents ? 0 : options_.max_agents - started_.size();
  }
  std::size_t running() const override {
    std::lock_guard lock{mutex_};
    return started_.size();
  }

  bool provision(const orchestrator::AgentLaunch& given, std::string& error) override {
    orchestrator::AgentLaunch launch = given;
    if (!options_.server_url.empty()) launch.server_url = options_.server_url;
    const std::string name = job_name(launch.workflow_id);
    const ApiReply secret = client_.post(secrets_path_, token_secret(options_.job, name, launch));
    if (!secret.ok()) {
      error = "cannot create the Secret " + name + " for its token: " + secret.describe();
      return false;
    }
    remember(launch.workflow_id, {name, launch.agent_name});  // before the watches can see the Job
    const ApiReply job = client_.post(jobs_path_, agent_job(options_.job, name, launch));
    if (!job.ok()) {
      forget(launch.workflow_id);
      client_.remove(secrets_path_ + "/" + name, json::object());
      error = "cannot create the Job " + name + ": " + job.describe();
      return false;
    }
    own_secret(name, job.body);
    return true;
  }

  void stop(const std::string& workflow_id) override {
    if (auto started = forget(workflow_id)) delete_job(started->job);
  }

  // The agent learns of the cancel on its next heartbeat, cancels, reports
  // and exits; its Job is deleted then (or by stop(), should the agent not
  // confirm in time). Deleting it at once would stop the agent before it
  // reports.
  void cancel(const std::string& workflow_id) override {
    std::lock_guard lock{mutex_};
    if (auto it = started_.find(workflow_id); it != started_.end()) it->second.cancelled = true;
  }

  std::vector<orchestrator::AgentExit> reap() override {
    std::vector<Ended> ended;
    std::vector<std::string> doomed;
    {
      std::lock_guard lock{mutex_};
      ended.swap(ended_);
      doomed.swap(doomed_);
    }
    for (const auto& job : doomed) delete_job(job);
    std::vector<orchestrator::AgentExit> exits;
    for (auto& each : ended) {
      if (!each.job_log.empty()) each.exit.how += last_words(each.job_log);
      exits.push_back(std::move(each.exit));
    }
    return exits;
  }

 private:
  void remember(const std::string& workflow_id, Started started) {
    std::lock_guard lock{mutex_};
    started_[workflow_id] = std::move(started);
  }

  std::optional<Started> forget(const std::string& workflow_id) {
    std::lock_guard lock{mutex_};
    auto it = started_.find(workflow_id);
    if (it == started_.end()) return std::nullopt;
    Started started = std::move(it->second);
    started_.erase(it);
    return started;
  }

  // The Secret goes with its Job: Kubernetes' garbage collector deletes it
  // when the Job is deleted (by us, or by its ttlSecondsAfterFinished).
  void own_secret(const std::string& name, const json& job) {
    const json owner = {{"apiVersion", "batch/v1"},
                        {"kind", "Job"},
                        {"name", name},
                        {"uid", job["metadata"].value("uid", "")}};
    const ApiReply patched =
        client_.merge_patch(secrets_path_ + "/" + name, {{"metadata", {{"ownerReferences", {owner}}}}});
    if (!patched.ok())
      std::fprintf(stderr, "kubernetes: the Secret %s stays after its Job: %s\n", name.c_str(),
                   patched.describe().c_str());
  }

  void delete_job(const std::string& name) {
    const ApiReply deleted = client_.remove(jobs_path_ + "/" + name, {{"propagationPolicy", "Background"}});
    if (!deleted.ok() && deleted.status != 404)
      std::fprintf(stderr, "kubernetes: cannot delete the Job %s: %s\n", name.c_str(), deleted.describe().c_str());
  }

  // "; its log ends: LINE", the last line the agent of Job `job` wrote, or
  // nothing when there is none to read.
  std::string last_words(const std::string& job) {
    const ApiReply pods = client_.get(pods_path_ + "?labelSelector=job-name=" + job);
    const json items = pods.body.value("items", json::array());
    if (!pods.ok() || items.empty()) return {};
    const ApiReply log = client_.get(pods_path_ + "/" + items[0]["metadata"].value("name", "") + "/log?tailLines=5");
    std::string text = log.ok() ? log.text : std::string{};
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
    if (text.empty()) return {};
    return "; its log ends: " + text.substr(text.rfind('\n') + 1);
  }

  // The agent of `workflow_id` in Job `job` is gone: reported once, at the
  // next reap; nothing when it was stopped or reported already. A cancelled
  // workflow's Job is deleted too.
  void report_exit(const std::string& workflow_id, const std::string& job, std::string how, bool clean,
                   Afterwards afterwards) {
    std::lock_guard lock{mutex_};
    auto it = started_.find(workflow_id);
    if (it == started_.end() || it->second.job != job) return;
    ended_.push_back({{workflow_id, it->second.agent_name, std::move(how), clean},
                      afterwards == Afterwards::ReadLog ? job : std::string{}});
    if (afterwards == Afterwards::DeleteJob || it->second.cancelled) doomed_.push_back(job);
    started_.erase(it);
  }

  void on_job_event(const json& event) {
    const json& job = event["object"];
    const std::string name = job["metadata"].value("name", "");
    if (event.value("type", "") == "DELETED") {
      report_exit(workflow_of(job), name, "(Job " + name + ") was deleted", false, Afterwards::Nothing);
    } else if (auto end = job_end(job)) {
      report_exit(workflow_of(job), name, "(Job " + name + ") " + end->how, end->succeeded,
                  end->succeeded ? Afterwards::Nothing : Afterwards::ReadLog);
    }
  }

  void on_pod_event(const json& event) {
    const json& pod = event["object"];
    if (event.value("type", "") == "DELETED") return;
    if (auto failure = pod_start_failure(pod)) {
      const std::string job = pod["metadata"].value("labels", json::object()).value("job-name", "");
      report_exit(workflow_of(pod), job, *failure, false, Afterwards::DeleteJob);
    }
  }

  bool stopping() const {
    std::lock_guard lock{mutex_};
    return stopping_;
  }

  // Lists, then watches from the list's resourceVersion, again and again
  // until the provisioner stops. A list sees what happened while no watch
  // was open (a watch that the server ended as too old, 410, restarts so).
  void watch(const std::string& path, const std::function<void(const json&)>& on_event) {
    ApiClient client{options_.cluster};
    const std::string selector = std::string{"labelSelector="} + kManagedBySelector;
    const std::function<bool()> stop = [this] { return stopping(); };
    while (!stopping()) {
      const ApiReply list = client.get(path + "?" + selector);
      if (!list.ok()) {
        std::fprintf(stderr, "kubernetes: cannot list %s: %s\n", path.c_str(), list.describe().c_str());
        pause();
        continue;
      }
      for (const auto& item : list.body.value("items", json::array())) on_event({{"type", "ADDED"}, {"object", item}});
      std::string version = list.body["metadata"].value("resourceVersion", "");
      bool expired = false;
      while (!stopping() && !expired) {
        const ApiReply watched = client.watch(
            path + "?watch=1&" + selector + "&resourceVersion=" + version +
                "&allowWatchBookmarks=true&timeoutSeconds=" + std::to_string(kWatchSeconds),
            [&](const json& event) {
              const json& object = event["object"];
              if (event.value("type", "") == "ERROR") {
                expired = true;  // 410 Gone: list again
                return;
              }
              version = object["metadata"].value("resourceVersion", version);
              if (event.value("type", "") != "BOOKMARK") on_event(event);
            },
            stop);
        if (!watched.ok() && !stopping()) {
          std::fprintf(stderr, "kubernetes: watching %s: %s\n", path.c_str(), watched.describe().c_str());
          pause();
          expired = true;
        }
      }
    }
  }

  // A second before trying the API server again (or less, when stopping).
  void pause() {
    std::unique_lock lock{mutex_};
    stopped_.wait_for(lock, std::chrono::seconds{1}, [this] { return stopping_; });
  }

  ProvisionerOptions options_;
  const std::string jobs_path_, pods_path_, secrets_path_;
  ApiClient client_;  // the orchestrator's thread's

  mutable std::mutex mutex_;
  std::condition_variable stopped_;
  bool stopping_ = false;
  std::map<std::string, Started> started_;  // by workflow id
  std::vector<Ended> ended_;
  std::vector<std::string> doomed_;  // Jobs to delete at the next reap

  std::thread job_watch_, pod_watch_;  // last: they use everything above
};

}  // namespace

std::unique_ptr<orchestrator::Provisioner> make_provisioner(ProvisionerOptions options) {
  return std::make_unique<KubernetesProvisioner>(std::move(options));
}

}  // namespace kubernetes
