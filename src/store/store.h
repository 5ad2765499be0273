// The persistence of FactoryCI: owners, projects, users and their sessions, API
// tokens, project secrets, the audit log, and the workflow queue with each workflow's tree (pipelines,
// stages, executions) and execution logs, behind one interface with three backends:
//   sqlite:PATH                               (default; one file, WAL mode)
//   mysql://user:pass@host:port/db            (also mariadb://; libmariadb)
//   postgres://user:pass@host:port/db         (also postgresql://; libpq)
// open() applies the schema migrations first, under a database-wide lock,
// so servers starting together do not race.
//
// Ids are UUID v7 text (lowercase 8-4-4-4-12): they sort by creation time,
// which is the order of every list. Timestamps are milliseconds since the
// Unix epoch.
//
// Thread-safety: a Store is safe to use from many threads at once. It holds a
// small pool of connections; each call borrows one, so a connection is only
// ever used by one thread at a time. A call that finds its connection dropped
// by the server reconnects and runs once more; callers see `unavailable` only
// when the database stays unreachable.
#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/plan.h"
#include "core/secret_scope.h"
#include "core/status.h"
#include "core/test_results.h"
#include "store/result.h"

namespace store {

using Timestamp = std::chrono::sys_time<std::chrono::milliseconds>;

struct Owner {
  std::string id;
  std::string name;
  Timestamp created_at;
};

// Which pull requests from forks wait for a person's approval before they
// run (docs/people.md): every one, those of first-time contributors only
// (GitHub's author_association FIRST_TIME_CONTRIBUTOR, FIRST_TIMER or NONE),
// or none.
enum class ForkApproval { All, FirstTime, Never };

std::string_view to_string(ForkApproval approval);  // "all", "first_time", "never"
std::optional<ForkApproval> parse_fork_approval(std::string_view text);

inline constexpr std::int64_t kDefaultCacheLimit = std::int64_t{10} << 30;  // 10 GiB
inline constexpr std::int64_t kLargestCacheLimit = std::int64_t{1} << 50;   // 1 PiB
inline constexpr int kDefaultArtifactRetentionDays = 30;
inline constexpr int kLongestArtifactRetentionDays = 3650;

struct Project {
  std::string id;
  std::string owner_id;
  std::string owner_name;
  std::string name;
  std::string url;
  std::string webhook_secret;  // for webhook verification; the API never returns it
  Timestamp created_at;
  Timestamp updated_at;
  // Whether a new push to a branch, or a new pull request update, cancels
  // the older unfinished workflows it supersedes (superseded_workflows).
  bool cancel_superseded_pushes = false;
  bool cancel_superseded_pull_requests = true;
  std::optional<std::int64_t> github_hook_id;  // the hook FactoryCI made on the repository, if any
  bool is_public = false;  // readable by everyone, signed in or not (docs/people.md)
  ForkApproval fork_pr_approval = ForkApproval::All;
  // Caches and artifacts (docs/storage.md, "Caches and artifacts"): the
  // bytes its cache entries may take before the least recently used go, how
  // long artifacts are kept, and the branch whose caches every branch and
  // pull request may read.
  std::int64_t cache_limit_bytes = kDefaultCacheLimit;
  int artifact_retention_days = kDefaultArtifactRetentionDays;
  std::string default_branch = "main";
};

struct NewProject {
  std::string owner;  // owner name; the owner is created when missing
  std::string name;
  std::string url;
  std::string webhook_secret;
  bool cancel_superseded_pushes = false;
  bool cancel_superseded_pull_requests = true;
  ForkApproval fork_pr_approval = ForkApproval::All;
};

// Fields left empty keep their value.
struct ProjectChanges {
  std::optional<std::string> name;
  std::optional<std::string> url;
  std::optional<std::string> webhook_secret;
  std::optional<bool> cancel_superseded_pushes;
  std::optional<bool> cancel_superseded_pull_requests;
  std::optional<bool> is_public;
  std::optional<ForkApproval> fork_pr_approval;
  std::optional<std::int64_t> cache_limit_bytes;    // 0..kLargestCacheLimit (0: nothing is kept)
  std::optional<int> artifact_retention_days;       // 1..kLongestArtifactRetentionDays
  std::optional<std::string> default_branch;        // a branch name (core::ref_name_problem)
};

// A person who signed in with GitHub (docs/people.md).
struct User {
  std::string id;
  std::int64_t github_id = 0;
  std::string login;
  std::string name;
  std::string avatar_url;
  Timestamp created_at;
  std::optional<Timestamp> last_sign_in_at;
};

// What GitHub said about a user as they signed in.
struct GitHubAccount {
  std::int64_t id = 0;
  std::string login;
  std::string name;
  std::string avatar_url;
};

// A signed-in user's session (docs/people.md#signing-in). The browser holds
// `secret` (in a cookie); the store keeps only its SHA-256. A session ends
// when it goes unused for `idle`, `lifetime` after it began, or on sign-out.
struct SessionPolicy {
  std::chrono::milliseconds idle{std::chrono::hours{12}};
  std::chrono::milliseconds lifetime{std::chrono::hours{7 * 24}};
};

struct Session {
  std::string id;
  User user;
  std::string csrf_token;  // state-changing requests made with the cookie carry it
  Timestamp created_at;
  Timestamp last_seen_at;
};

struct CreatedSession {
  Session session;
  std::string secret;
};

// What a token may do. Admin tokens use the REST API; agent tokens only the
// agent protocol (docs/agents.md), and those made for one workflow
// (`workflow_id` set) only for that workflow. Personal tokens act for the
// user who made them (docs/people.md), within their access and project.
enum class TokenScope { Admin, Agent, Personal };

// A personal token's access: Read reads only; Write does all its user may.
enum class TokenAccess { Read, Write };

struct ApiToken {
  std::string id;
  std::string name;
  TokenScope scope = TokenScope::Admin;
  std::string workflow_id;  // agent tokens of a provisioned agent: the one workflow they serve
  Timestamp created_at;
  std::optional<Timestamp> last_used_at;
  std::optional<Timestamp> revoked_at;
  // Personal tokens: their user, access, project (empty: every project) and end.
  std::string user_id;
  TokenAccess access = TokenAccess::Write;
  std::string project_id;
  std::optional<Timestamp> expires_at;
};

// A personal token to make; project_id may be empty (every project).
struct NewPersonalToken {
  std::string user_id;
  std::string name;
  TokenAccess access = TokenAccess::Read;
  std::string project_id;
  Timestamp expires_at;
};

// A grant of a role on a project to a GitHub login, who may not have signed
// in yet. Logins are kept in lowercase: GitHub's compare without case.
// Roles are "read", "write" and "admin".
struct ProjectMember {
  std::string login;
  std::string role;
};

// A freshly made token: `secret` is shown to the user once; only its
// SHA-256 is stored.
struct CreatedToken {
  ApiToken token;
  std::string secret;
};

// The AES-256 key project secrets are encrypted with (docs/secrets.md);
// `factory server` keeps it in <data-dir>/secrets.key.
using SecretsKey = std::array<unsigned char, 32>;

// A project secret as lists show it: never its value.
struct SecretInfo {
  std::string name;
  core::SecretScope scope;  // who may receive it (docs/secrets.md, "Scopes")
  Timestamp created_at;
  Timestamp updated_at;
};

// A project secret with its value, for the executions its scope reaches.
struct ProjectSecret {
  std::string name;
  std::string value;
  core::SecretScope scope;
};

// An environment of a project (docs/configuration.md#environments): the
// rules a pipeline naming it passes at its gate before it runs, and the
// secrets released to such pipelines alone (docs/secrets.md).
struct Environment {
  std::string name;                    // core::is_environment_name
  std::vector<std::string> approvers;  // GitHub logins (lowercase), or "writers"; empty: no approval needed
  std::vector<std::string> branches;   // globs the workflow's branch must match; empty: every branch
  std::chrono::milliseconds wait_timer{0};  // after approval (or the gate, without approvers), before it runs
  Timestamp created_at;
  Timestamp updated_at;
};

// A planned pipeline's gate as recorded: its settings from the plan
// (core::PipelineSpec) and what happened at it.
struct PipelineGate {
  std::string pipeline_id;
  std::string workflow_id;
  std::string project_id;
  std::string name;
  core::Status status = core::Status::Queued;
  std::string status_reason;
  std::string concurrency;  // empty: none
  bool cancel_in_progress = false;
  std::string environment;  // empty: none
  std::optional<Timestamp> entered_at;  // the first time its agent asked
  std::string approved_by;              // a caller's name
  std::optional<Timestamp> approved_at;
  std::string rejected_by;
};

// What take_concurrency_group found: the group is the pipeline's now; or
// another holds it (`workflow_id`, `pipeline` name and id are the holder's);
// or a newer pipeline waits for it too (they are the newer one's).
struct GroupClaim {
  enum class Outcome { Holding, Waiting, Superseded };
  Outcome outcome = Outcome::Holding;
  std::string workflow_id;
  std::string pipeline;
  std::string pipeline_id;
};

// Caches and artifacts (docs/storage.md, "Caches and artifacts"): rows
// naming blobs of the blob store (blobs/store.h) by their SHA-256 digest.
// A cache entry belongs to a project and a scope (a branch, or a pull
// request's own); its key is unique within them.
struct CacheEntry {
  std::string id;
  std::string project_id;
  std::string scope;
  std::string key;
  std::string name;  // the `cache` block's label, for people
  std::string digest;
  std::int64_t size = 0;
  Timestamp created_at;
  Timestamp last_used_at;
};

// What a cache lookup asks: `key` exactly in each scope in order, else for
// each restore key in order the newest entry (by created_at) whose key
// starts with it, scopes in order again.
struct CacheQuery {
  std::string project_id;
  std::vector<std::string> scopes;
  std::string key;
  std::vector<std::string> restore_keys;
};

struct CacheHit {
  CacheEntry entry;
  bool exact = false;  // the key itself, not a restore key's prefix
};

// What commit_cache_entry did: made the entry, or found one of the same
// project, scope and key (another agent saved it first: nothing to do).
// Either way, the least recently used entries of the project then went
// while its entries took more than its limit; `evicted` says how many.
struct CacheCommit {
  CacheEntry entry;
  bool created = false;
  std::int64_t evicted = 0;
};

struct Artifact {
  std::string id;
  std::string workflow_id;
  std::string execution_id;
  std::string path;  // within the execution: "dist/app.tar.gz"
  std::string digest;
  std::int64_t size = 0;
  Timestamp created_at;
  Timestamp expires_at;  // created_at + the project's artifact_retention_days
};

// Keyset pagination: items with ids after `after` (empty: from the start),
// at most `limit` of them (1..1000).
struct PageRequest {
  std::string after;
  int limit = 50;
};

template <class T>
struct Page {
  std::vector<T> items;
  std::string next;  // pass as `after` for the next page; empty on the last page
};

// An entry of the audit log (docs/people.md, "Audit log"): a request that
// was let in and did what it asked. Entries outlive what they name: a
// deleted project's stay, with its id.
struct AuditEntry {
  std::string id;          // UUID v7, given by record_audit_entry
  Timestamp at;            // given by record_audit_entry
  std::string actor;       // who: a login, or "admin token NAME" (api::Caller::name)
  std::string user_id;     // the actor's user, when a user; empty otherwise
  std::string action;      // "project.delete", "workflow.cancel"...
  std::string project_id;  // empty: the action concerns no project
  std::string detail;      // for people: what it was about ("secret NPM_TOKEN")
  std::string address;     // the client's IP address
};

// Which entries a list shows: empty fields do not filter.
struct AuditFilter {
  std::string project_id;
  std::string actor;
  std::string action;
};

// A status for GitHub, waiting in the outbox (docs/github.md). With
// OpenOptions::queue_commit_statuses, the transactions that change
// statuses queue them: a new workflow one of its own (queued), a recorded
// plan one per pipeline (queued, or skipped), and each that ends a pipeline
// or a workflow one with its final status.
struct QueuedCommitStatus {
  std::string id;  // UUID v7: the outbox's order
  std::string workflow_id;
  std::string project_id;
  std::string owner;       // the project's owner name and name: the repository
  std::string repository;
  std::string sha;
  std::string pipeline;  // empty: the workflow as a whole
  core::Status status = core::Status::Queued;
  std::string reason;
};

// What a rerun runs again (docs/api.md, "Re-running part of a workflow"):
// all of the workflow it repeats, its failed executions, or one execution;
// with what depends on them.
enum class RerunSelection { All, Failed, Execution };

std::string_view to_string(RerunSelection selection);  // "all", "failed", "execution"

// Who asked for a workflow (docs/people.md): a caller's name
// (api::Caller::name) for triggers and reruns, the GitHub login that sent a
// webhook's event; and, for a rerun, the workflow it repeats. Empty: unknown.
struct WorkflowOrigin {
  std::string triggered_by;
  std::string rerun_of;
  // A rerun's selection, the execution it names (Execution only), and the
  // ids of the executions of rerun_of whose results it keeps instead of
  // running them again. `kept` is written with the workflow and not read
  // back with it: the recorded tree says what was kept (Execution::kept_from).
  RerunSelection rerun_selection = RerunSelection::All;
  std::string rerun_execution;
  std::vector<std::string> kept;
};

// One run of a project's pipelines for one event (docs/storage.md, "The
// workflow queue").
struct Workflow {
  std::string id;
  std::string project_id;
  std::string delivery_id;  // X-GitHub-Delivery; the workflow's own id when none was given
  core::Event event;
  core::Status status = core::Status::Queued;
  std::string status_reason;  // for people: why it ended so (or was requeued); often empty
  int attempt = 1;            // a requeue after a lost lease adds one
  // The agent running it, empty unless running: its name, and for pool
  // agents then '#' and a digest of the lease the claim made (docs/agents.md).
  std::string lease_owner;
  std::optional<Timestamp> lease_expires_at;
  Timestamp created_at;
  std::optional<Timestamp> started_at;   // when the current attempt was claimed
  std::optional<Timestamp> finished_at;  // set with a final status
  std::optional<Timestamp> cancel_requested_at;  // a cancel asked of its agent, not yet confirmed
  WorkflowOrigin origin;
  std::string cancelled_by;  // who cancelled it (a caller's name); empty for none, or a newer push
  // Whether it was recorded waiting_for_approval (a pull request from a
  // fork, docs/people.md), and who approved it (a caller's name) and when.
  bool approval_required = false;
  std::string approved_by;
  std::optional<Timestamp> approved_at;
};

// Schedules (docs/configuration.md#schedules): when workflows with event
// "cron" are queued for the head of a branch. A project's own are made
// through the API; declared ones come from a branch's `.factory/`
// (replace_declared_schedules) and change only there.
enum class ScheduleSource { Api, Config };
std::string_view to_string(ScheduleSource source);  // "api", "config"

// What a schedule says. The store checks each field: a name as
// core::schedule_name_problem wants, a cron expression and a time zone that
// cron/cron.h reads, a branch name as core::ref_name_problem wants.
struct ScheduleSpec {
  std::string name;
  std::string cron;
  std::string branch;
  std::string timezone = "UTC";
};

struct Schedule {
  std::string id;
  std::string project_id;
  ScheduleSource source = ScheduleSource::Api;
  ScheduleSpec spec;
  // Slots before it never run: when the schedule was made, or when its
  // cron, time zone or branch last changed.
  Timestamp active_since;
  Timestamp created_at;
  Timestamp updated_at;
  std::optional<Timestamp> last_slot_at;  // the latest slot that ran, and its workflow
  std::string last_workflow_id;
};

// Fields left empty keep their value.
struct ScheduleChanges {
  std::optional<std::string> name;
  std::optional<std::string> cron;
  std::optional<std::string> branch;
  std::optional<std::string> timezone;
};

// The workflow of one slot of a schedule: `event` is a cron event with the
// schedule's name, its branch and the head read there.
struct ScheduledRun {
  std::string schedule_id;
  Timestamp slot;
  core::Event event;
};

// How long the slots that ran are remembered, per schedule: a slot older
// than this could run again, so the scheduler's catch-up window stays shorter.
inline constexpr std::chrono::hours kScheduleRunHistory{24 * 30};

// A renewed lease, and whether the workflow's agent is asked to cancel it.
struct Lease {
  Timestamp expires_at;
  bool cancel_requested = false;
};

// A workflow to queue for a project's delivery (see enqueue_workflow).
struct WorkflowRequest {
  std::string project_id;
  std::string delivery_id;
  core::Event event;
  WorkflowOrigin origin;
  bool wait_for_approval = false;  // recorded waiting_for_approval instead of queued
};

struct EnqueuedWorkflow {
  std::string id;
  bool duplicate = false;  // the delivery was seen before: `id` is the first one's workflow
};

// What expire_leases did: workflows queued again, and those given up (error).
struct ExpiredLeases {
  std::vector<std::string> requeued;
  std::vector<std::string> failed;
};

// The workflow tree, as recorded from a core::Plan. Positions count from 0
// in plan order; skipped pipelines follow the planned ones.
struct Execution {
  std::string id;
  int position = 0;
  std::string name;
  core::Status status = core::Status::Queued;
  std::string status_reason;
  std::optional<int> exit_code;
  std::optional<Timestamp> started_at;
  std::optional<Timestamp> finished_at;
  // In a rerun, the execution of the same pipeline, stage and name that ran
  // in an earlier workflow (never one that was itself kept): the one whose
  // result this one kept without running, or the earlier attempt of one that
  // ran again. Empty for neither.
  std::string kept_from;
  std::string rerun_of;
};

struct Stage {
  std::string id;
  int position = 0;
  std::string name;
  core::Status status = core::Status::Queued;
  std::string status_reason;
  std::optional<Timestamp> started_at;
  std::optional<Timestamp> finished_at;
  std::vector<Execution> executions;
};

struct Pipeline {
  std::string id;
  int position = 0;
  std::string name;
  std::vector<std::string> depends_on;  // the names of the pipelines it waited for (the plan's)
  core::Status status = core::Status::Queued;
  std::string status_reason;  // a skipped pipeline's: why the filter left it out
  std::optional<Timestamp> started_at;
  std::optional<Timestamp> finished_at;
  std::vector<Stage> stages;
};

struct WorkflowTree {
  Workflow workflow;
  std::vector<Pipeline> pipelines;
};

// A status change of a pipeline, stage or execution. Running sets
// started_at, a final status finished_at; exit_code is kept for executions.
struct StatusChange {
  core::Status status;
  std::string reason;
  std::optional<int> exit_code;
  std::optional<Timestamp> at;  // when it happened (an agent's clock); default: now
};

enum class LogStream { Stdout, Stderr, System };  // System: lines FactoryCI itself wrote

std::string_view to_string(LogStream stream);  // "stdout", "stderr", "system"

// One line of an execution's output. `seq` is given by the writer (the agent
// numbers its lines from 1), so sending a batch again after a lost answer
// stores each line once.
struct LogLine {
  std::int64_t seq = 0;
  LogStream stream = LogStream::Stdout;
  Timestamp at;
  std::string text;
};

// What a workflow's agent reports about its tree: lines of its executions'
// output, status changes of its nodes in the order they happened, and test
// results of executions (recorded before the changes).
enum class TreeNode { Pipeline, Stage, Execution };
struct NodeStatusChange {
  TreeNode node;
  std::string id;
  StatusChange change;
};
struct ExecutionLines {
  std::string execution_id;
  std::vector<LogLine> lines;
};
// The test results of an execution (core/test_results.h), from its reports.
struct ExecutionTests {
  std::string execution_id;
  core::TestResults results;
};
struct TreeReport {
  std::vector<ExecutionLines> logs;
  std::vector<NodeStatusChange> changes;
  std::vector<ExecutionTests> tests;  // each replaces what its execution had
};

class Store {
 public:
  virtual ~Store() = default;

