// The inputs a manual run takes (docs/configuration.md#input-name), from the
// `.factory/` at the head of a branch: the route a Run form is built from,
// and the check of a trigger's inputs. Each read is a git fetch on the
// request's thread, so few run at once, each bounded in time.
#include <nlohmann/json.hpp>

#include "api/json_input.h"
#include "api/routes.h"
#include "config/config.h"
#include "core/git_ref.h"
#include "git/branch_config.h"

namespace api {

namespace {

// Reads under way at once, over all requests: each holds an I/O thread.
constexpr int kMaxBranchReads = 2;
// A person waits for the answer.
constexpr std::chrono::seconds kBranchReadTime{15};

// One of the kMaxBranchReads, or 503 `busy`.
class BranchReadSlot {
 public:
  explicit BranchReadSlot(std::atomic<int>& reads) : reads_{reads} {
    if (reads_.fetch_add(1) >= kMaxBranchReads) {
      reads_.fetch_sub(1);
      fail(503, "busy", "the server is reading other branches' .factory/; try again in a moment");
    }
  }
  ~BranchReadSlot() { reads_.fetch_sub(1); }
  BranchReadSlot(const BranchReadSlot&) = delete;
  BranchReadSlot& operator=(const BranchReadSlot&) = delete;

 private:
  std::atomic<int>& reads_;
};

struct BranchHead {
  std::string sha;
  config::Configuration configuration;
};

BranchHead read_branch_head(const Routes& routes, const store::Project& project, const std::string& branch) {
  BranchReadSlot slot{*routes.branch_reads};
  const std::filesystem::path scratch =
      routes.options.scratch_dir.empty() ? std::filesystem::temp_directory_path() : routes.options.scratch_dir;
  git::BranchConfig read = git::read_branch_config(
      {project.url, branch, github_clone_token(routes.options, project)}, scratch, kBranchReadTime);
  switch (read.outcome) {
    case git::BranchConfig::Outcome::Read:
      return {std::move(read.sha), std::move(*read.configuration)};
    case git::BranchConfig::Outcome::Invalid:
      fail(422, "configuration", "the .factory/ of branch " + branch + " (" + read.sha.substr(0, 12) +
                                     ") has errors; fix them to run it:\n" + read.problem);
    case git::BranchConfig::Outcome::Unreachable:
      break;
  }
  fail(502, "git", "cannot read .factory/ of branch " + branch + " from " + project.url + ": " + read.problem);
}

// A value of the input's type as JSON: a number input's as a number, a bool's as true or false.
nlohmann::json typed(config::Input::Type type, const std::string& text) {
  if (type == config::Input::Type::String) return text;
  return nlohmann::json::parse(text, nullptr, false);  // canonical text of a number, or true or false
}

nlohmann::json input_view(const config::Input& input) {
  nlohmann::json options = nlohmann::json::array();
  for (const std::string& option : input.options) options.push_back(typed(input.type, option));
  return {{"name", input.name},
          {"type", config::type_name(input.type)},
          {"options", std::move(options)},
          {"default", input.default_value ? typed(input.type, *input.default_value) : nlohmann::json()},
          {"required", !input.default_value},
          {"description", input.description}};
}

std::string checked_branch(const http::Request& request) {
  std::string branch = required_query(request, "branch");
  if (auto problem = core::ref_name_problem(branch); !problem.empty())
    fail(400, "invalid", "branch '" + branch + "' is not a valid branch name: " + problem);
  return branch;
}

http::Response inputs_refused(const std::vector<config::InputProblem>& problems) {
  std::string message;
  nlohmann::json by_input = nlohmann::json::object();
  for (const config::InputProblem& problem : problems) {
    message += (message.empty() ? "" : "; ") + problem.message;
    by_input[problem.input] = problem.message;
  }
  nlohmann::json error{{"code", "invalid"}, {"message", std::move(message)}, {"inputs", std::move(by_input)}};
  return http::Response::json(400, {{"error", std::move(error)}});
}

}  // namespace

std::optional<http::Response> check_manual_inputs(const Routes& routes, const store::Project& project,
                                                  core::Event& event) {
  BranchHead head = read_branch_head(routes, project, event.branch);
  config::ResolvedInputs resolved = config::resolve_inputs(head.configuration, event.inputs);
  if (!resolved.problems.empty()) return inputs_refused(resolved.problems);
  event.inputs = std::move(resolved.values);
  if (event.sha.empty()) event.sha = std::move(head.sha);
  return std::nullopt;
}

void add_input_routes(const Routes& routes) {
  // Write, as running them is: each call makes the server fetch from git.
  routes.add("GET", "/api/v1/projects/{id}/inputs", "project_inputs", access::project(Role::Write),
             [routes](http::Request& request) {
    const std::string branch = checked_branch(request);
    const store::Project project = unwrap(routes.store.get_project(*request.param("id")));
    const BranchHead head = read_branch_head(routes, project, branch);
    nlohmann::json inputs = nlohmann::json::array();
    for (const config::Input& input : head.configuration.inputs) inputs.push_back(input_view(input));
    return http::Response::json(200, {{"branch", branch}, {"sha", head.sha}, {"inputs", std::move(inputs)}});
  });
}

}  // namespace api
