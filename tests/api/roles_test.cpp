// The role table: every route, called by a caller of each role, refuses
// those below the role it declares (401 anonymous, 404 without read, 403
// with read but less) and lets the others through; and docs/api.md lists
// exactly these routes with the same roles.
#include <fstream>
#include <optional>
#include <regex>
#include <set>
#include <tuple>

#include "blobs/directory_store.h"
#include "blobs/sha256.h"
#include "people_fixture.h"
#include "temp_dir.h"
#include "test_paths.h"

namespace api::testing {
namespace {

using namespace std::chrono_literals;

// A route as the table lists it: method, pattern and who may call it (the
// router's access label, "project:write", or "public").
using RouteRow = std::tuple<std::string, std::string, std::string>;

// Routes of the server itself, next to the API's (http::Server adds them).
const std::vector<RouteRow> kServerRoutes{{"GET", "/healthz", "public"}, {"GET", "/metrics", "server:admin"}};

std::string label_of(const http::Route& route) {
  if (route.options.is_public) return "public";
  return route.options.access;
}

// The rows of the table under "## Routes and roles" in docs/api.md.
std::set<RouteRow> documented_routes() {
  std::ifstream file{testpaths::source_dir() / "docs/api.md"};
  const std::regex row{R"(^\| `([A-Z]+)` \| `([^`]+)` \| `([a-z:]+)` \| .+\|$)"};
  std::set<RouteRow> rows;
  bool in_section = false;
  for (std::string line; std::getline(file, line);) {
    if (line.starts_with("## ")) in_section = line == "## Routes and roles";
    std::smatch match;
    if (in_section && std::regex_match(line, match, row)) rows.emplace(match[1], match[2], match[3]);
  }
  return rows;
}

struct Who {
  std::string name;
  std::string login;    // empty: anonymous
  Role on_project;      // on the project the routes' ids lead to
  bool server_admin = false;
};

const std::vector<Who> kCallers{{"anonymous", "", Role::None},
                                {"reader", "reader", Role::Read},
                                {"writer", "writer", Role::Write},
                                {"project admin", "padmin", Role::Admin},
                                {"another project's admin", "otheradmin", Role::None},
                                {"server admin", "root", Role::Admin, true}};

// Routes whose handler checks more than their label, and what they need
// then: the audit log takes any signed-in caller, then needs admin on the
// project its ?project_id= names (all of it: a server admin).
const std::map<std::string, std::string> kCheckedByTheHandler{{"/api/v1/audit", "project:admin"}};

// The answer `who` gets from a route needing `label`: a refusal's status, or nothing to be let through.
std::optional<long> refusal(const std::string& label, const Who& who) {
  const auto colon = label.find(':');
  const Role needed = parse_role(label.substr(colon + 1)).value();
  const bool on_server = label.substr(0, colon) == "server";
  if (on_server ? needed == Role::None : who.on_project >= needed) return std::nullopt;
  if (who.login.empty()) return 401;
  if (on_server) return needed == Role::Admin && !who.server_admin ? std::optional<long>{403} : std::nullopt;
  return who.on_project >= Role::Read ? 403 : 404;
}

core::Plan one_pipeline() {
  core::Plan plan;
  plan.pipelines.push_back({.name = "build", .stages = {{"compile", {{.name = "make"}}}}});
  return plan;
}

class RolesTest : public PeopleApiTest {
 protected:
  // Signing in is set up, so that its routes answer as they do on a server
  // that offers it (nothing here reaches GitHub).
  void configure(ApiOptions& options) override {
    PeopleApiTest::configure(options);
    options.public_url = "https://ci.example.com";
    options.sign_in = {.web_url = "http://127.0.0.1:9",
                       .api_url = "http://127.0.0.1:9",
                       .client_id = "Iv1.roles",
                       .client_secret = "roles-secret"};
    blobs_ = blobs::DirectoryStore::open(blob_dir_.path()).value();
    options.blobs = blobs_.get();
  }

  // A blob in the store, for the world's cache entry and artifact to name.
  std::string blob(const std::string& bytes) {
    const std::string digest = blobs::sha256_hex(bytes);
    auto upload = blobs_->begin_upload(digest, bytes.size());
    EXPECT_TRUE(upload.ok());
    if (upload.value()->offset() == 0) {  // else stored before
      EXPECT_TRUE(upload.value()->append(0, bytes).ok());
    }
    EXPECT_TRUE(upload.value()->commit().ok());
    return digest;
  }

  // What a route's ids lead to: a private project the callers have their
  // roles on, with a finished workflow, an execution, a secret and a grant;
  // another project; the owner; a token of the caller to revoke.
  struct World {
    std::string project, owner, workflow, pipeline, execution, schedule, entry, artifact;
    std::string spare_token = "01890000-0000-7000-8000-000000000000";  // anonymous callers have none
  };