  virtual Result<Owner> create_owner(std::string_view name) = 0;
  virtual Result<Owner> get_owner(std::string_view id) = 0;
  virtual Result<Owner> find_owner(std::string_view name) = 0;
  virtual Result<Page<Owner>> list_owners(const PageRequest& page) = 0;
  virtual Result<Owner> rename_owner(std::string_view id, std::string_view name) = 0;
  virtual Status delete_owner(std::string_view id) = 0;  // conflict while it has projects

  virtual Result<Project> create_project(const NewProject& project) = 0;
  virtual Result<Project> get_project(std::string_view id) = 0;
  virtual Result<Project> find_project_by_url(std::string_view url) = 0;
  // The project `name` of the owner named `owner` (a repository's owner/name).
  virtual Result<Project> find_project_by_name(std::string_view owner, std::string_view name) = 0;
  // All projects, or with owner_id set only that owner's.
  virtual Result<Page<Project>> list_projects(const PageRequest& page, std::string_view owner_id = {}) = 0;
  virtual Result<Project> update_project(std::string_view id, const ProjectChanges& changes) = 0;
  virtual Status delete_project(std::string_view id) = 0;
  // Records (or, with nullopt, forgets) the GitHub hook made for a project.
  virtual Status set_github_hook(std::string_view project_id, std::optional<std::int64_t> hook_id) = 0;

