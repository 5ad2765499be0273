#include "protocol/protocol.h"

#include "protocol/blobs.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include <nlohmann/json.hpp>

namespace protocol {

namespace {

using nlohmann::json;

// Reads members of one JSON object, naming `path.member` in every error.
class Reader {
 public:
  Reader(const json& object, std::string path) : object_{object}, path_{std::move(path)} {
    if (!object_.is_object()) throw Malformed{(path_.empty() ? "the body" : path_) + " is not a JSON object"};
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

  std::optional<std::int64_t> optional_integer(const char* name) const {
    if (!find(name, false)) return std::nullopt;
    return integer(name);
  }

  core::Status status(const char* name) const {
    const auto status = core::parse_status(string(name, true));
    if (!status) throw Malformed{where(name) + " is not a status (queued, running, success, failure, ...)"};
    return *status;
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

  bool has(const char* name) const { return find(name, false) != nullptr; }

  // Malformed for a member not among `known`: a misspelt field is not ignored.
  void only(std::initializer_list<std::string_view> known) const {
    for (const auto& [name, value] : object_.items())
      if (std::find(known.begin(), known.end(), name) == known.end())
        throw Malformed{where(name.c_str()) + " is not a field of this message"};
  }

  std::uint64_t size(const char* name) const {
    const std::int64_t value = integer(name);
    if (value < 0) throw Malformed{where(name) + " is below 0"};
    return static_cast<std::uint64_t>(value);
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
  event.schedule = in.string("schedule");
  event.inputs = in.string_map("inputs");
  return event;
}

// An array member's items, each read as an object at its own path.
template <class Read>
auto read_items(const Reader& in, const char* name, Read read) {
  const json& items = in.array(name);
  std::vector<decltype(read(std::declval<const Reader&>()))> result;
  result.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) result.push_back(read(Reader{items[i], item_path(in, name, i)}));
  return result;
}

json names_of(const auto& items) {
  json names = json::array();
  for (const auto& item : items) names.push_back({{"name", item.name}});
  return names;
}

// An execution as the server records it: its name, and what it keeps
// beyond itself (caches by name and key, artifact patterns and when) for the
// server to show; never its script, environment or cache paths.
json to_json(const core::ExecutionSpec& execution) {
  json out{{"name", execution.name}};
  if (!execution.caches.empty()) {
    json caches = json::array();
    for (const auto& cache : execution.caches) caches.push_back({{"name", cache.name}, {"key", cache.key}});
    out["caches"] = std::move(caches);
  }
  if (!execution.artifacts.empty()) {
    out["artifacts"] = execution.artifacts;
    out["artifacts_when"] = core::to_string(execution.artifacts_when);
  }
  return out;
}

// A list member of at most `most` items.
const json& bounded_array(const Reader& in, const char* name, std::size_t most) {
  const json& items = in.array(name);
  if (items.size() > most) throw Malformed{in.where(name) + " has more than " + std::to_string(most) + " items"};
  return items;
}

core::ExecutionSpec read_execution(const Reader& in) {
  core::ExecutionSpec execution;
  execution.name = in.string("name", true);
  bounded_array(in, "caches", core::kMaxCaches);
  execution.caches = read_items(in, "caches", [](const Reader& cache) {
    core::CacheSpec spec{cache.string("name", true), cache.string("key", true), {}, {}};
    if (!core::is_cache_name(spec.name)) throw Malformed{cache.where("name") + " is not a cache name"};
    if (!core::is_cache_key(spec.key)) throw Malformed{cache.where("key") + " is not a cache key"};
    return spec;
  });
  bounded_array(in, "artifacts", core::kMaxPaths);
  execution.artifacts = in.strings("artifacts");
  for (const auto& pattern : execution.artifacts)
    if (pattern.empty() || pattern.size() > core::kMaxPathBytes)
      throw Malformed{in.where("artifacts") + " holds an empty pattern or one longer than " +
                      std::to_string(core::kMaxPathBytes) + " bytes"};
  if (in.has("artifacts_when")) {
    const auto when = core::parse_artifacts_when(in.string("artifacts_when"));
    if (!when) throw Malformed{in.where("artifacts_when") + " is not success, failure or always"};
    execution.artifacts_when = *when;
  }
  return execution;
}

json to_json(const core::PipelineSpec& pipeline) {
  json stages = json::array();
  for (const auto& stage : pipeline.stages) {
    json executions = json::array();
    for (const auto& execution : stage.executions) executions.push_back(to_json(execution));
    stages.push_back({{"name", stage.name}, {"executions", std::move(executions)}});
  }
  json out{{"name", pipeline.name},
           {"base_name", pipeline.base_name},
           {"matrix", pipeline.matrix},
           {"depends_on", pipeline.depends_on},
           {"timeout_ms", pipeline.timeout.count()},
           {"stages", std::move(stages)},
           {"concurrency", pipeline.concurrency},
           {"cancel_in_progress", pipeline.cancel_in_progress},
           {"environment", pipeline.environment}};
  if (!pipeline.services.empty()) out["services"] = names_of(pipeline.services);
  return out;
}

core::PipelineSpec read_pipeline(const Reader& in) {
  core::PipelineSpec pipeline;
  pipeline.name = in.string("name", true);
  pipeline.base_name = in.string("base_name");
  pipeline.matrix = in.string_map("matrix");
  pipeline.depends_on = in.strings("depends_on");
  pipeline.timeout = std::chrono::milliseconds{in.integer("timeout_ms")};
  pipeline.concurrency = in.string("concurrency");
  pipeline.cancel_in_progress = in.boolean("cancel_in_progress");
  pipeline.environment = in.string("environment");
  pipeline.stages = read_items(in, "stages", [](const Reader& stage) {
    return core::StageSpec{stage.string("name", true), read_items(stage, "executions", read_execution)};
  });
  pipeline.services = read_items(in, "services", [](const Reader& service) {
    core::ServiceSpec spec;
    spec.name = service.string("name", true);
    return spec;
  });
  return pipeline;
}

Stream read_stream(const Reader& in) {
  const std::string stream = in.string("stream");
  if (stream.empty() || stream == "stdout") return Stream::Stdout;
  if (stream == "stderr") return Stream::Stderr;
  throw Malformed{in.where("stream") + " is not stdout or stderr"};
}

Node read_node(const Reader& in) {
  const std::string node = in.string("node", true);
  for (Node each : {Node::Pipeline, Node::Stage, Node::Execution})
    if (node == to_string(each)) return each;
  throw Malformed{in.where("node") + " is not pipeline, stage or execution"};
}

LogLine read_line(const Reader& in) {
  LogLine line;
  line.seq = in.integer("seq", -1);
  if (line.seq < 1) throw Malformed{in.where("seq") + " is missing or below 1 (lines count from 1)"};
  line.stream = read_stream(in);
  line.at_ms = in.integer("at");
  line.text = in.string("text");
  return line;
}

StatusChange read_change(const Reader& in) {
  StatusChange change;
  change.node = read_node(in);
  change.id = in.string("id", true);
  change.status = in.status("status");
  change.at_ms = in.optional_integer("at");
  change.reason = in.string("reason");
  if (auto exit_code = in.optional_integer("exit_code")) {
    if (*exit_code < INT32_MIN || *exit_code > INT32_MAX) throw Malformed{in.where("exit_code") + " is out of range"};
    change.exit_code = static_cast<int>(*exit_code);
  }
  return change;
}

std::string bounded_string(const Reader& in, const char* name, std::size_t most) {
  std::string text = in.string(name);
  if (text.size() > most) throw Malformed{in.where(name) + " is longer than " + std::to_string(most) + " bytes"};
  return text;
}

std::int64_t count(const Reader& in, const char* name) {
  const std::int64_t value = in.integer(name);
  if (value < 0) throw Malformed{in.where(name) + " is below 0"};
  return value;
}

core::TestProblem read_test_problem(const Reader& in) {
  core::TestProblem problem;
  const auto outcome = core::parse_test_outcome(in.string("outcome", true));
  if (!outcome) throw Malformed{in.where("outcome") + " is not failure, error or flaky"};
  problem.outcome = *outcome;
  problem.suite = bounded_string(in, "suite", core::kMaxTestNameBytes);
  problem.name = bounded_string(in, "name", core::kMaxTestNameBytes);
  problem.message = bounded_string(in, "message", core::kMaxTestMessageBytes);
  problem.type = bounded_string(in, "type", core::kMaxTestTypeBytes);
  problem.file = bounded_string(in, "file", core::kMaxTestFileBytes);
  const std::int64_t line = count(in, "line");
  if (line > INT32_MAX) throw Malformed{in.where("line") + " is out of range"};
  problem.line = static_cast<int>(line);
  problem.output = bounded_string(in, "output", core::kMaxTestOutputBytes);
  return problem;
}

core::TestResults read_test_results(const Reader& in) {
  core::TestResults results;
  const Reader totals = in.object("totals");
  results.totals = {count(totals, "tests"), count(totals, "failures"), count(totals, "errors"),
                    count(totals, "skipped"), count(totals, "flaky"), count(totals, "time_ms")};
  if (results.totals.passed() < 0)
    throw Malformed{totals.where() + " counts more failures, errors and skipped tests than tests"};
  bounded_array(in, "problems", core::kMaxListedTests);
  results.problems = read_items(in, "problems", read_test_problem);
  return results;
}

}  // namespace

std::string_view name(Call call) {
  switch (call) {
    case Call::Plan: return "plan";
    case Call::Events: return "events";
    case Call::Heartbeat: return "heartbeat";
    case Call::Complete: return "complete";
  }
  return "";
}

std::string workflow_path(std::string_view workflow_id, Call call) {
  return "/api/v1/agent/workflows/" + std::string{workflow_id} + "/" + std::string{name(call)};
}

std::string route_pattern(Call call) { return workflow_path("{id}", call); }

std::string gate_path(std::string_view workflow_id, std::string_view pipeline_id) {
  return "/api/v1/agent/workflows/" + std::string{workflow_id} + "/pipelines/" + std::string{pipeline_id} + "/gate";
}

std::string gate_route_pattern() { return gate_path("{id}", "{pipeline_id}"); }

std::string_view to_string(Stream stream) { return stream == Stream::Stderr ? "stderr" : "stdout"; }

std::string_view to_string(Node node) {
  switch (node) {
    case Node::Pipeline: return "pipeline";
    case Node::Stage: return "stage";
    case Node::Execution: return "execution";
  }
  return "";
}

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
          {"from_fork", event.from_fork},
          {"schedule", std::move(event.schedule)},
          {"inputs", std::move(event.inputs)}};
}

core::Event event_from_json(const json& in) { return read_event(Reader{in, "event"}); }

json to_json(const ClaimRequest& request) { return {{"wait_ms", request.wait.count()}, {"agent", request.agent}}; }

ClaimRequest claim_request_from_json(const json& json_request) {
  Reader in{json_request, "claim"};
  return {std::chrono::milliseconds{in.integer("wait_ms", ClaimRequest{}.wait.count())}, in.string("agent")};
}

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
  plan.pipelines = read_items(in, "pipelines", read_pipeline);
  plan.skipped = read_items(in, "skipped", [](const Reader& skip) {
    return core::SkippedPipeline{skip.string("name", true), skip.string("reason")};
  });
  return plan;
}

