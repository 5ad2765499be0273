// kube_standin: a stand-in for a Kubernetes API server, for tests that
// cannot reach a real cluster. It follows the documented REST shapes
// (https://kubernetes.io/docs/reference/using-api/api-concepts/) closely
// enough for FactoryCI's provisioner and for the real `kubectl`:
//
//   - discovery: /version, /api, /api/v1, /apis, /apis/GROUP/VERSION;
//   - namespaced objects of the resources in kResources (with their short
//     names for kubectl): create (POST, with
//     generateName), get, list (labelSelector with k=v terms), replace (PUT),
//     JSON merge patch (PATCH; a strategic merge patch is taken as one),
//     delete (DELETE; owned objects go with their owner, as the garbage
//     collector does); pod logs (with tailLines); metadata.uid,
//     resourceVersion and creationTimestamp are assigned; Secrets' stringData becomes base64 data;
//   - watches (?watch=1&resourceVersion=N&timeoutSeconds=S): newline-
//     delimited JSON events after version N; the stream ends after the first
//     batch of events or after S seconds, which a watch client must take
//     anyway (real servers end watches whenever they like);
//   - a kubelet of sorts: a created Job gets a pod whose container runs as a
//     local process: the `--agent` program (standing in for the image) with
//     the container's args and env (secretKeyRef resolved), in a folder of
//     its own below `--dir`, its output served as the pod's log. Pod phase,
//     container state and the Job's status and Complete/Failed condition
//     follow the process. Deleting a Job sends its pods' processes SIGTERM.
//   - failures to start: an image whose name contains "does-not-exist"
//     gets ErrImagePull; a pod asking for more than 16 CPUs stays Pending
//     with PodScheduled False, reason Unschedulable.
//
// Not simulated: authentication, activeDeadlineSeconds, ttlSecondsAfterFinished,
// OpenAPI documents (run kubectl with --validate=false), server-side apply.
//
//   kube_standin --agent PATH --dir DIR   prints "listening on PORT", serves until SIGTERM
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <condition_variable>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

#include "http/server.h"
#include "core/base64.h"

extern char** environ;

namespace {

using nlohmann::json;
namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

struct ResourceType {
  const char* group_version;  // "v1", "batch/v1"
  const char* name;           // "jobs"
  const char* kind;           // "Job"
  const char* short_name;     // what `kubectl get` also takes: "po"; "" for none
};

constexpr ResourceType kResources[] = {
    {"v1", "pods", "Pod", "po"},
    {"v1", "secrets", "Secret", ""},
    {"v1", "services", "Service", "svc"},
    {"v1", "serviceaccounts", "ServiceAccount", "sa"},
    {"v1", "configmaps", "ConfigMap", "cm"},
    {"v1", "persistentvolumeclaims", "PersistentVolumeClaim", "pvc"},
    {"batch/v1", "jobs", "Job", ""},
    {"apps/v1", "deployments", "Deployment", "deploy"},
    {"rbac.authorization.k8s.io/v1", "roles", "Role", ""},
    {"rbac.authorization.k8s.io/v1", "rolebindings", "RoleBinding", ""},
};

const ResourceType* find_resource(const std::string& group_version, const std::string& name) {
  for (const auto& type : kResources)
    if (group_version == type.group_version && name == type.name) return &type;
  return nullptr;
}

std::string now_rfc3339() {
  const std::time_t now = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return text;
}

std::string random_text(std::size_t size) {
  static constexpr char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  static std::mt19937_64 generator{std::random_device{}()};
  std::string text;
  while (text.size() < size) text += alphabet[generator() % (sizeof alphabet - 1)];
  return text;
}

std::string uuid() {
  return random_text(8) + "-" + random_text(4) + "-" + random_text(4) + "-" + random_text(4) + "-" + random_text(12);
}

// A Status object, as every Kubernetes error is sent.
http::Response status(int code, const std::string& reason, const std::string& message) {
  return http::Response::json(code, {{"kind", "Status"},
                                     {"apiVersion", "v1"},
                                     {"metadata", json::object()},
                                     {"status", "Failure"},
                                     {"message", message},
                                     {"reason", reason},
                                     {"code", code}});
}

// "a=b,c=d" holds for `object`'s labels.
bool selected(const json& object, const std::string& selector) {
  const json labels = object["metadata"].value("labels", json::object());
  for (std::size_t start = 0; start < selector.size();) {
    const std::size_t comma = std::min(selector.find(',', start), selector.size());
    const std::string term = selector.substr(start, comma - start);
    const std::size_t equals = term.find('=');
    const std::string key = term.substr(0, equals);
    if (!labels.contains(key)) return false;
    if (equals != std::string::npos && labels[key] != term.substr(equals + 1)) return false;
    start = comma + 1;
  }
  return true;
}

// CPU as a number of cores: "500m" → 0.5, "2" → 2.
double cores(const std::string& quantity) {
  if (quantity.ends_with('m')) return std::stod(quantity.substr(0, quantity.size() - 1)) / 1000;
  return std::stod(quantity);
}

struct Event {
  std::uint64_t version;
  std::string type;
  std::string resource;  // "batch/v1/jobs"
  std::string namespace_name;
  json object;
};

struct Watch {
  std::string resource, namespace_name, selector;
  std::uint64_t after;
  SteadyClock::time_point deadline;
  http::Responder respond;
};

struct PodProcess {
  std::string namespace_name, pod, job;
};

class StandIn {
 public:
  StandIn(fs::path agent, fs::path dir) : agent_{std::move(agent)}, dir_{std::move(dir)} {
    fs::create_directories(dir_ / "pods");
  }
  ~StandIn() {
    {
      std::lock_guard lock{mutex_};
      stopping_ = true;
    }
    wake_.notify_all();
    if (housekeeping_.joinable()) housekeeping_.join();
  }