  // Users. sign_in_user records a sign-in: it creates the user of a GitHub
  // account seen for the first time, or brings their login, name and
  // picture up to date (a login another account held before moves to this
  // one), and sets last_sign_in_at.
  virtual Result<User> sign_in_user(const GitHubAccount& account) = 0;
  virtual Result<User> get_user(std::string_view id) = 0;
  virtual Result<User> find_user(std::string_view login) = 0;  // not_found when unknown
  virtual Result<Page<User>> list_users(const PageRequest& page) = 0;

  // Sessions, on the clock of the caller (`now`), so that expiry can be
  // tested. create_session also forgets sessions that expired under `policy`.
  // use_session: the live session of a secret, its last_seen_at brought to
  // `now` (at most once a minute, so that most requests only read); not_found
  // for an unknown, ended or expired one (which it deletes).
  virtual Result<CreatedSession> create_session(std::string_view user_id, Timestamp now,
                                                const SessionPolicy& policy) = 0;
  virtual Result<Session> use_session(std::string_view secret, Timestamp now, const SessionPolicy& policy) = 0;
  virtual Status end_session(std::string_view secret) = 0;  // nothing for an unknown secret
  // The state of a sign-in under way (OAuth's `state`), kept for `lifetime`
  // (saving one forgets those expired); take_sign_in_state returns
  // its return_to once: not_found when unknown, already taken or expired.
  virtual Status save_sign_in_state(std::string_view state, std::string_view return_to, Timestamp now,
                                    std::chrono::milliseconds lifetime) = 0;
  virtual Result<std::string> take_sign_in_state(std::string_view state, Timestamp now) = 0;

