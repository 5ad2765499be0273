#include "github/webhook.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace github {
namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(FACTORY_GITHUB_FIXTURES) + "/" + name);
  if (!in) throw std::runtime_error("missing fixture " + name);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

#define EXPECT_KIND(hook, expected) EXPECT_EQ(to_string((hook).kind), to_string(expected)) << (hook).reason

void expect_public_repo(const RepositoryIdentity& repository) {
  EXPECT_EQ(repository.full_name, "baxterthehacker/public-repo");
  EXPECT_EQ(repository.owner, "baxterthehacker");
  EXPECT_EQ(repository.name, "public-repo");
  EXPECT_EQ(repository.html_url, "https://github.com/baxterthehacker/public-repo");
  EXPECT_EQ(repository.clone_url, "https://github.com/baxterthehacker/public-repo.git");
  EXPECT_EQ(repository.ssh_url, "git@github.com:baxterthehacker/public-repo.git");
}

TEST(WebhookTest, PushToABranch) {
  Webhook hook = parse_webhook("push", fixture("push_branch.json"));
  EXPECT_KIND(hook, WebhookKind::Event);
  expect_public_repo(hook.repository);
  EXPECT_EQ(hook.event.name, "push");
  EXPECT_EQ(hook.event.branch, "main");
  EXPECT_EQ(hook.event.tag, "");
  EXPECT_EQ(hook.event.sha, "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c");
  EXPECT_FALSE(hook.event.from_fork);
  EXPECT_EQ(hook.sender, "baxterthehacker");
  // Added, modified and removed over both commits, each once.
  EXPECT_EQ(hook.event.changed_paths, (std::vector<std::string>{".factory/build.hcl", "Makefile", "README.md",
                                                                "scripts/build.sh", "src/main.c"}));
}

// A body past the size whose parser is kept for the next delivery: read the
// same, and the kept parser still reads the next small body.
TEST(WebhookTest, ALargePushIsReadWholeAndSmallOnesAfterIt) {
  std::string paths;
  for (int i = 59999; i >= 0; --i) paths += "\"src/dir" + std::to_string(i % 600) + "/f" + std::to_string(i) + ".c\",";
  paths += "\"quoted \\\"name\\\".txt\", \"caf\u00e9.md\"";
  std::string push = fixture("push_branch.json");
  const std::string_view added = "\"added\": [";
  push.insert(push.find(added) + added.size(), paths + ",");
  ASSERT_GT(push.size(), 1024u * 1024);

  Webhook large = parse_webhook("push", push);
  EXPECT_KIND(large, WebhookKind::Event);
  EXPECT_EQ(large.event.changed_paths.size(), 60000u + 2 + 5);
  EXPECT_TRUE(std::is_sorted(large.event.changed_paths.begin(), large.event.changed_paths.end()));
  EXPECT_EQ(large.event.changed_paths.front(), ".factory/build.hcl");
  EXPECT_NE(std::find(large.event.changed_paths.begin(), large.event.changed_paths.end(), "quoted \"name\".txt"),
            large.event.changed_paths.end());
  EXPECT_NE(std::find(large.event.changed_paths.begin(), large.event.changed_paths.end(), "caf\u00e9.md"),
            large.event.changed_paths.end());

  Webhook small = parse_webhook("push", fixture("push_branch.json"));
  EXPECT_KIND(small, WebhookKind::Event);
  EXPECT_EQ(small.event.changed_paths.size(), 5u);
}

TEST(WebhookTest, PushOfAnAnnotatedTagRunsTheCommitItNames) {
  Webhook hook = parse_webhook("push", fixture("push_tag_annotated.json"));
  EXPECT_KIND(hook, WebhookKind::Event);
  EXPECT_EQ(hook.event.name, "tag");
  EXPECT_EQ(hook.event.tag, "v1.2.0");
  EXPECT_EQ(hook.event.branch, "");
  EXPECT_EQ(hook.event.sha, "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c");
  EXPECT_TRUE(hook.event.changed_paths.empty());
}

TEST(WebhookTest, DeletingABranchIsIgnored) {
  Webhook hook = parse_webhook("push", fixture("push_branch_deleted.json"));
  EXPECT_KIND(hook, WebhookKind::Ignored);
  EXPECT_EQ(hook.reason, "refs/heads/feature/old-parser was deleted");
  expect_public_repo(hook.repository);
}