  void start() { housekeeping_ = std::thread{[this] { keep_house(); }}; }

  http::Response handle(http::Request& request, const std::string& group_version) {
    const std::string ns{*request.param("ns")};
    const auto* type = find_resource(group_version, std::string{*request.param("resource")});
    if (!type) return status(404, "NotFound", "the server could not find the requested resource");
    const std::string resource = std::string{type->group_version} + "/" + type->name;
    const auto name = request.param("name");
    const std::string selector{request.query("labelSelector").value_or("")};
    if (!name && request.method == "GET") {
      const std::string watch{request.query("watch").value_or("")};
      if (watch == "1" || watch == "true") return start_watch(request, resource, ns, selector);
      return list(*type, resource, ns, selector);
    }
    if (!name && request.method == "POST") return create(*type, resource, ns, request.body);
    if (!name) return status(405, "MethodNotAllowed", "the server does not allow this method");
    if (const auto sub = request.param("sub")) {
      const auto tail = request.query("tailLines");
      return pod_log(resource, ns, std::string{*name}, std::string{*sub},
                     tail ? std::optional<int>{std::stoi(std::string{*tail})} : std::nullopt);
    }
    if (request.method == "GET") return get(*type, resource, ns, std::string{*name});
    if (request.method == "PUT" || request.method == "PATCH")
      return update(*type, resource, ns, std::string{*name}, request.body, request.method == "PATCH");
    if (request.method == "DELETE") return remove(*type, resource, ns, std::string{*name});
    return status(405, "MethodNotAllowed", "the server does not allow this method");
  }

 private:
  static std::string key(const std::string& resource, const std::string& ns, const std::string& name) {
    return resource + "|" + ns + "|" + name;
  }
  static std::string not_found(const ResourceType& type, const std::string& name) {
    return std::string{type.name} + " \"" + name + "\" not found";
  }

  http::Response list(const ResourceType& type, const std::string& resource, const std::string& ns,
                      const std::string& selector) {
    std::lock_guard lock{mutex_};
    json items = json::array();
    const std::string prefix = key(resource, ns, "");
    for (auto it = objects_.lower_bound(prefix); it != objects_.end() && it->first.starts_with(prefix); ++it)
      if (selected(it->second, selector)) items.push_back(it->second);
    return http::Response::json(200, {{"kind", std::string{type.kind} + "List"},
                                      {"apiVersion", type.group_version},
                                      {"metadata", {{"resourceVersion", std::to_string(version_)}}},
                                      {"items", items}});
  }

