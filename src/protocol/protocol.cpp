#include "protocol/protocol.h"

#include <nlohmann/json.hpp>

namespace protocol {

namespace {

using nlohmann::json;

// Reads members of one JSON object, naming `path.member` in every error.
class Reader {
 public:
  Reader(const json& object, std::string path) : object_{object}, path_{std::move(path)} {
    if (!object_.is_object()) throw Malformed{where() + " is not a JSON object"};
  }

  std::string string(const char* name, bool required = false) const {
    const json* value = find(name, required);
    if (!value) return {};
    if (!value->is_string()) throw Malformed{where(name) + " is not a string"};
    return value->get<std::string>();
  }

  bool boolean(const char* name) const {
    const json* value = find(name, false);
    if (!value) return false;
    if (!value->is_boolean()) throw Malformed{where(name) + " is not true or false"};
    return value->get<bool>();
  }

  std::int64_t integer(const char* name, std::int64_t fallback = 0) const {
    const json* value = find(name, false);
    if (!value) return fallback;
    if (!value->is_number_integer() || (value->is_number_unsigned() && value->get<std::uint64_t>() > INT64_MAX))
      throw Malformed{where(name) + " is not an integer"};
    return value->get<std::int64_t>();
  }

  std::vector<std::string> strings(const char* name) const {
    std::vector<std::string> items;
    for (const json& item : array(name)) {
      if (!item.is_string()) throw Malformed{where(name) + " holds something other than strings"};
      items.push_back(item.get<std::string>());
    }
    return items;
  }

  std::map<std::string, std::string> string_map(const char* name) const {
    std::map<std::string, std::string> map;
    const json* value = find(name, false);
    if (!value) return map;
    if (!value->is_object()) throw Malformed{where(name) + " is not a JSON object"};
    for (const auto& [key, item] : value->items()) {
      if (!item.is_string()) throw Malformed{where(name) + "." + key + " is not a string"};
      map[key] = item.get<std::string>();
    }
    return map;
  }

  const json& array(const char* name) const {
    static const json empty = json::array();
    const json* value = find(name, false);
    if (!value) return empty;
    if (!value->is_array()) throw Malformed{where(name) + " is not an array"};
    return *value;
  }

  Reader object(const char* name) const {
    const json* value = find(name, true);
    return Reader{*value, where(name)};
  }

  std::string where(const char* name = nullptr) const {
    if (!name) return path_;
    return path_.empty() ? name : path_ + "." + name;
  }

 private:
  const json* find(const char* name, bool required) const {
    auto it = object_.find(name);
    if (it == object_.end() || it->is_null()) {
      if (required) throw Malformed{where(name) + " is missing"};
      return nullptr;
    }
    return &*it;
  }

