#include "agent/agent.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include "git/checkout.h"
#include "agent/heartbeat.h"
#include "agent/server_client.h"
#include "agent/server_files.h"
#include "agent/workflow_reporter.h"
#include "consul/consul.h"
#include "config/config.h"
#include "core/secret_scope.h"
#include "protocol/protocol.h"
#include "runner/sandbox.h"
#include "runner/workspace_tree.h"

namespace agent {

namespace {

using namespace std::chrono_literals;

void note(const std::string& text) { std::fprintf(stderr, "factory agent: %s\n", text.c_str()); }

// Where the time from asking for a job to running its plan goes, logged once
// per workflow (bench/start_latency.sh reads it): steady-clock laps, and the
// wall-clock ends so that they line up with the server's times and the
// executions' own.
class StartTimings {
 public:
  void lap(std::string phase) {
    const auto now = std::chrono::steady_clock::now();
    laps_.emplace_back(std::move(phase), now - last_);
    last_ = now;
  }

  std::string text() const {
    using std::chrono::duration_cast;
    std::string text;
    std::chrono::steady_clock::duration total{};
    for (const auto& [phase, took] : laps_) {
      const auto ms = duration_cast<std::chrono::milliseconds>(took).count();
      text += (text.empty() ? "" : ", ") + phase + " " + std::to_string(ms) + " ms";
      total += took;
    }
    const auto micros = [](std::chrono::system_clock::time_point at) {
      return std::to_string(duration_cast<std::chrono::microseconds>(at.time_since_epoch()).count());
    };
    const auto ended = began_ + duration_cast<std::chrono::system_clock::duration>(total);
    return text + " (unix us " + micros(began_) + " to " + micros(ended) + ")";
  }