  http::Response get(const ResourceType& type, const std::string& resource, const std::string& ns,
                     const std::string& name) {
    std::lock_guard lock{mutex_};
    auto it = objects_.find(key(resource, ns, name));
    if (it == objects_.end()) return status(404, "NotFound", not_found(type, name));
    return http::Response::json(200, it->second);
  }

  http::Response create(const ResourceType& type, const std::string& resource, const std::string& ns,
                        const std::string& body) {
    json object = json::parse(body, nullptr, false);
    if (!object.is_object()) return status(400, "BadRequest", "the body is not a JSON object");
    json& metadata = object["metadata"];
    if (!metadata.contains("name") && metadata.contains("generateName"))
      metadata["name"] = metadata["generateName"].get<std::string>() + random_text(5);
    const std::string name = metadata.value("name", "");
    if (name.empty()) return status(422, "Invalid", "metadata.name: Required value");
    if (type.name == std::string{"secrets"} && object.contains("stringData")) {
      for (const auto& [field, value] : object["stringData"].items())
        object["data"][field] = core::base64_encode(value.get<std::string>());
      object.erase("stringData");
    }
    object["kind"] = type.kind;
    object["apiVersion"] = type.group_version;
    metadata["namespace"] = ns;
    metadata["uid"] = uuid();
    metadata["creationTimestamp"] = now_rfc3339();
    {
      std::lock_guard lock{mutex_};
      if (objects_.contains(key(resource, ns, name)))
        return status(409, "AlreadyExists", std::string{type.name} + " \"" + name + "\" already exists");
      store(resource, ns, object, "ADDED");
      if (resource == "batch/v1/jobs") start_pod(object);
      object = objects_[key(resource, ns, name)];
    }
    answer_watches();
    return http::Response::json(201, object);
  }

  http::Response update(const ResourceType& type, const std::string& resource, const std::string& ns,
                        const std::string& name, const std::string& body, bool patch) {
    const json given = json::parse(body, nullptr, false);
    if (!given.is_object()) return status(400, "BadRequest", "the body is not a JSON object");
    json object;
    {
      std::lock_guard lock{mutex_};
      auto it = objects_.find(key(resource, ns, name));
      if (it == objects_.end()) return status(404, "NotFound", not_found(type, name));
      object = it->second;
      if (patch) {
        object.merge_patch(given);
      } else {
        object = given;
        object["metadata"]["uid"] = it->second["metadata"]["uid"];
        object["metadata"]["creationTimestamp"] = it->second["metadata"]["creationTimestamp"];
      }
      store(resource, ns, object, "MODIFIED");
      object = objects_[key(resource, ns, name)];
    }
    answer_watches();
    return http::Response::json(200, object);
  }

  http::Response remove(const ResourceType& type, const std::string& resource, const std::string& ns,
                        const std::string& name) {
    json object;
    {
      std::lock_guard lock{mutex_};
      auto it = objects_.find(key(resource, ns, name));
      if (it == objects_.end()) return status(404, "NotFound", not_found(type, name));
      object = it->second;
      erase(resource, ns, name);
    }
    answer_watches();
    return http::Response::json(200, object);
  }

  http::Response pod_log(const std::string& resource, const std::string& ns, const std::string& name,
                         const std::string& sub, std::optional<int> tail_lines) {
    if (resource != "v1/pods" || sub != "log") return status(404, "NotFound", "no such subresource");
    {
      std::lock_guard lock{mutex_};
      if (!objects_.contains(key(resource, ns, name)))
        return status(404, "NotFound", "pods \"" + name + "\" not found");
    }
    std::ifstream file{dir_ / "pods" / (name + ".log")};
    std::string text{std::istreambuf_iterator<char>{file}, {}};
    if (tail_lines) {  // the last N lines
      std::vector<std::string> lines;
      std::istringstream stream{text};
      for (std::string line; std::getline(stream, line);) lines.push_back(line + "\n");
      const std::size_t keep = std::min(lines.size(), static_cast<std::size_t>(std::max(*tail_lines, 0)));
      text.clear();
      for (auto it = lines.end() - static_cast<std::ptrdiff_t>(keep); it != lines.end(); ++it) text += *it;
    }
    return http::Response::text(200, std::move(text));
  }