json to_json(const PlanReport& report) {
  if (report.plan) return {{"plan", to_json(*report.plan)}};
  return {{"diagnostics", report.diagnostics}};
}

PlanReport plan_report_from_json(const json& json_report) {
  Reader in{json_report, ""};
  PlanReport report;
  report.diagnostics = in.string("diagnostics");
  if (json_report.contains("diagnostics")) return report;
  if (!json_report.contains("plan")) throw Malformed{"plan is missing (or diagnostics)"};
  report.plan = plan_from_json(json_report["plan"]);
  return report;
}

namespace {

json to_json(const StageIds& stage) { return {{"id", stage.id}, {"executions", stage.executions}}; }

StageIds read_stage_ids(const Reader& stage) { return {stage.string("id", true), stage.strings("executions")}; }

}  // namespace

json to_json(const PlanIds& ids) {
  json pipelines = json::array();
  for (const auto& pipeline : ids.pipelines) {
    json stages = json::array();
    for (const auto& stage : pipeline.stages) stages.push_back(to_json(stage));
    json out{{"id", pipeline.id}, {"name", pipeline.name}, {"stages", std::move(stages)}};
    if (pipeline.services) out["services"] = to_json(*pipeline.services);
    pipelines.push_back(std::move(out));
  }
  json out{{"pipelines", std::move(pipelines)}};
  if (ids.kept.empty()) return out;
  json kept = json::array();
  for (const KeptExecution& execution : ids.kept) {
    kept.push_back({{"execution", execution.execution},
                    {"status", core::to_string(execution.status)},
                    {"reason", execution.reason}});
    if (execution.exit_code) kept.back()["exit_code"] = *execution.exit_code;
    if (execution.artifacts.empty()) continue;
    json artifacts = json::array();
    for (const KeptFile& file : execution.artifacts)
      artifacts.push_back({{"path", file.path}, {"digest", file.digest}, {"size", file.size}});
    kept.back()["artifacts"] = std::move(artifacts);
  }
  out["kept"] = std::move(kept);
  return out;
}