  virtual Result<CreatedToken> create_token(std::string_view name, TokenScope scope = TokenScope::Admin,
                                            std::string_view workflow_id = {}) = 0;
  // The server's admin and agent tokens, not those of one workflow nor personal ones.
  virtual Result<std::vector<ApiToken>> list_tokens() = 0;
  virtual Status revoke_token(std::string_view id) = 0;
  // The token a secret belongs to; not_found for unknown or revoked secrets.
  // Records last_used_at at most once a minute per token, so that checking
  // a token on every request stays a read.
  virtual Result<ApiToken> verify_token(std::string_view secret) = 0;
  // Forgets the tokens made for one workflow, once it has ended.
  virtual Status delete_workflow_tokens(std::string_view workflow_id) = 0;

  // Personal tokens (docs/people.md). verify_token refuses them once
  // expired, as it does revoked ones. The user must exist (not_found) and
  // so must the project of a one-project token. An expiry already past
  // makes a token that never works (tests use that; the API adds days to now).
  virtual Result<CreatedToken> create_personal_token(const NewPersonalToken& token) = 0;
  // The unrevoked personal tokens of one user, or with an empty user_id of
  // everyone, oldest first; expired ones too, until they are revoked.
  virtual Result<std::vector<ApiToken>> list_personal_tokens(std::string_view user_id = {}) = 0;
  // Revokes a personal token of `user_id`, or with an empty user_id anyone's
  // (for admins); not_found for another user's token, a revoked one and any
  // token that is not personal.
  virtual Status revoke_personal_token(std::string_view id, std::string_view user_id = {}) = 0;