 private:
  std::chrono::system_clock::time_point began_ = std::chrono::system_clock::now();
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
  std::vector<std::pair<std::string, std::chrono::steady_clock::duration>> laps_;
};

// The environment every execution starts from: what a build needs of the
// agent's own (never its token), and what tells it about the workflow.
core::Env base_environment(const protocol::Job& job, const std::string& sha) {
  core::Env env = runner::allowed_host_environment();
  env["CI"] = "true";
  env["FACTORY"] = "true";
  env["FACTORY_WORKFLOW_ID"] = job.workflow_id;
  env["FACTORY_EVENT"] = job.event.name;
  env["FACTORY_BRANCH"] = job.event.branch;
  env["FACTORY_TAG"] = job.event.tag;
  env["FACTORY_TARGET_BRANCH"] = job.event.target_branch;
  env["FACTORY_SCHEDULE"] = job.event.schedule;
  env["FACTORY_SHA"] = sha;
  env["FACTORY_REPOSITORY"] = job.repository.owner + "/" + job.repository.name;
  return env;
}

// Secrets join the environment of each execution and service whose pipeline
// they may reach (a matrix instance by its block's label), so that those in
// containers get them too. The server sent only those the event may receive.
void add_secrets(core::Plan& plan, const std::vector<protocol::JobSecret>& secrets) {
  for (auto& pipeline : plan.pipelines)
    for (const protocol::JobSecret& secret : secrets)
      if (core::reaches_pipeline(secret.pipelines, pipeline.base_name)) {
        for (auto& stage : pipeline.stages)
          for (auto& execution : stage.executions) execution.env.try_emplace(secret.name, secret.value);
        for (auto& service : pipeline.services) service.env.try_emplace(secret.name, secret.value);
      }
}

// The server's id of each execution, by its place in the plan.
ServerFiles::ExecutionIds execution_ids(const protocol::PlanIds& ids) {
  ServerFiles::ExecutionIds execution_ids;
  for (std::size_t p = 0; p < ids.pipelines.size(); ++p)
    for (std::size_t s = 0; s < ids.pipelines[p].stages.size(); ++s)
      for (std::size_t e = 0; e < ids.pipelines[p].stages[s].executions.size(); ++e)
        execution_ids.emplace(std::tuple{p, s, e}, ids.pipelines[p].stages[s].executions[e]);
  return execution_ids;
}

// Each execution's place in the plan, by the server's id.
std::map<std::string, runner::ExecutionId> places_by_id(const protocol::PlanIds& ids) {
  std::map<std::string, runner::ExecutionId> places;
  for (const auto& [place, id] : execution_ids(ids))
    places.emplace(id, runner::ExecutionId{std::get<0>(place), std::get<1>(place), std::get<2>(place)});
  return places;
}

// What the executions a rerun keeps had kept, for those that need it.
void receive_kept_artifacts(const protocol::PlanIds& ids, runner::ExecutionFiles& files) {
  const auto places = places_by_id(ids);
  for (const protocol::KeptExecution& execution : ids.kept) {
    const auto place = places.find(execution.execution);
    if (place == places.end()) continue;
    std::vector<runner::KeptArtifact> artifacts;
    for (const protocol::KeptFile& file : execution.artifacts) artifacts.push_back({file.path, file.digest, file.size});
    files.add_kept(place->second, std::move(artifacts));
  }
}

// The executions the server keeps from an earlier run (a rerun of part of
// a workflow), by their place in the plan; ids not of the plan are ignored.
std::vector<runner::KeptExecution> kept_executions(const protocol::PlanIds& ids) {
  const auto places = places_by_id(ids);
  std::vector<runner::KeptExecution> kept;
  for (const protocol::KeptExecution& execution : ids.kept)
    if (auto place = places.find(execution.execution); place != places.end())
      kept.push_back({place->second, execution.status, execution.reason});
  return kept;
}

// What the logs and reports of a job must not show: the values of every
// secret it carries, whichever pipelines get them, and its clone token.
core::SecretMask job_mask(const protocol::Job& job) {
  core::Env hidden;
  for (const protocol::JobSecret& secret : job.secrets) hidden.emplace(secret.name, secret.value);
  if (!job.clone_token.empty()) hidden.emplace("FACTORY clone token", job.clone_token);
  return core::SecretMask{hidden};
}

// A healthy server from Consul: another than `avoid` when there is one (a
// server that stopped answering may still pass its check for a TTL), chosen
// at random so that agents spread over the servers; else `avoid` when it is
// healthy; empty when there is none now.
std::string find_server(const Options& options, const std::string& avoid) {
  std::string error;
  auto healthy = consul::healthy_instances(options.consul_url, options.consul_service, error);
  if (!healthy) {
    note(error);
    return {};
  }
  const bool avoided_is_healthy = std::erase(*healthy, avoid) > 0;
  if (healthy->empty()) {
    if (avoided_is_healthy) return avoid;
    note("no healthy \"" + options.consul_service + "\" server in Consul at " + options.consul_url);
    return {};
  }
  std::random_device random;
  const std::string& chosen = (*healthy)[random() % healthy->size()];
  note("using the server at " + chosen + " (found in Consul)");
  return chosen;
}

// The client settings of `options`: with Consul, a server that does not
// answer is replaced by another healthy one.
ClientConfig client_config(const Options& options, std::string lease = {}) {
  ClientConfig config{options.server_url, options.token, std::move(lease), {}};
  if (!options.consul_url.empty())
    config.relocate = [options](const std::string& unreachable) { return find_server(options, unreachable); };
  return config;
}

class JobRun {
 public:
  JobRun(const Options& options, const protocol::Job& job, const runner::CancelHandle& agent_stop)
      : options_{options},
        job_{job},
        agent_stop_{agent_stop},
        client_config_{client_config(options, job.lease)},
        client_{client_config_, [this] { return !given_up_because().empty(); }},
        mask_{job_mask(job)},
        workflow_dir_{options.work_dir / ("workflow-" + job.workflow_id)},
        checkout_{workflow_dir_ / "checkout", cancel_, job.clone_token},
        heartbeat_{client_config_, job.workflow_id, job.heartbeat_interval, job.lease_duration, cancel_, agent_stop} {}

  ~JobRun() { runner::remove_tree(workflow_dir_); }