PlanIds plan_ids_from_json(const json& json_ids) {
  Reader in{json_ids, "plan_ids"};
  PlanIds ids{read_items(in, "pipelines", [](const Reader& pipeline) {
    PipelineIds ids{pipeline.string("id", true), pipeline.string("name"),
                    read_items(pipeline, "stages", read_stage_ids), std::nullopt};
    if (pipeline.has("services")) ids.services = read_stage_ids(pipeline.object("services"));
    return ids;
  }), {}};
  ids.kept = read_items(in, "kept", [](const Reader& kept) {
    KeptExecution execution{kept.string("execution", true), kept.status("status"), kept.string("reason"), {}, {}};
    if (!core::is_final(execution.status)) throw Malformed{kept.where("status") + " must be a final status"};
    if (const auto exit_code = kept.optional_integer("exit_code")) execution.exit_code = static_cast<int>(*exit_code);
    execution.artifacts = read_items(kept, "artifacts", [](const Reader& file) {
      return KeptFile{file.string("path", true), file.string("digest", true), file.size("size")};
    });
    return execution;
  });
  return ids;
}

json to_json(const core::TestResults& results) {
  const core::TestTotals& totals = results.totals;
  json problems = json::array();
  for (const core::TestProblem& problem : results.problems)
    problems.push_back({{"outcome", core::to_string(problem.outcome)},
                        {"suite", problem.suite},
                        {"name", problem.name},
                        {"message", problem.message},
                        {"type", problem.type},
                        {"file", problem.file},
                        {"line", problem.line},
                        {"output", problem.output}});
  return {{"totals",
           {{"tests", totals.tests},
            {"passed", totals.passed()},
            {"failures", totals.failures},
            {"errors", totals.errors},
            {"skipped", totals.skipped},
            {"flaky", totals.flaky},
            {"time_ms", totals.time_ms}}},
          {"problems", std::move(problems)}};
}