  http::Response start_watch(const http::Request& request, const std::string& resource, const std::string& ns,
                             const std::string& selector) {
    const std::string from{request.query("resourceVersion").value_or("0")};
    const int seconds = std::stoi(std::string{request.query("timeoutSeconds").value_or("300")});
    Watch watch{resource, ns, selector, from.empty() ? 0 : std::stoull(from),
                SteadyClock::now() + std::chrono::seconds{seconds}, {}};
    return http::Response::later([this, watch = std::move(watch)](http::Responder respond) mutable {
      watch.respond = std::move(respond);
      {
        std::lock_guard lock{mutex_};
        watches_.push_back(std::move(watch));
      }
      answer_watches();
    });
  }

  // --- With mutex_ held.

  void store(const std::string& resource, const std::string& ns, json& object, const std::string& type) {
    object["metadata"]["resourceVersion"] = std::to_string(++version_);
    objects_[key(resource, ns, object["metadata"]["name"])] = object;
    events_.push_back({version_, type, resource, ns, object});
  }

  void erase(const std::string& resource, const std::string& ns, const std::string& name) {
    auto it = objects_.find(key(resource, ns, name));
    if (it == objects_.end()) return;
    json object = std::move(it->second);
    objects_.erase(it);
    object["metadata"]["resourceVersion"] = std::to_string(++version_);
    events_.push_back({version_, "DELETED", resource, ns, object});
    collect_garbage(object["metadata"].value("uid", ""));
    if (resource == "batch/v1/jobs") stop_pods(ns, name);
  }

  // Deletes what `uid` owned, as Kubernetes' garbage collector does.
  void collect_garbage(const std::string& uid) {
    std::vector<std::tuple<std::string, std::string, std::string>> owned;
    for (const auto& [object_key, object] : objects_)
      for (const auto& owner : object["metadata"].value("ownerReferences", json::array()))
        if (owner.value("uid", "") == uid) {
          const auto first = object_key.find('|'), second = object_key.find('|', first + 1);
          owned.emplace_back(object_key.substr(0, first), object_key.substr(first + 1, second - first - 1),
                             object_key.substr(second + 1));
        }
    for (const auto& [resource, ns, name] : owned) erase(resource, ns, name);
  }

  // Pods of a deleted Job: their processes get SIGTERM and the pods go when
  // they exit; pods without a process go now.
  void stop_pods(const std::string& ns, const std::string& job) {
    std::vector<std::string> idle;
    const std::string prefix = key("v1/pods", ns, "");
    for (auto it = objects_.lower_bound(prefix); it != objects_.end() && it->first.starts_with(prefix); ++it)
      if (it->second["metadata"]["labels"].value("job-name", "") == job) idle.push_back(it->second["metadata"]["name"]);
    for (const auto& [pid, process] : processes_)
      if (process.namespace_name == ns && process.job == job) {
        kill(-pid, SIGTERM);
        std::erase(idle, process.pod);
      }
    for (const auto& pod : idle) erase("v1/pods", ns, pod);
  }

  void update_status(const std::string& resource, const std::string& ns, const std::string& name,
                     const std::function<void(json& status)>& change) {
    auto it = objects_.find(key(resource, ns, name));
    if (it == objects_.end()) return;
    json object = it->second;
    change(object["status"]);
    store(resource, ns, object, "MODIFIED");
  }