  void run(StartTimings& timings) {
    std::string error;
    if (!checkout_.fetch(job_.repository.url, job_.event.sha, job_.event.branch, error))
      return checkout_failed(error);
    timings.lap("fetch");
    if (!checkout_.check_out_config(error)) return checkout_failed(error);
    timings.lap(".factory/ checkout");
    core::Event event = job_.event;
    event.sha = checkout_.sha();
    if (event.name == "pull_request" && event.changed_paths.empty()) {
      event.changed_paths = pull_request_changes();
      timings.lap("changed paths");
    }
    std::optional<core::Plan> plan = make_plan(event);
    if (!plan) return;  // the server failed the workflow with the diagnostics
    // Reported before the secrets join it (the report carries no environment
    // anyway): secrets never go back to the server.
    const Reply recorded = client_.post_until_answered(path(protocol::Call::Plan),
                                                       protocol::to_json(protocol::PlanReport{*plan, {}}));
    if (recorded.status != 200) return note("the server did not take the plan: " + recorded.body.dump());
    protocol::PlanIds ids;
    try {
      ids = protocol::plan_ids_from_json(recorded.body);
    } catch (const protocol::Malformed& error) {
      return note(std::string{"the server answered the plan with ids this agent does not understand: "} +
                  error.what());
    }
    add_secrets(*plan, job_.secrets);
    timings.lap("plan");
    if (plan->pipelines.empty()) return complete(core::Status::Skipped, "no pipeline matches the event");
    if (!checkout_.check_out_all(error)) return checkout_failed(error);
    timings.lap("checkout");
    note("start of workflow " + job_.workflow_id + ": " + timings.text());
    execute(*plan, std::move(ids));
  }

  // The server could not be reached for a whole lease: the run was given up.
  bool server_unreachable() const { return heartbeat_.server_unreachable(); }

 private:
  // Why this agent reports nothing more on the workflow, or empty. An agent
  // that stops leaves the workflow to the server: to its cancel, or to
  // another attempt once the lease runs out.
  std::string given_up_because() const {
    if (heartbeat_.server_unreachable())
      return "the server could not be reached for a whole lease (" + std::to_string(job_.lease_duration.count()) + " ms)";
    if (heartbeat_.lease_lost()) return "its lease was lost";
    if (agent_stop_.cancelled()) return "this agent is stopping";
    return {};
  }

  std::string path(protocol::Call call) const { return protocol::workflow_path(job_.workflow_id, call); }

  // The paths the pull request changes, for `paths` filters; empty (every
  // filter holds, as if everything changed) when they cannot be known, which
  // the agent's log and the workflow's reason then say.
  std::vector<std::string> pull_request_changes() {
    std::string error;
    auto changes = checkout_.pull_request_changes(job_.event.target_branch, error);
    if (changes) return *changes;
    if (cancel_.cancelled()) return {};
    notice_ = "paths filters held for every pipeline: the changed paths are unknown (" + error + ")";
    note("workflow " + job_.workflow_id + ": " + notice_);
    return {};
  }

  // The plan of `.factory/` for the event, or nullopt after reporting its
  // diagnostics (a plan that ran out of its budget among them), that the
  // workflow was cancelled while planning, or that the checkout hashfiles()
  // needs failed.
  std::optional<core::Plan> make_plan(const core::Event& event) {
    hcl::Diagnostics diags;
    hcl::Budget budget = config::planning_budget([this] { return cancel_.cancelled(); });
    auto configuration = config::load(checkout_.dir(), diags, budget);
    core::Plan plan;
    if (configuration) {
      const core::Repository repository{job_.repository.owner, job_.repository.name, job_.repository.url};
      // hashfiles() hashes the commit's files: they are all checked out
      // first, and the plan gets a budget of its own, the checkout's time
      // not being the configuration's.
      const bool reads_files = config::calls_hashfiles(*configuration);
      std::string error;
      if (reads_files && !checkout_.check_out_all(error)) {
        checkout_failed(error);
        return std::nullopt;
      }
      hcl::Budget plan_budget = config::planning_budget([this] { return cancel_.cancelled(); });
      plan = config::plan(*configuration, event, repository, diags, reads_files ? plan_budget : budget,
                          checkout_.dir());
    }
    if (cancel_.cancelled()) {
      complete(core::Status::Cancelled, "cancelled");
      return std::nullopt;
    }
    if (!diags.has_errors()) return plan;
    client_.post_until_answered(path(protocol::Call::Plan),
                                protocol::to_json(protocol::PlanReport{std::nullopt, hcl::render(diags, false)}));
    return std::nullopt;
  }

