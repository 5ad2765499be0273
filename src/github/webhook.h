// GitHub webhook deliveries: what a delivery asks of FactoryCI.
//
// parse_webhook() reads the X-GitHub-Event header's value and the JSON body
// and says which repository sent it (to find the project) and what to do:
//   Event      run a workflow for `event` (push, tag or pull_request)
//   Ping       the hook was just created; answer and do nothing
//   Ignored    valid, but nothing to run (`reason` says why)
//   Malformed  the body is not what GitHub sends (`reason` says what is wrong)
// Parsing does not verify the signature: verify (github/signature.h) with the
// project's secret, found through `repository`, before acting on the result.
// Thread-safe: a plain function over its arguments.
#pragma once

#include <string>
#include <string_view>

#include "core/plan.h"

namespace github {

// The repository a delivery came from. A project's url may be any of the
// three URLs; the handler tries them in this order.
struct RepositoryIdentity {
  std::string full_name;  // "owner/name"
  std::string owner;
  std::string name;
  std::string html_url;   // https://github.com/owner/name
  std::string clone_url;  // https://github.com/owner/name.git
  std::string ssh_url;    // git@github.com:owner/name.git
};

enum class WebhookKind { Event, Ping, Ignored, Malformed };

std::string_view to_string(WebhookKind kind);  // "event", "ping", "ignored", "malformed"

struct Webhook {
  WebhookKind kind = WebhookKind::Malformed;
  RepositoryIdentity repository;  // filled whenever the body names one
  core::Event event;              // kind == Event only
  std::string sender;             // sender.login: the GitHub account whose action sent it; empty when absent
  std::string reason;             // Ignored and Malformed: for people
  // A pull request's pull_request.author_association: how its author is
  // related to the repository (OWNER, MEMBER, COLLABORATOR, CONTRIBUTOR,
  // FIRST_TIME_CONTRIBUTOR, FIRST_TIMER, NONE, ...); empty for pushes.
  std::string author_association;
};

Webhook parse_webhook(std::string_view event_header, std::string_view body);

// Whether an author_association says the author has not contributed to the
// repository before: FIRST_TIME_CONTRIBUTOR, FIRST_TIMER and NONE, and any
// value but OWNER, MEMBER, COLLABORATOR and CONTRIBUTOR (one GitHub may add
// later, or none at all), so that an unknown author is held rather than run.
bool is_first_time_contributor(std::string_view author_association);

}  // namespace github