core::TestResults test_results_from_json(const json& json_results) {
  return read_test_results(Reader{json_results, "tests"});
}

json to_json(const LogLine& line) {
  return {{"seq", line.seq}, {"stream", to_string(line.stream)}, {"at", line.at_ms}, {"text", line.text}};
}

json to_json(const StatusChange& change) {
  json out{{"node", to_string(change.node)},
           {"id", change.id},
           {"status", core::to_string(change.status)},
           {"reason", change.reason}};
  if (change.at_ms) out["at"] = *change.at_ms;
  if (change.exit_code) out["exit_code"] = *change.exit_code;
  return out;
}

json to_json(const EventBatch& batch) {
  json logs = json::array();
  for (const auto& log : batch.logs) {
    json lines = json::array();
    for (const auto& line : log.lines) lines.push_back(to_json(line));
    logs.push_back({{"execution", log.execution}, {"lines", std::move(lines)}});
  }
  json tests = json::array();
  for (const auto& execution : batch.tests) {
    json results = to_json(execution.results);
    results["execution"] = execution.execution;
    tests.push_back(std::move(results));
  }
  json changes = json::array();
  for (const auto& change : batch.changes) changes.push_back(to_json(change));
  return {{"logs", std::move(logs)}, {"tests", std::move(tests)}, {"changes", std::move(changes)}};
}

EventBatch event_batch_from_json(const json& json_batch) {
  Reader in{json_batch, "events"};
  EventBatch batch;
  batch.logs = read_items(in, "logs", [](const Reader& log) {
    return ExecutionLog{log.string("execution", true), read_items(log, "lines", read_line)};
  });
  batch.tests = read_items(in, "tests", [](const Reader& tests) {
    return ExecutionTests{tests.string("execution", true), read_test_results(tests)};
  });
  batch.changes = read_items(in, "changes", read_change);
  return batch;
}

json to_json(const CancelAnswer& answer) { return {{"cancel", answer.cancel}}; }

CancelAnswer cancel_answer_from_json(const json& json_answer) {
  return {Reader{json_answer, "answer"}.boolean("cancel")};
}