  World world(const Who& who) {
    const int n = ++worlds_;
    World made;
    made.project = project("app" + std::to_string(n));
    const std::string other = project("other" + std::to_string(n));
    grant(made.project, "reader", "read");
    grant(made.project, "writer", "write");
    grant(made.project, "padmin", "admin");
    grant(made.project, "someone", "read");
    grant(other, "otheradmin", "admin");
    made.owner = store_->get_project(made.project)->owner_id;
    EXPECT_TRUE(store_->set_secret(made.project, "DEPLOY_KEY", "value", {}));
    // An environment named as the routes' {name} is, with a secret named as their {secret}.
    EXPECT_TRUE(store_->set_environment(made.project, {.name = "DEPLOY_KEY"}));
    EXPECT_TRUE(store_->set_environment_secret(made.project, "DEPLOY_KEY", "DEPLOY_KEY", "value"));
    made.schedule = store_->create_schedule(made.project, {"nightly", "@daily", "main", "UTC"})->id;
    const core::Event push{.name = "push", .branch = "main"};
    made.workflow = store_->enqueue_workflow(made.project, "d" + std::to_string(n), push)->id;
    EXPECT_TRUE(store_->claim_next_workflow("agent", 30s, made.project));
    auto tree = store_->record_plan(made.workflow, one_pipeline());
    EXPECT_TRUE(tree) << tree.error().message;
    made.pipeline = tree->pipelines.at(0).id;
    made.execution = tree->pipelines.at(0).stages.at(0).executions.at(0).id;
    const std::string digest = blob("cached and kept");
    const auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    made.entry = store_->commit_cache_entry({.project_id = made.project, .scope = "main", .key = "k", .digest = digest,
                                             .size = 15}, now)->entry.id;
    made.artifact = store_->add_artifact({.workflow_id = made.workflow, .execution_id = made.execution, .path = "a",
                                          .digest = digest, .size = 15}, now)->id;
    EXPECT_TRUE(store_->finish_workflow(made.workflow, core::Status::Cancelled));  // its log stream ends
    if (!who.login.empty()) {
      store::ApiToken spare;
      token_of(who.login, store::TokenAccess::Write, {}, 24h, &spare);
      made.spare_token = spare.id;
    }
    return made;
  }

  static std::string target(const RouteRow& route, const World& world) {
    const auto& [method, pattern, label] = route;
    const std::string on = label.substr(0, label.find(':'));
    std::string path;
    for (const auto& segment : http::split_path(pattern)) {
      std::string part{segment};
      if (part == "{name}" || part == "{secret}") part = "DEPLOY_KEY";
      if (part == "{login}") part = "someone";
      if (part == "{schedule}") part = world.schedule;
      if (part == "{entry}") part = world.entry;
      if (part == "{artifact}") part = world.artifact;
      if (part == "{id}") {
        part = on == "workflow"    ? world.workflow
               : on == "pipeline"  ? world.pipeline
               : on == "execution" ? world.execution
                                   : world.project;
        if (pattern.starts_with("/api/v1/owners")) part = world.owner;
        if (pattern.find("tokens") != std::string::npos) part = world.spare_token;
      }
      path += "/" + part;
    }
    // The seed endpoints' id, and the project of the audit log.
    return path + "?id=" + world.project + "&project_id=" + world.project;
  }

  std::vector<RouteRow> routes() {
    std::vector<RouteRow> rows = kServerRoutes;
    http::Router router;
    ApiOptions options;
    options.orchestrator = orchestrator_.get();
    add_routes(router, *store_, options);
    for (const auto& route : router.routes()) rows.emplace_back(route.method, route.pattern, label_of(route));
    return rows;
  }

  int worlds_ = 0;
  testpaths::TempDir blob_dir_{"roles-blobs"};
  std::unique_ptr<blobs::Store> blobs_;
};

TEST_P(RolesTest, EveryRouteRefusesCallersBelowItsRoleAndLetsTheOthersThrough) {
  std::map<std::string, std::string> secrets;
  for (const Who& who : kCallers)
    if (!who.login.empty()) secrets[who.name] = token_of(who.login);
  const World shared = world(kCallers.front());
  int checked = 0;
  for (const RouteRow& route : routes()) {
    const auto& [method, pattern, label] = route;
    if (label == "public") continue;  // a signature or an agent token authenticates them (hook and agent tests)
    for (const Who& who : kCallers) {
      SCOPED_TRACE(method + " " + pattern + " (" + label + ") as " + who.name);
      const auto handler_checked = kCheckedByTheHandler.find(pattern);
      const bool by_label = handler_checked == kCheckedByTheHandler.end();
      const auto refused = refusal(by_label ? label : handler_checked->second, who);
      // Each call let through gets a world of its own: it may delete what it names.
      const Reply reply = as(secrets[who.name], method, target(route, refused ? shared : world(who)), "{}");
      if (refused) {
        EXPECT_EQ(reply.status, *refused) << reply.body;
      } else {
        EXPECT_TRUE(reply.status != 401 && reply.status != 403 && reply.status != 404) << reply.status << reply.body;
        EXPECT_LT(reply.status, 500) << reply.body;
      }
      ++checked;
    }
  }
  EXPECT_GE(checked, 6 * 30);
}

TEST_P(RolesTest, TheLogStreamIsGuardedAsTheLogIs) {
  const World made = world(kCallers.front());
  const std::string stream = "/api/v1/executions/" + made.execution + "/log/stream";
  EXPECT_EQ(as("", "GET", stream).status, 401);
  EXPECT_EQ(as(token_of("otheradmin"), "GET", stream).status, 404);
  Reply read = as(token_of("reader", store::TokenAccess::Read), "GET", stream);
  EXPECT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(read.headers["content-type"].rfind("text/event-stream", 0), 0u) << read.headers["content-type"];
}

TEST_P(RolesTest, DocsApiListsEveryRouteWithItsRole) {
  const auto listed = routes();
  const std::set<RouteRow> registered(listed.begin(), listed.end());
  const std::set<RouteRow> documented = documented_routes();
  for (const auto& [method, pattern, label] : registered)
    EXPECT_TRUE(documented.contains({method, pattern, label}))
        << "docs/api.md has no row | `" << method << "` | `" << pattern << "` | `" << label << "` | ... |";
  for (const auto& [method, pattern, label] : documented)
    EXPECT_TRUE(registered.contains({method, pattern, label}))
        << "docs/api.md lists " << method << " " << pattern << " (" << label << "), which the server does not have";
}

INSTANTIATE_TEST_SUITE_P(Backends, RolesTest, ::testing::ValuesIn(kBackends), backend_name);

}  // namespace
}  // namespace api::testing