  void start_pod(const json& job) {
    const std::string ns = job["metadata"]["namespace"], job_name = job["metadata"]["name"];
    json pod = {{"apiVersion", "v1"}, {"kind", "Pod"}};
    pod["metadata"] = job["spec"]["template"].value("metadata", json::object());
    pod["metadata"]["name"] = job_name + "-" + random_text(5);
    pod["metadata"]["namespace"] = ns;
    pod["metadata"]["uid"] = uuid();
    pod["metadata"]["creationTimestamp"] = now_rfc3339();
    pod["metadata"]["labels"]["job-name"] = job_name;
    pod["metadata"]["labels"]["controller-uid"] = job["metadata"]["uid"];
    pod["metadata"]["ownerReferences"] = {
        {{"apiVersion", "batch/v1"}, {"kind", "Job"}, {"name", job_name}, {"uid", job["metadata"]["uid"]}}};
    pod["spec"] = job["spec"]["template"]["spec"];
    pod["status"] = {{"phase", "Pending"}};
    store("v1/pods", ns, pod, "ADDED");
    update_status("batch/v1/jobs", ns, job_name, [](json& status) {
      status["active"] = 1;
      status["startTime"] = now_rfc3339();
    });
    const json container = pod["spec"]["containers"][0];
    const std::string name = pod["metadata"]["name"];
    const std::string image = container.value("image", "");
    if (image.find("does-not-exist") != std::string::npos) {
      return update_status("v1/pods", ns, name, [&](json& status) {
        status["containerStatuses"] = {
            {{"name", container["name"]},
             {"image", image},
             {"ready", false},
             {"state",
              {{"waiting",
                {{"reason", "ErrImagePull"},
                 {"message", "rpc error: code = NotFound desc = failed to pull and unpack image \"" + image +
                                 "\": not found"}}}}}}};
      });
    }
    const json requests = container.value("resources", json::object()).value("requests", json::object());
    if (requests.contains("cpu") && cores(requests["cpu"]) > kNodeCores) {
      return update_status("v1/pods", ns, name, [](json& status) {
        status["conditions"] = {{{"type", "PodScheduled"},
                                 {"status", "False"},
                                 {"reason", "Unschedulable"},
                                 {"message", "0/1 nodes are available: 1 Insufficient cpu."}}};
      });
    }
    run_container(ns, job_name, name, container);
  }

  void run_container(const std::string& ns, const std::string& job, const std::string& pod, const json& container) {
    const fs::path folder = dir_ / "pods" / pod;
    fs::create_directories(folder);
    std::vector<std::string> argv{agent_.string()};
    for (const auto& arg : container.value("args", json::array())) argv.push_back(arg);
    std::vector<std::string> env;
    for (char** entry = environ; *entry; ++entry) env.emplace_back(*entry);
    for (const auto& variable : container.value("env", json::array())) env.push_back(env_entry(ns, variable));
    const std::string log = (dir_ / "pods" / (pod + ".log")).string();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    posix_spawn_file_actions_addchdir_np(&actions, folder.c_str());
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t no_signals;  // the stand-in blocks SIGTERM for sigwait; its pods must not
    sigemptyset(&no_signals);
    posix_spawnattr_setsigmask(&attributes, &no_signals);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);
    posix_spawnattr_setpgroup(&attributes, 0);
    std::vector<char*> argv_pointers, env_pointers;
    for (auto& each : argv) argv_pointers.push_back(each.data());
    for (auto& each : env) env_pointers.push_back(each.data());
    argv_pointers.push_back(nullptr);
    env_pointers.push_back(nullptr);
    pid_t pid = 0;
    const int failed = posix_spawn(&pid, argv.front().c_str(), &actions, &attributes, argv_pointers.data(),
                                   env_pointers.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (failed) {
      std::cerr << "kube_standin: cannot start " << argv.front() << ": " << std::strerror(failed) << "\n";
      return;
    }
    processes_[pid] = {ns, pod, job};
    update_status("v1/pods", ns, pod, [&](json& status) {
      status["phase"] = "Running";
      status["startTime"] = now_rfc3339();
      status["conditions"] = {{{"type", "PodScheduled"}, {"status", "True"}}};
      status["containerStatuses"] = {{{"name", container["name"]},
                                      {"image", container.value("image", "")},
                                      {"ready", true},
                                      {"state", {{"running", {{"startedAt", now_rfc3339()}}}}}}};
    });
  }