namespace {
constexpr GateDecision kGateDecisions[] = {GateDecision::Run, GateDecision::Wait, GateDecision::Skip,
                                           GateDecision::Cancel};
}

std::string_view to_string(GateDecision decision) {
  switch (decision) {
    case GateDecision::Run: return "run";
    case GateDecision::Wait: return "wait";
    case GateDecision::Skip: return "skip";
    case GateDecision::Cancel: return "cancel";
  }
  return "";
}

json to_json(const GateAnswer& answer) {
  json secrets = json::array();
  for (const JobSecret& secret : answer.secrets) secrets.push_back({{"name", secret.name}, {"value", secret.value}});
  return {{"decision", to_string(answer.decision)},
          {"reason", answer.reason},
          {"retry_after_ms", answer.retry_after.count()},
          {"secrets", std::move(secrets)}};
}

GateAnswer gate_answer_from_json(const json& json_answer) {
  Reader in{json_answer, "gate"};
  GateAnswer answer;
  const std::string decision = in.string("decision", true);
  const auto* found = std::ranges::find(kGateDecisions, decision, [](GateDecision each) { return to_string(each); });
  if (found == std::end(kGateDecisions)) throw Malformed{"gate.decision is not run, wait, skip or cancel"};
  answer.decision = *found;
  answer.reason = in.string("reason");
  answer.retry_after = std::chrono::milliseconds{in.integer("retry_after_ms", 1000)};
  if (answer.retry_after.count() < 0) throw Malformed{"gate.retry_after_ms is below 0"};
  answer.secrets = read_items(in, "secrets", [](const Reader& secret) {
    return JobSecret{secret.string("name", true), secret.string("value", true), {}};
  });
  return answer;
}

json to_json(const Completion& completion) {
  return {{"status", core::to_string(completion.status)}, {"reason", completion.reason}};
}

Completion completion_from_json(const json& json_completion) {
  Reader in{json_completion, "complete"};
  Completion completion{in.status("status"), in.string("reason")};
  if (!core::is_final(completion.status)) throw Malformed{"complete.status must be a final status"};
  return completion;
}

std::string error_code(const json& body) {
  if (!body.is_object() || !body.contains("error") || !body["error"].is_object()) return {};
  const json& error = body["error"];
  return error.contains("code") && error["code"].is_string() ? error["code"].get<std::string>() : std::string{};
}

json to_json(const Job& job) {
  const core::Repository& repository = job.repository;
  json secrets = json::array();
  for (const JobSecret& secret : job.secrets)
    secrets.push_back({{"name", secret.name}, {"value", secret.value}, {"pipelines", secret.pipelines}});
  json out{{"workflow_id", job.workflow_id},
           {"attempt", job.attempt},
           {"project_id", job.project_id},
           {"repository", {{"owner", repository.owner}, {"name", repository.name}, {"url", repository.url}}},
           {"event", to_json(job.event)},
           {"secrets", std::move(secrets)},
           {"heartbeat_interval_ms", job.heartbeat_interval.count()},
           {"lease_ms", job.lease_duration.count()}};
  if (!job.lease.empty()) out["lease"] = job.lease;
  if (!job.clone_token.empty()) out["clone_token"] = job.clone_token;
  return out;
}

