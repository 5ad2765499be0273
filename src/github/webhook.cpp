#include "github/webhook.h"

#include <simdjson.h>

#include <algorithm>
#include <initializer_list>
#include <optional>

#include "core/git_ref.h"

namespace github {

namespace {

using simdjson::dom::element;
using Path = std::initializer_list<const char*>;

constexpr std::string_view kBranchPrefix = "refs/heads/";
constexpr std::string_view kTagPrefix = "refs/tags/";
constexpr std::size_t kReusedParserBytes = 1024 * 1024;

std::string dotted(Path path) {
  std::string out;
  for (const char* key : path) {
    if (!out.empty()) out += '.';
    out += key;
  }
  return out;
}

std::optional<element> lookup(element root, Path path) {
  element at = root;
  for (const char* key : path) {
    if (!at.is_object() || simdjson::dom::object(at).at_key(key).get(at) != simdjson::SUCCESS) return std::nullopt;
  }
  return at;
}

std::string_view string_of(element value) { return std::string_view(value); }

// Reads fields of one body and keeps the first problem found, so a parser
// reads everything it needs and checks once.
class Reader {
 public:
  explicit Reader(element root) : root_(root) {}

  std::string text(Path path) {
    const auto value = lookup(root_, path);
    if (value && value->is_string() && !string_of(*value).empty()) return std::string(string_of(*value));
    complain(dotted(path) + " is missing or not a non-empty string");
    return {};
  }

  // Missing and null read as empty.
  std::string optional_text(Path path) {
    const auto value = lookup(root_, path);
    if (!value || value->is_null()) return {};
    if (value->is_string()) return std::string(string_of(*value));
    complain(dotted(path) + " is not a string");
    return {};
  }

  bool flag(Path path) {
    const auto value = lookup(root_, path);
    if (!value || value->is_null()) return false;
    if (value->is_bool()) return bool(*value);
    complain(dotted(path) + " is not a boolean");
    return false;
  }