  // Grants (docs/people.md). set_member creates or replaces the grant of a
  // login (1..39 letters, digits and single hyphens, as GitHub's) on a
  // project (not_found when unknown); true when it created one.
  virtual Result<bool> set_member(std::string_view project_id, std::string_view login, std::string_view role) = 0;
  virtual Status remove_member(std::string_view project_id, std::string_view login) = 0;  // not_found without a grant
  // A project's grants sorted by login.
  virtual Result<std::vector<ProjectMember>> list_members(std::string_view project_id) = 0;
  // The role granted to a login on a project; empty without a grant.
  virtual Result<std::string> member_role(std::string_view project_id, std::string_view login) = 0;

  // Project secrets, encrypted with OpenOptions::secrets_key; without a key
  // every call is `unavailable`. Names are environment variable names
  // ([A-Za-z_][A-Za-z0-9_]*, at most 255 bytes) outside the reserved ones
  // (FACTORY_*, LD_*, CI, HOME, PATH, PWD, SHELL); values have 4 bytes to
  // 64 KiB and no NUL; a scope must pass config::secret_scope_error. An
  // unknown project is not_found.
  // set_secret creates or replaces a secret, value and scope; true when it
  // created one.
  virtual Result<bool> set_secret(std::string_view project_id, std::string_view name, std::string_view value,
                                  const core::SecretScope& scope) = 0;
  virtual Status delete_secret(std::string_view project_id, std::string_view name) = 0;
  // Names, scopes and timestamps, sorted by name.
  virtual Result<std::vector<SecretInfo>> list_secrets(std::string_view project_id) = 0;
  // Every secret with its value and scope, sorted by name: the caller
  // decides which of them a workflow gets (config::secret_reaches). A value
  // that does not decrypt (another key, a damaged row) is an internal error
  // naming the secret.
  virtual Result<std::vector<ProjectSecret>> project_secrets(std::string_view project_id) = 0;