  // "NAME=value" for a container's env entry: a value, or a Secret's key.
  std::string env_entry(const std::string& ns, const json& variable) {
    const std::string name = variable["name"];
    if (variable.contains("value")) return name + "=" + variable["value"].get<std::string>();
    const json reference = variable["valueFrom"]["secretKeyRef"];
    auto secret = objects_.find(key("v1/secrets", ns, reference["name"]));
    if (secret == objects_.end()) return name + "=";
    const std::string encoded = secret->second["data"].value(reference["key"].get<std::string>(), "");
    return name + "=" + core::base64_decode(encoded).value_or("");
  }

  void process_exited(pid_t pid, int wait_status) {
    const PodProcess process = processes_[pid];
    processes_.erase(pid);
    const int code = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
    if (!objects_.contains(key("batch/v1/jobs", process.namespace_name, process.job)))
      return erase("v1/pods", process.namespace_name, process.pod);  // the Job was deleted
    update_status("v1/pods", process.namespace_name, process.pod, [&](json& status) {
      status["phase"] = code == 0 ? "Succeeded" : "Failed";
      status["containerStatuses"][0]["ready"] = false;
      status["containerStatuses"][0]["state"] = {
          {"terminated", {{"exitCode", code}, {"reason", code == 0 ? "Completed" : "Error"}}}};
    });
    update_status("batch/v1/jobs", process.namespace_name, process.job, [&](json& status) {
      status.erase("active");
      status[code == 0 ? "succeeded" : "failed"] = 1;
      if (code == 0) status["completionTime"] = now_rfc3339();
      status["conditions"] = {code == 0 ? json{{"type", "Complete"}, {"status", "True"}}
                                        : json{{"type", "Failed"},
                                               {"status", "True"},
                                               {"reason", "BackoffLimitExceeded"},
                                               {"message", "Job has reached the specified backoff limit"}}};
    });
  }

  // --- Without mutex_ held.

  // Answers the watches that have events after their version, and those
  // whose time is up (with no events: the stream just ends).
  void answer_watches() {
    std::vector<std::pair<http::Responder, std::string>> answers;
    {
      std::lock_guard lock{mutex_};
      const auto now = SteadyClock::now();
      for (auto it = watches_.begin(); it != watches_.end();) {
        std::string body;
        for (const auto& event : events_)
          if (event.version > it->after && event.resource == it->resource &&
              event.namespace_name == it->namespace_name && selected(event.object, it->selector))
            body += json{{"type", event.type}, {"object", event.object}}.dump() + "\n";
        if (body.empty() && it->deadline > now) {
          ++it;
          continue;
        }
        answers.emplace_back(std::move(it->respond), std::move(body));
        it = watches_.erase(it);
      }
    }
    for (auto& [respond, body] : answers) respond(http::Response::text(200, std::move(body), "application/json"));
  }

  void keep_house() {
    std::unique_lock lock{mutex_};
    while (!stopping_) {
      int wait_status = 0;
      for (pid_t pid; (pid = waitpid(-1, &wait_status, WNOHANG)) > 0;)
        if (processes_.contains(pid)) process_exited(pid, wait_status);
      lock.unlock();
      answer_watches();
      lock.lock();
      wake_.wait_for(lock, std::chrono::milliseconds{50});
    }
    for (const auto& [pid, process] : processes_) kill(-pid, SIGTERM);
  }

  static constexpr double kNodeCores = 16;