Job job_from_json(const json& json_job) {
  Reader in{json_job, "job"};
  Job job;
  job.workflow_id = in.string("workflow_id", true);
  job.attempt = static_cast<int>(in.integer("attempt", 1));
  job.lease = in.string("lease");
  job.project_id = in.string("project_id");
  Reader repository = in.object("repository");
  job.repository = {repository.string("owner"), repository.string("name"), repository.string("url", true)};
  job.event = read_event(in.object("event"));
  job.secrets = read_items(in, "secrets", [](const Reader& secret) {
    return JobSecret{secret.string("name", true), secret.string("value", true), secret.strings("pipelines")};
  });
  job.clone_token = in.string("clone_token");
  job.heartbeat_interval = std::chrono::milliseconds{in.integer("heartbeat_interval_ms", 1000)};
  job.lease_duration = std::chrono::milliseconds{in.integer("lease_ms", 30'000)};
  return job;
}

// --- Blobs, caches and artifacts (blobs.h).

namespace {

std::string_view name(BlobCall call) {
  switch (call) {
    case BlobCall::Upload: return "/upload";
    case BlobCall::Append: return "/append";
    case BlobCall::Commit: return "/commit";
    case BlobCall::Download: return "";
  }
  return "";
}

std::string_view name(CacheCall call) {
  switch (call) {
    case CacheCall::Lookup: return "cache/lookup";
    case CacheCall::Commit: return "cache/commit";
    case CacheCall::Artifacts: return "artifacts";
  }
  return "";
}

std::string workflow_prefix(std::string_view workflow_id) {
  return "/api/v1/agent/workflows/" + std::string{workflow_id} + "/";
}

}  // namespace

std::string blob_path(std::string_view workflow_id, std::string_view digest, BlobCall call) {
  return workflow_prefix(workflow_id) + "blobs/" + std::string{digest} + std::string{name(call)};
}

std::string blob_route_pattern(BlobCall call) { return blob_path("{id}", "{digest}", call); }

std::string append_path(std::string_view workflow_id, std::string_view digest, std::uint64_t offset,
                        std::uint64_t size) {
  return blob_path(workflow_id, digest, BlobCall::Append) + "?offset=" + std::to_string(offset) +
         "&size=" + std::to_string(size);
}

std::string cache_path(std::string_view workflow_id, CacheCall call) {
  return workflow_prefix(workflow_id) + std::string{name(call)};
}

std::string cache_route_pattern(CacheCall call) { return cache_path("{id}", call); }

json to_json(const BlobUploadRequest& request) { return {{"size", request.size}}; }

BlobUploadRequest blob_upload_request_from_json(const json& in) {
  Reader upload{in, "upload"};
  upload.only({"size"});
  return {upload.size("size")};
}

json to_json(const BlobUploadState& state) {
  return {{"offset", state.offset}, {"size", state.size}, {"complete", state.complete}};
}

BlobUploadState blob_upload_state_from_json(const json& in) {
  Reader state{in, "upload_state"};
  return {state.size("offset"), state.size("size"), state.boolean("complete")};
}

json to_json(const CacheLookup& lookup) {
  return {{"name", lookup.name}, {"key", lookup.key}, {"restore_keys", lookup.restore_keys}};
}

CacheLookup cache_lookup_from_json(const json& in) {
  Reader lookup{in, "lookup"};
  lookup.only({"name", "key", "restore_keys"});
  return {lookup.string("name"), lookup.string("key", true), lookup.strings("restore_keys")};
}

json to_json(const CacheLookupAnswer& answer) {
  if (!answer.hit) return {{"hit", false}};
  return {{"hit", true}, {"key", answer.key}, {"digest", answer.digest}, {"size", answer.size}, {"exact", answer.exact}};
}

CacheLookupAnswer cache_lookup_answer_from_json(const json& in) {
  Reader answer{in, "lookup_answer"};
  if (!answer.boolean("hit")) return {};
  return {true, answer.string("key", true), answer.string("digest", true), answer.size("size"),
          answer.boolean("exact")};
}

json to_json(const CacheCommitRequest& request) {
  return {{"name", request.name}, {"key", request.key}, {"digest", request.digest}, {"size", request.size}};
}

CacheCommitRequest cache_commit_request_from_json(const json& in) {
  Reader request{in, "cache_commit"};
  request.only({"name", "key", "digest", "size"});
  return {request.string("name"), request.string("key", true), request.string("digest", true),
          request.size("size")};
}

json to_json(const CacheCommitAnswer& answer) { return {{"created", answer.created}, {"scope", answer.scope}}; }

CacheCommitAnswer cache_commit_answer_from_json(const json& in) {
  Reader answer{in, "cache_commit_answer"};
  return {answer.boolean("created"), answer.string("scope")};
}

json to_json(const ArtifactRegistration& registration) {
  return {{"execution", registration.execution},
          {"path", registration.path},
          {"digest", registration.digest},
          {"size", registration.size}};
}

ArtifactRegistration artifact_registration_from_json(const json& in) {
  Reader artifact{in, "artifact"};
  artifact.only({"execution", "path", "digest", "size"});
  return {artifact.string("execution", true), artifact.string("path", true), artifact.string("digest", true),
          artifact.size("size")};
}

json to_json(const ArtifactAnswer& answer) { return {{"id", answer.id}, {"expires_at", answer.expires_at_ms}}; }

ArtifactAnswer artifact_answer_from_json(const json& in) {
  Reader answer{in, "artifact_answer"};
  return {answer.string("id", true), answer.integer("expires_at")};
}

}  // namespace protocol