  // Environments (docs/configuration.md#environments). set_environment
  // creates or replaces one's rules (true when it created it); at most 100
  // approvers (logins as set_member takes them, or "writers") and 100
  // branch globs of at most 255 bytes, a wait timer of 0 to 30 days. An
  // unknown project is not_found. Deleting one deletes its secrets.
  virtual Result<bool> set_environment(std::string_view project_id, const Environment& environment) = 0;
  virtual Result<Environment> get_environment(std::string_view project_id, std::string_view name) = 0;
  virtual Result<std::vector<Environment>> list_environments(std::string_view project_id) = 0;  // by name
  virtual Status delete_environment(std::string_view project_id, std::string_view name) = 0;
  // Environment secrets: as project secrets are (names, values, the key),
  // without scopes: an environment's secrets reach its pipelines only.
  // not_found for an unknown environment.
  virtual Result<bool> set_environment_secret(std::string_view project_id, std::string_view environment,
                                              std::string_view name, std::string_view value) = 0;
  virtual Status delete_environment_secret(std::string_view project_id, std::string_view environment,
                                           std::string_view name) = 0;
  virtual Result<std::vector<SecretInfo>> list_environment_secrets(std::string_view project_id,
                                                                   std::string_view environment) = 0;
  virtual Result<std::vector<ProjectSecret>> environment_secrets(std::string_view project_id,
                                                                 std::string_view environment) = 0;

  // Pipeline gates (docs/agents.md, "The pipeline gate"). enter_gate: the
  // gate of pipeline `pipeline_id` of workflow `workflow_id` (not_found
  // otherwise), its entered_at set the first time. get_pipeline_gate: any
  // pipeline's. wait_at_gate: a pipeline not yet running waits, with
  // `status` (queued or waiting_for_approval) and `reason`; conflict for
  // one that runs or ended.
  virtual Result<PipelineGate> enter_gate(std::string_view workflow_id, std::string_view pipeline_id) = 0;
  virtual Result<PipelineGate> get_pipeline_gate(std::string_view pipeline_id) = 0;
  virtual Status wait_at_gate(std::string_view pipeline_id, core::Status status, std::string_view reason) = 0;
  // Records a person's decision on a pipeline waiting for approval: an
  // approval queues it again; a rejection leaves it waiting, to be
  // cancelled at its next ask. Conflict for one not waiting, or decided.
  virtual Result<PipelineGate> decide_approval(std::string_view pipeline_id, std::string_view by, bool approve) = 0;
  // Takes the pipeline's concurrency group (project, gate.concurrency) in
  // one transaction, under the group's unique key: at most one pipeline
  // holds a group, whichever server asks. A holder whose pipeline ended, or
  // whose workflow ended or lost its lease (`now` past it), lets go. A
  // pipeline of a newer workflow waiting for the group supersedes this
  // one. Waiting marks the pipeline waiting (its reason names the holder).
  // Two takers racing for a free group: one gets conflict, and asks again.
  virtual Result<GroupClaim> take_concurrency_group(const PipelineGate& gate, Timestamp now) = 0;
  virtual Result<std::string> project_of_pipeline(std::string_view pipeline_id) = 0;

  // The workflow queue. enqueue_workflow records a queued workflow for a
  // delivery in one transaction; a (project, delivery id) pair seen before
  // returns the first workflow's id with `duplicate` set, also when the same
  // delivery arrives on several connections at once. not_found for an
  // unknown project. An empty delivery id never repeats.
  virtual Result<EnqueuedWorkflow> enqueue_workflow(std::string_view project_id, std::string_view delivery_id,
                                                    const core::Event& event, const WorkflowOrigin& origin = {}) = 0;
  // The same for many requests, in one transaction when they can be (a
  // group commit: one commit for many deliveries); results in request
  // order, and a request that cannot be queued fails alone. A request with
  // wait_for_approval records its workflow waiting_for_approval: no claim
  // finds it until approve_workflow queues it.
  virtual std::vector<Result<EnqueuedWorkflow>> enqueue_workflows(std::span<const WorkflowRequest> requests) = 0;
  // Queues a workflow waiting for approval, recording who approved it (a
  // caller's name) and when; conflict for a workflow not waiting (already
  // approved, cancelled, or one that never waited).
  virtual Result<Workflow> approve_workflow(std::string_view id, std::string_view approved_by) = 0;
  // Marks the oldest queued workflow (of one project, when given) running,
  // leased to `agent` until now + lease; each workflow goes to one claimer
  // only. Nothing queued: an empty optional.
  virtual Result<std::optional<Workflow>> claim_next_workflow(std::string_view agent, std::chrono::milliseconds lease,
                                                              std::string_view project_id = {}) = 0;
  // Extends the lease to now + lease; conflict unless `agent` holds it.
  virtual Result<Lease> renew_lease(std::string_view workflow_id, std::string_view agent,
                                    std::chrono::milliseconds lease) = 0;
  // Asks the agent of a running workflow to cancel it: its next lease
  // renewal says so, whichever server it talks to. Nothing for a workflow
  // not running or already asked. Durable, so a restart forgets no cancel.
  // `by` (a caller's name; empty for none) becomes the workflow's cancelled_by.
  virtual Status request_cancel(std::string_view workflow_id, std::string_view by = {}) = 0;
  // Running workflows whose cancel was asked before `asked_before` and never
  // confirmed by their agent.
  virtual Result<std::vector<std::string>> unconfirmed_cancels(Timestamp asked_before) = 0;
  // Running workflows whose lease ended before `at`: those on an attempt
  // below max_attempts are queued again (attempt + 1, their partial tree and
  // logs dropped); the others end as error.
  virtual Result<ExpiredLeases> expire_leases(Timestamp at, int max_attempts = 2) = 0;
  // Moves a workflow to a final status (core::can_transition decides;
  // conflict otherwise). Running comes only from a claim. When a workflow
  // is cancelled or errors, its unfinished pipelines, stages and executions
  // take the same status. `cancelled_by` (a caller's name), when given with
  // Cancelled, is recorded; otherwise the one a cancel request left stays.
  virtual Result<Workflow> finish_workflow(std::string_view id, core::Status status, std::string_view reason = {},
                                           std::string_view cancelled_by = {}) = 0;
  virtual Result<Workflow> get_workflow(std::string_view id) = 0;
  // A project's workflows, newest first; `after` is the last id of the previous
  // page. Their events carry no changed paths (get_workflow's do).
  virtual Result<Page<Workflow>> list_workflows(std::string_view project_id, const PageRequest& page) = 0;
  // The project's unfinished workflows (waiting for approval, queued or
  // running) older than `newer_id` that a workflow for `event` supersedes,
  // oldest first: pushes to the same branch, or pull request updates with
  // the same source and target branches, from a fork or not as `event` is
  // (anyone may open a pull request from a fork: it never cancels the
  // repository's own). Tags and manual runs supersede nothing. Their events
  // carry no changed paths.
  virtual Result<std::vector<Workflow>> superseded_workflows(std::string_view project_id, std::string_view newer_id,
                                                             const core::Event& event) = 0;
  virtual Result<WorkflowTree> get_workflow_tree(std::string_view id) = 0;
  // One execution of a workflow's tree; not_found when there is none.
  virtual Result<Execution> get_execution(std::string_view id) = 0;
  // The project a workflow, or an execution, belongs to (for access checks); not_found when unknown.
  virtual Result<std::string> project_of_workflow(std::string_view workflow_id) = 0;
  virtual Result<std::string> project_of_execution(std::string_view execution_id) = 0;
  // Whether a delivery id queued a workflow of the project.
  virtual Result<bool> delivery_seen(std::string_view project_id, std::string_view delivery_id) = 0;