  const fs::path agent_, dir_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::uint64_t version_ = 1;
  std::map<std::string, json> objects_;  // by key()
  std::vector<Event> events_;            // all of them: a test's cluster stays small
  std::vector<Watch> watches_;
  std::map<pid_t, PodProcess> processes_;
  std::thread housekeeping_;
};

json resource_list(const std::string& group_version) {
  json resources = json::array();
  for (const auto& type : kResources) {
    if (group_version != type.group_version) continue;
    std::string singular = type.kind;
    std::transform(singular.begin(), singular.end(), singular.begin(), ::tolower);
    json resource = {{"name", type.name},
                     {"singularName", singular},
                     {"namespaced", true},
                     {"kind", type.kind},
                     {"verbs", {"create", "delete", "get", "list", "patch", "update", "watch"}}};
    if (*type.short_name) resource["shortNames"] = {type.short_name};
    resources.push_back(resource);
    if (type.name == std::string{"pods"})
      resources.push_back(
          {{"name", "pods/log"}, {"singularName", ""}, {"namespaced", true}, {"kind", "Pod"}, {"verbs", {"get"}}});
  }
  return {{"kind", "APIResourceList"}, {"apiVersion", "v1"}, {"groupVersion", group_version}, {"resources", resources}};
}

json group_list() {
  json groups = json::array();
  std::vector<std::string> seen;
  for (const auto& type : kResources) {
    const std::string group_version = type.group_version;
    const auto slash = group_version.find('/');
    if (slash == std::string::npos || std::find(seen.begin(), seen.end(), group_version) != seen.end()) continue;
    seen.push_back(group_version);
    const json version = {{"groupVersion", group_version}, {"version", group_version.substr(slash + 1)}};
    groups.push_back(
        {{"name", group_version.substr(0, slash)}, {"versions", {version}}, {"preferredVersion", version}});
  }
  return {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}};
}

void add_discovery(http::Router& router) {
  const auto answer = [&router](const std::string& path, json body) {
    router.add("GET", path, [body = std::move(body)](http::Request&) { return http::Response::json(200, body); });
  };
  answer("/version",
         {{"major", "1"}, {"minor", "28"}, {"gitVersion", "v1.28.0-factory-standin"}, {"platform", "linux/amd64"}});
  answer("/api", {{"kind", "APIVersions"},
                  {"versions", {"v1"}},
                  {"serverAddressByClientCIDRs", {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", "127.0.0.1"}}}}});
  answer("/api/v1", resource_list("v1"));
  answer("/apis", group_list());
  for (const auto& type : kResources)
    if (std::string{type.group_version} != "v1" &&
        std::none_of(router.routes().begin(), router.routes().end(), [&](const http::Route& route) {
          return route.pattern == "/apis/" + std::string{type.group_version};
        }))
      answer("/apis/" + std::string{type.group_version}, resource_list(type.group_version));
}

void add_objects(http::Router& router, StandIn& stand_in) {
  const auto route = [&](const std::string& pattern, bool core) {
    for (const char* method : {"GET", "POST", "PUT", "PATCH", "DELETE"})
      router.add(method, pattern, [&stand_in, core](http::Request& request) {
        const std::string group_version =
            core ? "v1" : std::string{*request.param("group")} + "/" + std::string{*request.param("version")};
        return stand_in.handle(request, group_version);
      });
  };
  route("/api/v1/namespaces/{ns}/{resource}", true);
  route("/api/v1/namespaces/{ns}/{resource}/{name}", true);
  route("/api/v1/namespaces/{ns}/{resource}/{name}/{sub}", true);
  route("/apis/{group}/{version}/namespaces/{ns}/{resource}", false);
  route("/apis/{group}/{version}/namespaces/{ns}/{resource}/{name}", false);
}

}  // namespace

int main(int argc, char** argv) {
  fs::path agent, dir;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string option = argv[i];
    if (option == "--agent") agent = argv[i + 1];
    if (option == "--dir") dir = argv[i + 1];
  }
  if (agent.empty() || dir.empty()) {
    std::cerr << "usage: kube_standin --agent PATH --dir DIR\n";
    return 2;
  }
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);  // before any thread starts

  StandIn stand_in{agent, dir};
  http::Router router;
  add_discovery(router);
  add_objects(router, stand_in);
  http::Server server{std::move(router), {.host = "127.0.0.1", .port = 0, .threads = 2}};
  server.start();
  stand_in.start();
  std::cout << "listening on " << server.port() << std::endl;
  int signal = 0;
  sigwait(&stop_signals, &signal);
  server.stop(std::chrono::milliseconds{1'000});
  return 0;
}