  const json& object_;
  std::string path_;
};

std::string item_path(const Reader& parent, const char* name, std::size_t index) {
  return parent.where(name) + "[" + std::to_string(index) + "]";
}

core::Event read_event(const Reader& in) {
  core::Event event;
  event.name = in.string("name", true);
  event.branch = in.string("branch");
  event.target_branch = in.string("target_branch");
  event.tag = in.string("tag");
  event.sha = in.string("sha");
  event.changed_paths = in.strings("changed_paths");
  event.from_fork = in.boolean("from_fork");
  return event;
}

json to_json(const core::ExecutionSpec& execution) {
  return {{"name", execution.name},
          {"run", execution.run},
          {"image", execution.image},
          {"env", execution.env},
          {"timeout_ms", execution.timeout.count()},
          {"retry", execution.retry},
          {"allow_failure", execution.allow_failure}};
}

core::ExecutionSpec read_execution(const Reader& in) {
  core::ExecutionSpec execution;
  execution.name = in.string("name", true);
  execution.run = in.string("run", true);
  execution.image = in.string("image");
  execution.env = in.string_map("env");
  execution.timeout = std::chrono::milliseconds{in.integer("timeout_ms")};
  execution.retry = static_cast<int>(in.integer("retry"));
  execution.allow_failure = in.boolean("allow_failure");
  return execution;
}

json to_json(const core::PipelineSpec& pipeline) {
  json stages = json::array();
  for (const auto& stage : pipeline.stages) {
    json executions = json::array();
    for (const auto& execution : stage.executions) executions.push_back(to_json(execution));
    stages.push_back({{"name", stage.name}, {"executions", std::move(executions)}});
  }
  return {{"name", pipeline.name},
          {"base_name", pipeline.base_name},
          {"matrix", pipeline.matrix},
          {"depends_on", pipeline.depends_on},
          {"timeout_ms", pipeline.timeout.count()},
          {"stages", std::move(stages)}};
}

core::PipelineSpec read_pipeline(const Reader& in) {
  core::PipelineSpec pipeline;
  pipeline.name = in.string("name", true);
  pipeline.base_name = in.string("base_name");
  pipeline.matrix = in.string_map("matrix");
  pipeline.depends_on = in.strings("depends_on");
  pipeline.timeout = std::chrono::milliseconds{in.integer("timeout_ms")};
  const json& stages = in.array("stages");
  for (std::size_t s = 0; s < stages.size(); ++s) {
    Reader stage_in{stages[s], item_path(in, "stages", s)};
    core::StageSpec stage{stage_in.string("name", true), {}};
    const json& executions = stage_in.array("executions");
    for (std::size_t e = 0; e < executions.size(); ++e)
      stage.executions.push_back(read_execution(Reader{executions[e], item_path(stage_in, "executions", e)}));
    pipeline.stages.push_back(std::move(stage));
  }
  return pipeline;
}

}  // namespace

json to_json(const core::Event& event) { return to_json(core::Event(event)); }

json to_json(core::Event&& event) {
  json paths = json::array();
  for (std::string& path : event.changed_paths) paths.push_back(std::move(path));
  return {{"name", std::move(event.name)},
          {"branch", std::move(event.branch)},
          {"target_branch", std::move(event.target_branch)},
          {"tag", std::move(event.tag)},
          {"sha", std::move(event.sha)},
          {"changed_paths", std::move(paths)},
          {"from_fork", event.from_fork}};
}

core::Event event_from_json(const json& in) { return read_event(Reader{in, "event"}); }

json to_json(const core::Plan& plan) {
  json pipelines = json::array();
  for (const auto& pipeline : plan.pipelines) pipelines.push_back(to_json(pipeline));
  json skipped = json::array();
  for (const auto& pipeline : plan.skipped) skipped.push_back({{"name", pipeline.name}, {"reason", pipeline.reason}});
  return {{"pipelines", std::move(pipelines)}, {"skipped", std::move(skipped)}};
}

core::Plan plan_from_json(const json& json_plan) {
  Reader in{json_plan, "plan"};
  core::Plan plan;
  const json& pipelines = in.array("pipelines");
  for (std::size_t p = 0; p < pipelines.size(); ++p)
    plan.pipelines.push_back(read_pipeline(Reader{pipelines[p], item_path(in, "pipelines", p)}));
  const json& skipped = in.array("skipped");
  for (std::size_t s = 0; s < skipped.size(); ++s) {
    Reader skip{skipped[s], item_path(in, "skipped", s)};
    plan.skipped.push_back({skip.string("name", true), skip.string("reason")});
  }
  return plan;
}

json to_json(const Job& job) {
  const core::Repository& repository = job.repository;
  json out{{"workflow_id", job.workflow_id},
           {"attempt", job.attempt},
           {"project_id", job.project_id},
           {"repository", {{"owner", repository.owner}, {"name", repository.name}, {"url", repository.url}}},
           {"event", to_json(job.event)},
           {"secrets", job.secrets},
           {"heartbeat_interval_ms", job.heartbeat_interval.count()},
           {"lease_ms", job.lease.count()}};
  if (!job.clone_token.empty()) out["clone_token"] = job.clone_token;
  return out;
}

Job job_from_json(const json& json_job) {
  Reader in{json_job, "job"};
  Job job;
  job.workflow_id = in.string("workflow_id", true);
  job.attempt = static_cast<int>(in.integer("attempt", 1));
  job.project_id = in.string("project_id");
  Reader repository = in.object("repository");
  job.repository = {repository.string("owner"), repository.string("name"), repository.string("url", true)};
  job.event = read_event(in.object("event"));
  job.secrets = in.string_map("secrets");
  job.clone_token = in.string("clone_token");
  job.heartbeat_interval = std::chrono::milliseconds{in.integer("heartbeat_interval_ms", 1000)};
  job.lease = std::chrono::milliseconds{in.integer("lease_ms", 30'000)};
  return job;
}

}  // namespace protocol