  // Schedules. create_schedule makes an API schedule (not_found for an
  // unknown project; conflict when the project has one of that name and
  // branch). list_schedules gives a project's, or with an empty id every
  // project's, sorted by name, branch and source. update_schedule and
  // delete_schedule change API schedules only: a declared one is a
  // conflict (it changes in `.factory/`).
  virtual Result<Schedule> create_schedule(std::string_view project_id, const ScheduleSpec& spec) = 0;
  virtual Result<Schedule> get_schedule(std::string_view id) = 0;
  virtual Result<std::vector<Schedule>> list_schedules(std::string_view project_id = {}) = 0;
  virtual Result<Schedule> update_schedule(std::string_view id, const ScheduleChanges& changes) = 0;
  virtual Status delete_schedule(std::string_view id) = 0;
  // Makes the schedules declared for `branch` those `declared` lists, as
  // read from that branch's head, in one transaction: new ones made,
  // changed ones updated (keeping their id and their runs), the others
  // deleted. All are checked first; one invalid changes nothing.
  virtual Status replace_declared_schedules(std::string_view project_id, std::string_view branch,
                                            std::span<const ScheduleSpec> declared) = 0;
  // Whether a slot of a schedule ran (a cheap look before reading a branch).
  virtual Result<bool> slot_taken(std::string_view schedule_id, Timestamp slot) = 0;
  // Queues the workflow of a slot and records the slot, in one transaction:
  // the first caller for a (schedule, slot), on any server, gets the
  // workflow; every later one nullopt. not_found for an unknown schedule.
  // Slots older than kScheduleRunHistory before this one are forgotten.
  virtual Result<std::optional<EnqueuedWorkflow>> enqueue_scheduled_workflow(const ScheduledRun& run) = 0;

  // The commit status outbox: the oldest `limit` queued statuses, and
  // taking one out once GitHub has it.
  virtual Result<std::vector<QueuedCommitStatus>> queued_commit_statuses(int limit) = 0;
  virtual Status delete_commit_status(std::string_view id) = 0;

  // Records the plan of a workflow that has not ended, once (conflict on a
  // second plan): planned pipelines, their stages and executions queued,
  // the plan's skipped pipelines as skipped with their reasons. In a rerun,
  // each execution of the same pipeline, stage and name as one of rerun_of
  // gets rerun_of; those the rerun keeps (WorkflowOrigin::kept) get its
  // final status, exit code and "kept from workflow <id>" instead, and
  // kept_from.
  virtual Result<WorkflowTree> record_plan(std::string_view workflow_id, const core::Plan& plan) = 0;
  // Status changes of the tree's nodes, under core::can_transition (conflict otherwise).
  virtual Status set_pipeline_status(std::string_view id, const StatusChange& change) = 0;
  virtual Status set_stage_status(std::string_view id, const StatusChange& change) = 0;
  virtual Status set_execution_status(std::string_view id, const StatusChange& change) = 0;

  // An agent's report on the tree of workflow `workflow_id`, applied whole or
  // not at all, in one transaction:
  //  - every id is a node of that workflow's tree (not_found otherwise);
  //  - a finished execution takes no new line: lines whose seq it has are
  //    skipped (the batch was sent again after a lost answer), others are a
  //    conflict;
  //  - a node's changes apply in order under core::can_transition; a change
  //    to the status a node has is skipped, and a finished node already at
  //    the report's last status for it skips them all (sent again); any
  //    other change of a finished node, or one can_transition forbids, is a
  //    conflict;
  //  - an execution's test results replace those it had, whatever its
  //    status (they come before the change that ends it, or again with the
  //    batch); more than core/test_results.h bounds is invalid.
  // Each id is looked up once, by key and scoped to the workflow.
  virtual Status record_report(std::string_view workflow_id, const TreeReport& report) = 0;