TEST(WebhookTest, AnAllZeroAfterIsADeletionEvenWithoutTheFlag) {
  std::string body = fixture("push_branch_deleted.json");
  body.replace(body.find("\"deleted\": true"), 15, "\"deleted\": false");
  EXPECT_KIND(parse_webhook("push", body), WebhookKind::Ignored);
}

TEST(WebhookTest, PushToAnotherKindOfRefIsIgnored) {
  std::string body = fixture("push_branch.json");
  body.replace(body.find("refs/heads/main"), 15, "refs/notes/main");
  Webhook hook = parse_webhook("push", body);
  EXPECT_KIND(hook, WebhookKind::Ignored);
  EXPECT_NE(hook.reason.find("neither a branch nor a tag"), std::string::npos);
}

TEST(WebhookTest, PullRequestFromAFork) {
  Webhook hook = parse_webhook("pull_request", fixture("pull_request_opened_fork.json"));
  EXPECT_KIND(hook, WebhookKind::Event);
  expect_public_repo(hook.repository);
  EXPECT_EQ(hook.event.name, "pull_request");
  EXPECT_EQ(hook.event.sha, "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c");
  EXPECT_EQ(hook.event.branch, "changes");
  EXPECT_EQ(hook.event.target_branch, "main");
  EXPECT_TRUE(hook.event.from_fork);
  EXPECT_EQ(hook.sender, "octocat");
}

// Whether a fork's pull request waits for approval may hang on how its
// author is related to the repository (docs/people.md).
TEST(WebhookTest, PullRequestAuthorAssociation) {
  std::string body = fixture("pull_request_opened_fork.json");
  EXPECT_EQ(parse_webhook("pull_request", body).author_association, "");
  body.replace(body.find("\"head\": {"), 0, "\"author_association\": \"FIRST_TIME_CONTRIBUTOR\", ");
  Webhook hook = parse_webhook("pull_request", body);
  EXPECT_KIND(hook, WebhookKind::Event);
  EXPECT_EQ(hook.author_association, "FIRST_TIME_CONTRIBUTOR");
  for (const char* known : {"OWNER", "MEMBER", "COLLABORATOR", "CONTRIBUTOR"})
    EXPECT_FALSE(is_first_time_contributor(known)) << known;
  for (const char* first : {"FIRST_TIME_CONTRIBUTOR", "FIRST_TIMER", "NONE", "MANNEQUIN", "", "owner"})
    EXPECT_TRUE(is_first_time_contributor(first)) << first;
}

TEST(WebhookTest, PullRequestSynchronizedFromTheSameRepository) {
  Webhook hook = parse_webhook("pull_request", fixture("pull_request_synchronize.json"));
  EXPECT_KIND(hook, WebhookKind::Event);
  EXPECT_EQ(hook.event.sha, "b2f1c7e3a4d5968778695a4b3c2d1e0f9a8b7c6d");
  EXPECT_EQ(hook.event.branch, "release/2.0");
  EXPECT_EQ(hook.event.target_branch, "main");
  EXPECT_FALSE(hook.event.from_fork);
}

TEST(WebhookTest, PullRequestWhoseForkWasDeletedCountsAsFromAFork) {
  std::string body = fixture("pull_request_opened_fork.json");
  auto start = body.find("\"repo\": {");
  auto end = body.find('}', start);
  body.replace(start, end - start + 1, "\"repo\": null");
  Webhook hook = parse_webhook("pull_request", body);
  EXPECT_KIND(hook, WebhookKind::Event);
  EXPECT_TRUE(hook.event.from_fork);
}

TEST(WebhookTest, ReopenedPullRequestRunsAndClosedOneIsIgnored) {
  std::string body = fixture("pull_request_opened_fork.json");
  body.replace(body.find("\"opened\""), 8, "\"reopened\"");
  EXPECT_KIND(parse_webhook("pull_request", body), WebhookKind::Event);

  Webhook closed = parse_webhook("pull_request", fixture("pull_request_closed.json"));
  EXPECT_KIND(closed, WebhookKind::Ignored);
  EXPECT_EQ(closed.reason, "pull request action 'closed' starts no workflow");
  expect_public_repo(closed.repository);
}