  void execute(const core::Plan& plan, protocol::PlanIds ids) {
    runner::Options run_options;
    run_options.workspace = checkout_.dir().string();
    run_options.workspaces = workflow_dir_.string();
    run_options.jobs = options_.jobs;
    run_options.base_env = base_environment(job_, checkout_.sha());
    run_options.containers = options_.containers;
    run_options.isolation = options_.isolation;
    run_options.mask = mask_;
    run_options.kept = kept_executions(ids);
    ServerFiles server_files{client_config_, job_.workflow_id, execution_ids(ids),
                             [this] { return !given_up_because().empty(); }};
    runner::ExecutionFiles files{server_files, workflow_dir_};
    receive_kept_artifacts(ids, files);
    run_options.files = &files;
    std::vector<std::string> pipeline_ids;
    for (const protocol::PipelineIds& pipeline : ids.pipelines) pipeline_ids.push_back(pipeline.id);
    WorkflowReporter reporter{client_config_, job_.workflow_id, std::move(ids), mask_, cancel_};
    run_options.gate = [this, pipeline_ids, &reporter](std::size_t p, const runner::CancelHandle& cancel) {
      runner::GateOpening opening = ask_gate(pipeline_ids.at(p), cancel);
      reporter.hide(opening.secrets);  // the runner hides them in the logs
      return opening;
    };
    const runner::RunResult result = runner::run_plan(plan, run_options, reporter, cancel_);
    std::string given_up = given_up_because();
    if (!given_up.empty()) reporter.abandon();
    reporter.finish();
    if (given_up.empty() && reporter.lease_lost()) given_up = "its lease was lost";
    if (!given_up.empty()) return note("left workflow " + job_.workflow_id + " unfinished: " + given_up);
    complete(result.status, cancel_.cancelled() ? "cancelled" : notice_);
  }