  // The audit log. record_audit_entry gives the entry its id and time and
  // stores it; actor and action are required (at most 300 and 64 bytes), ids
  // are UUIDs when given, the detail is cut to 4 KiB. list_audit_entries
  // pages newest first: `after` is the last id of the previous page.
  // prune_audit_entries deletes at most `batch` (1..10000) of the oldest
  // entries made before `before`, in one short transaction, and says how
  // many; call it again while it returns `batch`.
  virtual Result<AuditEntry> record_audit_entry(const AuditEntry& entry) = 0;
  virtual Result<Page<AuditEntry>> list_audit_entries(const AuditFilter& filter, const PageRequest& page) = 0;
  virtual Result<std::int64_t> prune_audit_entries(Timestamp before, int batch) = 0;

  // Caches (docs/storage.md, "Caches and artifacts"). Scopes are 1..270
  // bytes, keys 1..400 bytes of UTF-8 without control characters, names at
  // most 100 bytes, digests SHA-256 hex (blobs::is_digest); an unknown
  // project is not_found. find_cache_entry looks as CacheQuery says and
  // sets the hit's last_used_at to `now`; nullopt for a miss.
  // commit_cache_entry records an entry used `now`, unless its scope and key
  // have one (CacheCommit), pins its digest (pin_blob) in the same
  // transaction, and evicts; an entry larger than the project's limit is
  // invalid. The project's entries by scope then key; deleting one not of
  // the project is not_found; delete_cache_entries says how many went.
  virtual Result<std::optional<CacheHit>> find_cache_entry(const CacheQuery& query, Timestamp now) = 0;
  virtual Result<CacheCommit> commit_cache_entry(const CacheEntry& entry, Timestamp now) = 0;
  virtual Result<std::vector<CacheEntry>> list_cache_entries(std::string_view project_id) = 0;
  virtual Status delete_cache_entry(std::string_view project_id, std::string_view entry_id) = 0;
  virtual Result<std::int64_t> delete_cache_entries(std::string_view project_id) = 0;

  // Artifacts. add_artifact records one of an execution of `workflow_id`
  // (not_found otherwise), path 1..700 bytes, expiring after the project's
  // retention from `now`, and pins its digest in the same transaction; the
  // same path with the same digest again returns the first (an agent
  // sending again after a lost answer), with another digest is a conflict.
  // list_artifacts: a workflow's, by execution then path. Expired ones
  // stay until delete_expired_artifacts, which deletes at most `batch`
  // (1..10000) of those expired at `now` and says how many.
  virtual Result<Artifact> add_artifact(const Artifact& artifact, Timestamp now) = 0;
  virtual Result<std::vector<Artifact>> list_artifacts(std::string_view workflow_id) = 0;
  // An execution's, by path, expired ones included (a rerun hands on those
  // of the executions it keeps).
  virtual Result<std::vector<Artifact>> list_execution_artifacts(std::string_view execution_id) = 0;
  virtual Result<Artifact> get_artifact(std::string_view id) = 0;
  virtual Result<std::int64_t> delete_expired_artifacts(Timestamp now, int batch) = 0;

  // The test results a workflow's executions reported (record_report), by
  // execution id: in the order the plan recorded them.
  virtual Result<std::vector<ExecutionTests>> list_test_results(std::string_view workflow_id) = 0;

  // Blobs, as the rows above name them. blob_readable: whether `digest` is
  // a cache entry's of the project in one of `scopes`, or an artifact's of
  // workflow `workflow_id`. forget_blob deletes every entry and artifact
  // naming it (a corrupt blob) and says how many.
  // pin_blob marks a digest uploaded `now`. prune_blob calls `remove` for a
  // digest nothing names and that was not pinned since `pinned_before`,
  // inside a transaction that holds the digest's pin row, so that a
  // pin_blob (and so a commit_cache_entry or add_artifact) of the same digest
  // waits for it; true when `remove` ran and returned true. The pin is
  // forgotten once stale.
  virtual Result<bool> blob_readable(std::string_view digest, std::string_view project_id,
                                     std::span<const std::string> scopes, std::string_view workflow_id) = 0;
  virtual Result<std::int64_t> forget_blob(std::string_view digest) = 0;
  virtual Status pin_blob(std::string_view digest, Timestamp now) = 0;
  virtual Result<bool> prune_blob(std::string_view digest, Timestamp pinned_before,
                                  const std::function<bool()>& remove) = 0;

  // Execution logs: append in batches (a seq already stored is skipped);
  // read the lines after `after_seq` in order, at most `limit` (1..1000).
  virtual Status append_log(std::string_view execution_id, const std::vector<LogLine>& lines) = 0;
  virtual Result<std::vector<LogLine>> read_log(std::string_view execution_id, std::int64_t after_seq,
                                                int limit = 1000) = 0;
};

struct OpenOptions {
  int pool_size = 8;  // connections kept at most; calls beyond wait for one
  std::optional<SecretsKey> secrets_key;  // none: the secret calls answer `unavailable`
  bool queue_commit_statuses = false;     // fill the commit status outbox (a server that reports to GitHub)
};

Result<std::unique_ptr<Store>> open(std::string_view url, const OpenOptions& options = {});

}  // namespace store