TEST(WebhookTest, Ping) {
  Webhook hook = parse_webhook("ping", fixture("ping.json"));
  EXPECT_KIND(hook, WebhookKind::Ping);
  expect_public_repo(hook.repository);
}

TEST(WebhookTest, AnOrganisationPingHasNoRepository) {
  Webhook hook =
      parse_webhook("ping", R"({"zen": "Design for failure.", "hook_id": 42, "organization": {"login": "acme"}})");
  EXPECT_KIND(hook, WebhookKind::Ping);
  EXPECT_EQ(hook.repository.full_name, "");
}

TEST(WebhookTest, UnsupportedEventsAreIgnoredWithTheirName) {
  Webhook hook = parse_webhook("issues", fixture("issues_opened.json"));
  EXPECT_KIND(hook, WebhookKind::Ignored);
  EXPECT_EQ(hook.reason, "event 'issues' is not supported");
  expect_public_repo(hook.repository);
}

TEST(WebhookTest, MalformedBodiesSayWhatIsWrong) {
  struct Case {
    const char* event;
    std::string body;
    const char* reason;
  };
  std::string push = fixture("push_branch.json");
  std::string pull = fixture("pull_request_synchronize.json");
  auto edit = [](std::string body, std::string_view from, std::string_view to) {
    body.replace(body.find(from), from.size(), to);
    return body;
  };
  const Case cases[] = {
      {"", push, "X-GitHub-Event header is missing"},
      {"push", "{not json", "body is not a JSON object"},
      {"push", "[1, 2]", "body is not a JSON object"},
      // Errors in fields nothing reads, and bytes that are not UTF-8, still fail.
      {"push", edit(push, "\"deleted\": false", "\"deleted\": false, \"unread\": [1,]"), "body is not a JSON object"},
      {"push", edit(push, "\"deleted\": false", "\"deleted\": false, \"unread\": \"\xff\""),
       "body is not a JSON object"},
      {"push", R"({"ref": "refs/heads/main"})", "repository is missing"},
      {"push", edit(push, "\"ref\": \"refs/heads/main\"", "\"ref\": 7"), "ref is missing or not a non-empty string"},
      {"push", edit(push, "\"after\": \"0d1a26e6", "\"after\": \"zz1a26e6"),
       "after is not a commit id (40 or 64 hex digits)"},
      {"push", edit(push, "\"deleted\": false", "\"deleted\": \"no\""), "deleted is not a boolean"},
      {"push", edit(fixture("push_tag_annotated.json"), "\"commits\": []", "\"commits\": {}"),
       "commits is not an array"},
      {"push", edit(push, "\"full_name\": \"baxterthehacker/public-repo\"", "\"full_name\": \"public-repo\""),
       "repository.full_name 'public-repo' is not owner/name"},
      {"pull_request", edit(pull, "\"ref\": \"main\"", "\"ref\": \"\""),
       "pull_request.base.ref is missing or not a non-empty string"},
      {"pull_request", edit(pull, "\"action\": \"synchronize\"", "\"action\": null"),
       "action is missing or not a non-empty string"},
      // Names git or a shell would misread (core/git_ref.h).
      {"push", edit(push, "refs/heads/main", "refs/heads/$(id)"),
       "ref names '$(id)', which is not a valid branch or tag name: it contains '$', which a shell would act on"},
      {"push", edit(push, "refs/heads/main", "refs/tags/v 1"),
       "ref names 'v 1', which is not a valid branch or tag name: it contains a space"},
      {"push", edit(push, "refs/heads/main", "refs/heads/\\u001b[2J"),
       "ref names '\x1b[2J', which is not a valid branch or tag name: it contains a control character"},
      {"pull_request", edit(pull, "\"ref\": \"main\"", "\"ref\": \"main..x\""),
       "pull_request.base.ref names 'main..x', which is not a valid branch or tag name: it contains '..'"},
  };
  for (const Case& c : cases) {
    Webhook hook = parse_webhook(c.event, c.body);
    EXPECT_KIND(hook, WebhookKind::Malformed);
    EXPECT_EQ(hook.reason, c.reason) << c.body.substr(0, 60);
  }
}

}  // namespace
}  // namespace github