  // Asks the server whether a gated pipeline may start, again after each
  // `wait`, until it may, may not, or the run is cancelled. Runs on the
  // pipeline's thread, with a client of its own.
  runner::GateOpening ask_gate(const std::string& pipeline_id, const runner::CancelHandle& cancel) {
    using core::Status;
    ServerClient client{client_config_, [this, &cancel] { return cancel.cancelled() || !given_up_because().empty(); }};
    const std::string gate = protocol::gate_path(job_.workflow_id, pipeline_id);
    for (;;) {
      const Reply reply = client.post_until_answered(gate, nlohmann::json::object());
      if (reply.status == 0 || reply.lease_lost()) return {Status::Cancelled, "cancelled", {}};
      if (reply.status != 200)
        return {Status::Error, "the server refused the pipeline's gate: " + reply.body.dump(), {}};
      protocol::GateAnswer answer;
      try {
        answer = protocol::gate_answer_from_json(reply.body);
      } catch (const protocol::Malformed& error) {
        return {Status::Error, std::string{"the server's gate answer is not understood: "} + error.what(), {}};
      }
      switch (answer.decision) {
        case protocol::GateDecision::Run: {
          core::Env secrets;
          for (protocol::JobSecret& secret : answer.secrets) secrets[secret.name] = std::move(secret.value);
          return {Status::Running, {}, std::move(secrets)};
        }
        case protocol::GateDecision::Skip: return {Status::Skipped, answer.reason, {}};
        case protocol::GateDecision::Cancel: return {Status::Cancelled, answer.reason, {}};
        case protocol::GateDecision::Wait: break;
      }
      const auto until = std::chrono::steady_clock::now() + std::clamp(answer.retry_after, 50ms, 10'000ms);
      while (std::chrono::steady_clock::now() < until && !cancel.cancelled()) std::this_thread::sleep_for(50ms);
      if (cancel.cancelled()) return {Status::Cancelled, "cancelled", {}};
    }
  }

  void checkout_failed(const std::string& error) {
    if (cancel_.cancelled()) return complete(core::Status::Cancelled, "cancelled");
    complete(core::Status::Error, error);
  }

  void complete(core::Status status, const std::string& reason) {
    if (const std::string given_up = given_up_because(); !given_up.empty())
      return note("left workflow " + job_.workflow_id + " unfinished: " + given_up);
    const Reply reply = client_.post_until_answered(
        path(protocol::Call::Complete), protocol::to_json(protocol::Completion{status, mask_.apply(reason)}));
    if (reply.status != 200) note("the server did not take the end of the workflow: " + reply.body.dump());
  }

  const Options& options_;
  const protocol::Job& job_;
  const runner::CancelHandle& agent_stop_;
  ClientConfig client_config_;
  ServerClient client_;
  core::SecretMask mask_;
  runner::CancelHandle cancel_;
  std::filesystem::path workflow_dir_;  // the checkout and the executions' workspaces
  git::Checkout checkout_;
  std::string notice_;  // what the workflow's reason tells people, when nothing else does
  Heartbeat heartbeat_;  // last: it beats while everything else is there
};

enum class Claim { Job, Nothing, Failed, Refused };

Claim claim(ServerClient& client, const protocol::ClaimRequest& request, protocol::Job& job) {
  const std::string server_url = client.server_url();  // before a failed call moves the client elsewhere
  const Reply reply = client.post(std::string{protocol::kClaimPath}, protocol::to_json(request), request.wait + 10s);
  if (reply.status == 200) {
    try {
      job = protocol::job_from_json(reply.body);
      return Claim::Job;
    } catch (const protocol::Malformed& error) {
      note(std::string{"the server sent a job this agent does not understand: "} + error.what());
      return Claim::Refused;
    }
  }
  if (reply.status == 401 || reply.status == 403 || reply.status == 409) {
    note("the server refused this agent: " + reply.body.dump());
    return Claim::Refused;
  }
  if (reply.status == 204) return Claim::Nothing;
  if (reply.status != 0) {
    // Asking again at once would hammer the server with the same request
    // (a token that makes no valid header gets 400 each time).
    note("the server answered a claim with " + std::to_string(reply.status) + ": " + reply.body.dump());
    return Claim::Failed;
  }
  if (!reply.error.empty()) note("cannot reach " + server_url + ": " + reply.error);
  return Claim::Failed;
}

}  // namespace

int run(const Options& options, runner::CancelHandle& stop) {
  Options current = options;  // with the server in use
  while (current.server_url.empty() && !stop.cancelled()) {
    current.server_url = find_server(options, {});
    if (current.server_url.empty()) std::this_thread::sleep_for(1s);
  }
  ServerClient client{client_config(current), [&stop] { return stop.cancelled(); }};
  std::chrono::milliseconds backoff = 100ms;
  while (!stop.cancelled()) {
    protocol::Job job;
    StartTimings timings;
    switch (claim(client, {options.claim_wait, options.name}, job)) {
      case Claim::Refused:
        return 1;
      case Claim::Nothing:
        backoff = 100ms;
        continue;
      case Claim::Failed:
        std::this_thread::sleep_for(backoff);  // the server may be restarting
        backoff = std::min(backoff * 2, std::chrono::milliseconds{5'000});
        continue;
      case Claim::Job:
        backoff = 100ms;
        timings.lap("claim");
        note("running workflow " + job.workflow_id + " (" + job.event.name + " of " + job.repository.url + ")");
        current.server_url = client.server_url();
        JobRun job_run{current, job, stop};
        job_run.run(timings);
        if (options.once) return job_run.server_unreachable() ? 1 : 0;
    }
  }
  return 0;
}

}  // namespace agent