  // A commit id: 40 (SHA-1) or 64 (SHA-256) lowercase hex digits.
  std::string sha(Path path) {
    std::string value = text(path);
    bool hex = std::all_of(value.begin(), value.end(),
                           [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
    if (!value.empty() && (!hex || (value.size() != 40 && value.size() != 64)))
      complain(dotted(path) + " is not a commit id (40 or 64 hex digits)");
    return value;
  }

  void complain(std::string problem) {
    if (problem_.empty()) problem_ = std::move(problem);
  }
  bool failed() const { return !problem_.empty(); }
  const std::string& problem() const { return problem_; }
  element root() const { return root_; }

 private:
  element root_;
  std::string problem_;
};

Webhook with_reason(Webhook hook, WebhookKind kind, std::string reason) {
  hook.kind = kind;
  hook.reason = std::move(reason);
  return hook;
}

bool is_zero_sha(std::string_view sha) {
  return !sha.empty() && std::all_of(sha.begin(), sha.end(), [](char c) { return c == '0'; });
}

RepositoryIdentity read_repository(Reader& reader) {
  RepositoryIdentity repository;
  repository.full_name = reader.text({"repository", "full_name"});
  repository.html_url = reader.text({"repository", "html_url"});
  repository.clone_url = reader.optional_text({"repository", "clone_url"});
  repository.ssh_url = reader.optional_text({"repository", "ssh_url"});
  auto slash = repository.full_name.find('/');
  if (!repository.full_name.empty() &&
      (slash == std::string::npos || slash == 0 || slash + 1 == repository.full_name.size()))
    reader.complain("repository.full_name '" + repository.full_name + "' is not owner/name");
  else if (slash != std::string::npos) {
    repository.owner = repository.full_name.substr(0, slash);
    repository.name = repository.full_name.substr(slash + 1);
  }
  return repository;
}

// The files a push touched: every commit's added, modified and removed
// paths, once each, sorted. GitHub lists at most 20 commits in a payload.
// They are sorted in one vector: a push may name thousands of paths, and a
// set would allocate a node for each.
std::vector<std::string> changed_paths(Reader& reader) {
  const auto commits = lookup(reader.root(), {"commits"});
  if (!commits || commits->is_null()) return {};
  if (!commits->is_array()) {
    reader.complain("commits is not an array");
    return {};
  }
  std::vector<std::string> paths;
  for (element commit : simdjson::dom::array(*commits)) {
    for (const char* list : {"added", "modified", "removed"}) {
      const auto files = lookup(commit, {list});
      if (!files || files->is_null()) continue;
      if (!files->is_array()) {
        reader.complain(std::string("commits[].") + list + " is not an array");
        return {};
      }
      for (element file : simdjson::dom::array(*files))
        if (file.is_string()) paths.emplace_back(string_of(file));
    }
  }
  std::sort(paths.begin(), paths.end());
  paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
  return paths;
}

// A branch or tag name goes to git and may be interpolated into a script:
// one that git or a shell would misread makes the delivery malformed.
void check_ref_name(Reader& reader, Path path, std::string_view name) {
  if (auto problem = core::ref_name_problem(name); !problem.empty())
    reader.complain(dotted(path) + " names '" + std::string(name) + "', which is not a valid branch or tag name: " +
                    problem);
}

Webhook parse_push(Reader& reader, Webhook hook) {
  std::string ref = reader.text({"ref"});
  std::string after = reader.sha({"after"});
  bool deleted = reader.flag({"deleted"});
  if (reader.failed()) return with_reason(std::move(hook), WebhookKind::Malformed, reader.problem());
  if (deleted || is_zero_sha(after)) return with_reason(std::move(hook), WebhookKind::Ignored, ref + " was deleted");
  core::Event& event = hook.event;
  if (ref.starts_with(kBranchPrefix)) {
    event.name = "push";
    event.branch = ref.substr(kBranchPrefix.size());
  } else if (ref.starts_with(kTagPrefix)) {
    event.name = "tag";
    event.tag = ref.substr(kTagPrefix.size());
  } else {
    return with_reason(std::move(hook), WebhookKind::Ignored,
                       "push to " + ref + ", which is neither a branch nor a tag");
  }
  check_ref_name(reader, {"ref"}, event.name == "tag" ? event.tag : event.branch);
  // An annotated tag's `after` is the tag object; head_commit is the commit it names.
  bool names_commit = event.name == "tag" && lookup(reader.root(), {"head_commit", "id"});
  event.sha = names_commit ? reader.sha({"head_commit", "id"}) : after;
  event.changed_paths = changed_paths(reader);
  if (reader.failed()) return with_reason(std::move(hook), WebhookKind::Malformed, reader.problem());
  hook.kind = WebhookKind::Event;
  return hook;
}

bool starts_workflow(std::string_view action) {
  return action == "opened" || action == "synchronize" || action == "reopened";
}

Webhook parse_pull_request(Reader& reader, Webhook hook) {
  std::string action = reader.text({"action"});
  if (reader.failed()) return with_reason(std::move(hook), WebhookKind::Malformed, reader.problem());
  if (!starts_workflow(action))
    return with_reason(std::move(hook), WebhookKind::Ignored,
                       "pull request action '" + action + "' starts no workflow");
  core::Event& event = hook.event;
  event.name = "pull_request";
  event.sha = reader.sha({"pull_request", "head", "sha"});
  event.branch = reader.text({"pull_request", "head", "ref"});
  event.target_branch = reader.text({"pull_request", "base", "ref"});
  if (!reader.failed()) {
    check_ref_name(reader, {"pull_request", "head", "ref"}, event.branch);
    check_ref_name(reader, {"pull_request", "base", "ref"}, event.target_branch);
  }
  // head.repo is null once the fork is deleted: still not this repository.
  std::string head_repository = reader.optional_text({"pull_request", "head", "repo", "full_name"});
  std::string base_repository = reader.text({"pull_request", "base", "repo", "full_name"});
  event.from_fork = head_repository != base_repository;
  hook.author_association = reader.optional_text({"pull_request", "author_association"});
  if (reader.failed()) return with_reason(std::move(hook), WebhookKind::Malformed, reader.problem());
  hook.kind = WebhookKind::Event;
  return hook;
}

}  // namespace

std::string_view to_string(WebhookKind kind) {
  switch (kind) {
    case WebhookKind::Event: return "event";
    case WebhookKind::Ping: return "ping";
    case WebhookKind::Ignored: return "ignored";
    case WebhookKind::Malformed: return "malformed";
  }
  return "malformed";
}

bool is_first_time_contributor(std::string_view author_association) {
  for (std::string_view known : {"OWNER", "MEMBER", "COLLABORATOR", "CONTRIBUTOR"})
    if (author_association == known) return false;
  return true;
}

Webhook parse_webhook(std::string_view event_header, std::string_view body) {
  Webhook hook;
  if (event_header.empty())
    return with_reason(std::move(hook), WebhookKind::Malformed, "X-GitHub-Event header is missing");
  // simdjson validates the whole body and reads it into one tape, with no
  // allocation per value: this runs for every delivery. A parser keeps its
  // buffers for the next body; a rare large one gets a parser of its own, so
  // that its buffers are freed with it.
  thread_local simdjson::dom::parser reused_parser;
  std::optional<simdjson::dom::parser> large_parser;
  simdjson::dom::parser& parser = body.size() <= kReusedParserBytes ? reused_parser : large_parser.emplace();
  element root;
  if (parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS || !root.is_object())
    return with_reason(std::move(hook), WebhookKind::Malformed, "body is not a JSON object");
  Reader reader(root);
  const auto repository = lookup(root, {"repository"});
  const bool has_repository = repository && !repository->is_null();
  if (has_repository) hook.repository = read_repository(reader);
  hook.sender = reader.optional_text({"sender", "login"});
  if (reader.failed()) return with_reason(std::move(hook), WebhookKind::Malformed, reader.problem());
  // Organisation hooks ping without a repository; only a ping may lack one.
  if (event_header == "ping") return with_reason(std::move(hook), WebhookKind::Ping, {});
  if (event_header != "push" && event_header != "pull_request")
    return with_reason(std::move(hook), WebhookKind::Ignored,
                       "event '" + std::string(event_header) + "' is not supported");
  if (!has_repository) return with_reason(std::move(hook), WebhookKind::Malformed, "repository is missing");
  return event_header == "push" ? parse_push(reader, std::move(hook))
                                : parse_pull_request(reader, std::move(hook));
}

}  // namespace github
