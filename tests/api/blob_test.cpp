// Caches and artifacts over real HTTP, on every database backend, with a
// blob store in a temporary directory: the agent's client (agent/blob_client.h)
// against the agent protocol's calls, people's routes, and the pruner with a
// clock the test moves.
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "agent/blob_client.h"
#include "../blobs/s3rver.h"
#include "api_fixture.h"
#include "blobs/s3_store.h"
#include "blobs/directory_store.h"
#include "blobs/sha256.h"
#include "protocol/blobs.h"
#include "protocol/protocol.h"
#include "server/blob_pruner.h"
#include "temp_dir.h"

namespace api::testing {
namespace {

using namespace std::chrono_literals;

core::Event push(std::string branch) { return {.name = "push", .branch = std::move(branch), .sha = "abc"}; }

core::Event pull_request(std::string source, std::string target, bool from_fork = false) {
  return {.name = "pull_request", .branch = std::move(source), .target_branch = std::move(target), .sha = "abc",
          .from_fork = from_fork};
}

// Bytes that differ from one blob to the next.
std::string bytes_of(std::size_t size, char seed) {
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>(seed + i * 31 + i / 4099);
  return bytes;
}

// A source over a string, as the runner's would be over a file; `fail_at`
// makes it fail there (an agent that died mid-upload). It counts where it
// was opened.
struct StringSource {
  std::string bytes;
  std::uint64_t fail_at = UINT64_MAX;
  std::vector<std::uint64_t> opened_at;

  agent::BlobSource source() {
    return [this](std::uint64_t offset) -> blobs::Source {
      opened_at.push_back(offset);
      auto at = std::make_shared<std::uint64_t>(offset);
      return [this, at](char* buffer, std::size_t capacity) -> std::ptrdiff_t {
        if (*at >= fail_at) return -1;
        const std::uint64_t end = std::min<std::uint64_t>({bytes.size(), *at + capacity, fail_at});
        const std::size_t count = end - *at;
        std::memcpy(buffer, bytes.data() + *at, count);
        *at = end;
        return static_cast<std::ptrdiff_t>(count);
      };
    };
  }
};

// One claimed workflow, and the agent's clients that work on it.
struct Agent {
  std::string workflow_id;
  std::string execution_id;
  std::unique_ptr<agent::ServerClient> server;
  std::unique_ptr<agent::BlobClient> blobs;

  std::string save(const std::string& key, const std::string& bytes) {
    const std::string digest = blobs::sha256_hex(bytes);
    StringSource source{bytes};
    auto uploaded = blobs->upload_blob(digest, bytes.size(), source.source());
    EXPECT_TRUE(uploaded.ok()) << uploaded.error().message;
    auto committed = blobs->commit_cache({"npm", key, digest, bytes.size()});
    EXPECT_TRUE(committed.ok()) << committed.error().message;
    return committed.ok() ? committed->scope : "";
  }

  protocol::CacheLookupAnswer lookup(const std::string& key, std::vector<std::string> restore_keys = {}) {
    auto answer = blobs->lookup_cache({"npm", key, std::move(restore_keys)});
    EXPECT_TRUE(answer.ok()) << answer.error().message;
    return answer.ok() ? answer.value() : protocol::CacheLookupAnswer{};
  }

  blobs::Status download(const std::string& digest, std::string& into) {
    into.clear();
    return blobs->download_blob(digest, [&into](std::string_view piece) {
      into.append(piece);
      return true;
    });
  }
};

class BlobApiTest : public ApiTest {
 protected:
  void configure(ApiOptions& options) override {
    auto opened = blobs::DirectoryStore::open(blob_dir_.path());
    ASSERT_TRUE(opened.ok());
    blob_store_ = std::move(opened.value());
    options.blobs = blob_store_.get();
    options.clock = [this] { return store::Timestamp{std::chrono::milliseconds{clock_ms_.load()}}; };
  }

  void SetUp() override {
    ApiTest::SetUp();
    if (!store_) return;
    project_id_ = create("acme", "rocket", "https://github.com/acme/rocket")["id"];
    auto agent = store_->create_token("pool", store::TokenScope::Agent);
    ASSERT_TRUE(agent);
    agent_token_ = agent->secret;
  }

  // Queues a workflow for `event`, claims it as a pool agent and records a
  // plan of one execution.
  Agent run(const core::Event& event, std::string project_id = {}) {
    auto queued = store_->enqueue_workflow(project_id.empty() ? project_id_ : project_id, "", event);
    EXPECT_TRUE(queued);
    orchestrator_->workflow_queued();
    const Reply claimed = agent_call("/api/v1/agent/claim", {{"wait_ms", 5000}}, agent_token_);
    EXPECT_EQ(claimed.status, 200) << claimed.body;
    const protocol::Job job = protocol::job_from_json(json::parse(claimed.body));
    EXPECT_EQ(job.workflow_id, queued->id);
    core::Plan plan;
    plan.pipelines.push_back({.name = "build", .stages = {{"compile", {{.name = "make", .run = "make"}}}}});
    const Reply planned = agent_call(protocol::workflow_path(job.workflow_id, protocol::Call::Plan),
                                     {{"plan", protocol::to_json(plan)}}, agent_token_, job.lease);
    EXPECT_EQ(planned.status, 200) << planned.body;
    Agent agent;
    agent.workflow_id = job.workflow_id;
    agent.execution_id = json::parse(planned.body)["pipelines"][0]["stages"][0]["executions"][0];
    agent.server = std::make_unique<agent::ServerClient>(agent::ClientConfig{
        .server_url = "http://127.0.0.1:" + std::to_string(server_->port()), .token = agent_token_, .lease = job.lease});
    agent.blobs = std::make_unique<agent::BlobClient>(*agent.server, job.workflow_id,
                                                      agent::BlobClientOptions{.attempts = 2, .first_backoff = 10ms});
    return agent;
  }

  std::filesystem::path blob_file(const std::string& digest) {
    return blob_dir_.path() / "blobs" / digest.substr(0, 2) / digest;
  }

  std::string register_artifact(Agent& agent, const std::string& path, const std::string& bytes) {
    const std::string digest = blobs::sha256_hex(bytes);
    StringSource source{bytes};
    EXPECT_TRUE(agent.blobs->upload_blob(digest, bytes.size(), source.source()).ok());
    auto registered = agent.blobs->register_artifact({agent.execution_id, path, digest, bytes.size()});
    EXPECT_TRUE(registered.ok()) << registered.error().message;
    return registered.ok() ? registered->id : "";
  }

  // One pass of the pruner, on the test's clock, with an hour's grace.
  server::BlobPrune prune() {
    return server::prune_blobs(*store_, *blob_store_,
                               {.grace = 1h, .clock = [this] {
                                  return store::Timestamp{std::chrono::milliseconds{clock_ms_.load()}};
                                }});
  }

  testpaths::TempDir blob_dir_{"blob-api"};
  std::unique_ptr<blobs::Store> blob_store_;
  std::atomic<std::int64_t> clock_ms_{1'800'000'000'000};
  std::string project_id_;
  std::string agent_token_;
};

TEST_P(BlobApiTest, AnExactKeyHitsAndARestoreKeyFallsBackToTheNewestWithItsPrefix) {
  Agent first = run(push("main"));
  const std::string old_bytes = bytes_of(1000, 'o'), new_bytes = bytes_of(3000, 'n');
  EXPECT_EQ(first.save("npm-old", old_bytes), "main");
  clock_ms_ += 1000;
  first.save("npm-new", new_bytes);
  Agent second = run(push("main"));
  protocol::CacheLookupAnswer hit = second.lookup("npm-old", {"npm-"});
  EXPECT_TRUE(hit.hit && hit.exact);
  EXPECT_EQ(hit.key, "npm-old");
  hit = second.lookup("npm-missing", {"pip-", "npm-"});
  EXPECT_TRUE(hit.hit);
  EXPECT_FALSE(hit.exact);
  EXPECT_EQ(hit.key, "npm-new");
  EXPECT_EQ(hit.size, new_bytes.size());
  std::string got;
  ASSERT_TRUE(second.download(hit.digest, got).ok());
  EXPECT_EQ(got, new_bytes);
  EXPECT_FALSE(second.lookup("yarn-1", {"yarn-"}).hit);
}

TEST_P(BlobApiTest, APullRequestReadsItsBaseAndTheDefaultBranchAndWritesOnlyItsOwnScope) {
  run(push("main")).save("deps-main", bytes_of(100, 'm'));
  run(push("release")).save("deps-release", bytes_of(100, 'r'));
  Agent pr = run(pull_request("feature", "release"));
  EXPECT_TRUE(pr.lookup("deps-main").hit);
  EXPECT_TRUE(pr.lookup("deps-release").hit);
  EXPECT_EQ(pr.save("deps-pr", bytes_of(100, 'p')), "pr:feature");
  EXPECT_TRUE(pr.lookup("deps-pr").hit) << "a pull request reads its own scope";
  EXPECT_FALSE(run(push("main")).lookup("deps-pr").hit) << "the default branch does not see a pull request's";
  EXPECT_FALSE(run(push("release")).lookup("deps-pr").hit) << "nor does the pull request's base";
  Agent fork = run(pull_request("feature", "main", true));
  EXPECT_FALSE(fork.lookup("deps-pr").hit) << "a fork's pull request of the same branch name has a scope of its own";
  EXPECT_EQ(fork.save("deps-fork", bytes_of(100, 'f')), "pr:fork:feature");
  EXPECT_FALSE(run(push("main")).lookup("deps-fork").hit);
}

TEST_P(BlobApiTest, ABranchReadsItsOwnEntriesThenTheDefaultBranchs) {
  const std::string main_bytes = bytes_of(500, 'm'), dev_bytes = bytes_of(500, 'd');
  run(push("main")).save("k", main_bytes);
  EXPECT_EQ(run(push("dev")).save("k", dev_bytes), "dev");
  EXPECT_EQ(run(push("dev")).lookup("k").digest, blobs::sha256_hex(dev_bytes));
  EXPECT_EQ(run(push("other")).lookup("k").digest, blobs::sha256_hex(main_bytes));
  // The project's default branch is a setting.
  ASSERT_EQ(call("PUT", "/api/v1/projects/" + project_id_, json{{"default_branch", "dev"}}).status, 200);
  EXPECT_EQ(run(push("other")).lookup("k").digest, blobs::sha256_hex(dev_bytes));
}

TEST_P(BlobApiTest, ACorruptBlobIsRemovedWithItsEntriesAndIsAMiss) {
  const std::string bytes = bytes_of(5000, 'c');
  run(push("main")).save("k", bytes);
  const std::string digest = blobs::sha256_hex(bytes);
  {
    std::fstream file(blob_file(digest), std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(file);
    file.seekp(1234);
    file.put('!');
  }
  Agent reader = run(push("main"));
  const protocol::CacheLookupAnswer hit = reader.lookup("k");
  ASSERT_TRUE(hit.hit);
  std::string got;
  const blobs::Status downloaded = reader.download(hit.digest, got);
  ASSERT_FALSE(downloaded.ok());
  EXPECT_EQ(downloaded.error().kind, blobs::ErrorKind::NotFound) << downloaded.error().message;
  EXPECT_FALSE(reader.lookup("k").hit);
  EXPECT_TRUE(store_->list_cache_entries(project_id_)->empty());
  EXPECT_FALSE(std::filesystem::exists(blob_file(digest)));
}

TEST_P(BlobApiTest, TheClientVerifiesWhatItReceives) {
  // Corrupt after the server checked it (the first range): the client's own hash catches it.
  const std::string bytes = bytes_of(protocol::kBlobChunk + 1000, 'v');
  Agent agent = run(push("main"));
  agent.save("k", bytes);
  const std::string digest = blobs::sha256_hex(bytes);
  std::string got;
  bool corrupted = false;
  const blobs::Status downloaded = agent.blobs->download_blob(digest, [&](std::string_view piece) {
    if (!corrupted) {
      std::fstream file(blob_file(digest), std::ios::in | std::ios::out | std::ios::binary);
      file.seekp(static_cast<std::streamoff>(protocol::kBlobChunk + 10));
      file.put('!');
      corrupted = true;
    }
    got.append(piece);
    return true;
  });
  ASSERT_FALSE(downloaded.ok());
  EXPECT_EQ(downloaded.error().kind, blobs::ErrorKind::Corrupt) << downloaded.error().message;
}

TEST_P(BlobApiTest, AnUploadCutInTheMiddleResumesWhereTheServerStands) {
  const std::string bytes = bytes_of(2 * protocol::kBlobChunk + 12345, 'u');
  const std::string digest = blobs::sha256_hex(bytes);
  Agent agent = run(push("main"));
  StringSource failing{bytes, protocol::kBlobChunk + 100};
  const blobs::Status cut = agent.blobs->upload_blob(digest, bytes.size(), failing.source());
  ASSERT_FALSE(cut.ok());
  StringSource good{bytes};
  const blobs::Status resumed = agent.blobs->upload_blob(digest, bytes.size(), good.source());
  ASSERT_TRUE(resumed.ok()) << resumed.error().message;
  EXPECT_EQ(good.opened_at, (std::vector<std::uint64_t>{protocol::kBlobChunk})) << "it sent only what was missing";
  ASSERT_TRUE(agent.blobs->commit_cache({"big", "big-1", digest, bytes.size()}).ok());
  std::string got;
  ASSERT_TRUE(agent.download(digest, got).ok());
  EXPECT_TRUE(got == bytes);
}

TEST_P(BlobApiTest, AnAppendAtTheWrongOffsetIsRefusedWithTheOffsetToResumeFrom) {
  const std::string bytes = bytes_of(3000, 'w');
  const std::string digest = blobs::sha256_hex(bytes);
  Agent agent = run(push("main"));
  auto send = [&](std::uint64_t offset, std::string_view piece) {
    http_client::Reply reply = agent.server->send("POST", protocol::append_path(agent.workflow_id, digest, offset, 3000),
                                                  std::string{piece}, {"Content-Type: application/octet-stream"}, 10s);
    return reply;
  };
  EXPECT_EQ(send(0, std::string_view{bytes}.substr(0, 1000)).status, 200);
  const http_client::Reply gap = send(2000, std::string_view{bytes}.substr(2000));
  EXPECT_EQ(gap.status, 409);
  const json body = json::parse(gap.body);
  EXPECT_EQ(body["error"]["code"], "offset_mismatch");
  EXPECT_EQ(body["offset"], 1000);
  const http_client::Reply early = send(0, std::string_view{bytes}.substr(0, 10));
  EXPECT_EQ(early.status, 409);
  // A commit with bytes missing says how many the server holds.
  const http_client::Reply incomplete =
      agent.server->send("POST", protocol::blob_path(agent.workflow_id, digest, protocol::BlobCall::Commit),
                         R"({"size": 3000})", {"Content-Type: application/json"}, 10s);
  EXPECT_EQ(incomplete.status, 409);
  EXPECT_EQ(json::parse(incomplete.body)["error"]["code"], "incomplete");
  EXPECT_EQ(json::parse(incomplete.body)["offset"], 1000);
}

TEST_P(BlobApiTest, ABlobWhoseBytesDoNotMatchItsNameIsRefusedAtCommit) {
  const std::string bytes = bytes_of(3000, 'x');
  const std::string claimed = blobs::sha256_hex("something else");
  Agent agent = run(push("main"));
  StringSource source{bytes};
  const blobs::Status uploaded = agent.blobs->upload_blob(claimed, bytes.size(), source.source());
  ASSERT_FALSE(uploaded.ok());
  EXPECT_EQ(uploaded.error().kind, blobs::ErrorKind::Corrupt) << uploaded.error().message;
  auto committed = agent.blobs->commit_cache({"npm", "k", claimed, bytes.size()});
  ASSERT_FALSE(committed.ok());
  EXPECT_EQ(committed.error().kind, blobs::ErrorKind::Conflict) << "blob_missing: " << committed.error().message;
}

TEST_P(BlobApiTest, TwoAgentsSavingOneKeyAtOnceLeaveOneEntry) {
  Agent a = run(push("main"));
  Agent b = run(push("main"));
  const std::string a_bytes = bytes_of(200'000, 'a'), b_bytes = bytes_of(200'000, 'b');
  std::atomic<int> created{0}, failed{0};
  auto save = [&](Agent& agent, const std::string& bytes) {
    const std::string digest = blobs::sha256_hex(bytes);
    StringSource source{bytes};
    if (!agent.blobs->upload_blob(digest, bytes.size(), source.source())) ++failed;
    auto committed = agent.blobs->commit_cache({"npm", "same-key", digest, bytes.size()});
    if (!committed) ++failed;
    else if (committed->created) ++created;
  };
  std::thread first{[&] { save(a, a_bytes); }};
  std::thread second{[&] { save(b, b_bytes); }};
  first.join();
  second.join();
  EXPECT_EQ(failed, 0) << "the second commit answers that the entry exists; it is no error";
  EXPECT_EQ(created, 1);
  EXPECT_EQ(store_->list_cache_entries(project_id_)->size(), 1u);
}

TEST_P(BlobApiTest, AnotherProjectsOrWorkflowsBlobCannotBeDownloaded) {
  const std::string other_project = create("acme", "other", "https://github.com/acme/other")["id"];
  const std::string secret = bytes_of(100, 's');
  run(push("main"), other_project).save("k", secret);
  Agent mine = run(push("main"));
  std::string got;
  blobs::Status downloaded = mine.download(blobs::sha256_hex(secret), got);
  ASSERT_FALSE(downloaded.ok());
  EXPECT_EQ(downloaded.error().kind, blobs::ErrorKind::NotFound);
  EXPECT_TRUE(got.empty());

  Agent producer = run(push("main"));
  const std::string artifact = bytes_of(100, 'z');
  register_artifact(producer, "dist/app.bin", artifact);
  ASSERT_TRUE(producer.download(blobs::sha256_hex(artifact), got).ok()) << "a workflow reads its own artifacts";
  EXPECT_EQ(got, artifact);
  downloaded = mine.download(blobs::sha256_hex(artifact), got);
  ASSERT_FALSE(downloaded.ok());
  EXPECT_EQ(downloaded.error().kind, blobs::ErrorKind::NotFound) << "and no other workflow's";
}

TEST_P(BlobApiTest, CallsNeedTheLeaseAndRefuseUnknownFields) {
  Agent agent = run(push("main"));
  const std::string lookup = protocol::cache_path(agent.workflow_id, protocol::CacheCall::Lookup);
  EXPECT_EQ(agent_call(lookup, {{"key", "k"}}, agent_token_, "wrong-lease").status, 409);
  EXPECT_EQ(agent_call(lookup, {{"key", "k"}}, token_).status, 403) << "an admin token is no agent";
  const http_client::Reply unknown =
      agent.server->send("POST", lookup, R"({"key": "k", "scope": "main"})", {"Content-Type: application/json"}, 10s);
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(unknown.body.find("lookup.scope is not a field"), std::string::npos) << unknown.body;
  const http_client::Reply path = agent.server->send(
      "POST", protocol::cache_path(agent.workflow_id, protocol::CacheCall::Artifacts),
      protocol::to_json(protocol::ArtifactRegistration{agent.execution_id, "../escape", std::string(64, 'a'), 1}).dump(),
      {"Content-Type: application/json"}, 10s);
  EXPECT_EQ(path.status, 400) << path.body;
  const Reply settings = call("PUT", "/api/v1/projects/" + project_id_, json{{"cache_limit", 5}});
  EXPECT_EQ(settings.status, 400);
  EXPECT_NE(settings.body.find("cache_limit"), std::string::npos) << settings.body;
}

TEST_P(BlobApiTest, EvictionKeepsTheMostRecentlyUsedWithinTheProjectsLimit) {
  ASSERT_EQ(call("PUT", "/api/v1/projects/" + project_id_, json{{"cache_limit_bytes", 2500}}).status, 200);
  Agent agent = run(push("main"));
  agent.save("a", bytes_of(1000, '1'));
  clock_ms_ += 1000;
  agent.save("b", bytes_of(1000, '2'));
  clock_ms_ += 1000;
  EXPECT_TRUE(agent.lookup("a").hit);  // a is now used after b
  clock_ms_ += 1000;
  agent.save("c", bytes_of(1000, '3'));
  EXPECT_TRUE(agent.lookup("a").hit);
  EXPECT_FALSE(agent.lookup("b").hit);
  EXPECT_TRUE(agent.lookup("c").hit);
}

TEST_P(BlobApiTest, PeopleListAndDeleteCacheEntries) {
  Agent agent = run(push("main"));
  agent.save("a", bytes_of(10, 'a'));
  agent.save("b", bytes_of(20, 'b'));
  const Reply listed = call("GET", "/api/v1/projects/" + project_id_ + "/caches");
  ASSERT_EQ(listed.status, 200) << listed.body;
  const json list = json::parse(listed.body);
  ASSERT_EQ(list["items"].size(), 2u);
  EXPECT_EQ(list["items"][0]["key"], "a");
  EXPECT_EQ(list["items"][0]["scope"], "main");
  EXPECT_EQ(list["items"][1]["size"], 20);
  EXPECT_EQ(list["total_size"], 30);
  const std::string first = list["items"][0]["id"];
  EXPECT_EQ(call("DELETE", "/api/v1/projects/" + project_id_ + "/caches/" + first).status, 204);
  EXPECT_EQ(call("DELETE", "/api/v1/projects/" + project_id_ + "/caches/" + first).status, 404);
  const Reply all = call("DELETE", "/api/v1/projects/" + project_id_ + "/caches");
  EXPECT_EQ(all.status, 200);
  EXPECT_EQ(json::parse(all.body)["deleted"], 1);
  EXPECT_FALSE(agent.lookup("b").hit);
}

TEST_P(BlobApiTest, AnArtifactDownloadsWholeOrByRange) {
  Agent agent = run(push("main"));
  const std::string bytes = bytes_of(3 << 20, 'r');
  const std::string id = register_artifact(agent, "dist/app \"v1\".bin", bytes);
  const std::string base = "/api/v1/workflows/" + agent.workflow_id + "/artifacts";
  const Reply listed = call("GET", base);
  ASSERT_EQ(listed.status, 200) << listed.body;
  const json items = json::parse(listed.body)["items"];
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["path"], "dist/app \"v1\".bin");
  EXPECT_EQ(items[0]["execution"], "build/compile/make");
  EXPECT_EQ(items[0]["size"], bytes.size());

  const Reply whole = call("GET", base + "/" + id);
  ASSERT_EQ(whole.status, 200);
  EXPECT_TRUE(whole.body == bytes);
  EXPECT_EQ(whole.headers.at("accept-ranges"), "bytes");
  EXPECT_EQ(whole.headers.at("content-disposition"),
            "attachment; filename=\"app _v1_.bin\"; filename*=UTF-8''app%20%22v1%22.bin");
  const Reply part = call("GET", base + "/" + id, "", {"Range: bytes=1000-1999"});
  ASSERT_EQ(part.status, 206);
  EXPECT_EQ(part.body, bytes.substr(1000, 1000));
  EXPECT_EQ(part.headers.at("content-range"), "bytes 1000-1999/" + std::to_string(bytes.size()));
  const Reply tail = call("GET", base + "/" + id, "", {"Range: bytes=" + std::to_string(bytes.size() - 5) + "-"});
  ASSERT_EQ(tail.status, 206);
  EXPECT_EQ(tail.body, bytes.substr(bytes.size() - 5));
  const Reply past = call("GET", base + "/" + id, "", {"Range: bytes=" + std::to_string(bytes.size()) + "-"});
  EXPECT_EQ(past.status, 416);
  EXPECT_EQ(past.headers.at("content-range"), "bytes */" + std::to_string(bytes.size()));
  // Another workflow's artifact is not under this one.
  Agent other = run(push("main"));
  EXPECT_EQ(call("GET", "/api/v1/workflows/" + other.workflow_id + "/artifacts/" + id).status, 404);
}

TEST_P(BlobApiTest, AllOfAWorkflowsArtifactsDownloadAsOneTar) {
  Agent agent = run(push("main"));
  const std::string app = bytes_of(700'000, 'a');
  const std::string long_name = std::string(120, 'n') + ".xml";
  register_artifact(agent, "dist/app.bin", app);
  register_artifact(agent, "reports/" + long_name, "<ok/>");
  register_artifact(agent, "empty.txt", "");
  const Reply archive = call("GET", "/api/v1/workflows/" + agent.workflow_id + "/artifacts.tar");
  ASSERT_EQ(archive.status, 200) << archive.body;
  EXPECT_EQ(archive.headers.at("content-type"), "application/x-tar");
  testpaths::TempDir unpacked{"blob-tar"};
  {
    std::ofstream file(unpacked.path() / "all.tar", std::ios::binary);
    file << archive.body;
  }
  const std::string command = "tar -xf " + (unpacked.path() / "all.tar").string() + " -C " + unpacked.path().string();
  ASSERT_EQ(std::system(command.c_str()), 0) << "tar reads what the server wrote";
  EXPECT_TRUE(unpacked.read("build/compile/make/dist/app.bin") == app);
  EXPECT_EQ(unpacked.read("build/compile/make/reports/" + long_name), "<ok/>");
  EXPECT_TRUE(std::filesystem::exists(unpacked.path() / "build/compile/make/empty.txt"));
}

TEST_P(BlobApiTest, ThePrunerDeletesExpiredArtifactsAndBlobsNothingNames) {
  ASSERT_EQ(call("PUT", "/api/v1/projects/" + project_id_, json{{"artifact_retention_days", 3}}).status, 200);
  Agent agent = run(push("main"));
  const std::string artifact = bytes_of(100, 'e'), cached = bytes_of(100, 'k');
  register_artifact(agent, "out.bin", artifact);
  agent.save("kept", cached);
  clock_ms_ += std::chrono::milliseconds{std::chrono::days{2}}.count();
  server::BlobPrune pruned = prune();
  EXPECT_EQ(pruned.artifacts, 0);
  EXPECT_EQ(store_->list_artifacts(agent.workflow_id)->size(), 1u);
  clock_ms_ += std::chrono::milliseconds{std::chrono::days{1}}.count();
  pruned = prune();
  EXPECT_EQ(pruned.artifacts, 1);
  EXPECT_EQ(pruned.blobs, 1);
  EXPECT_TRUE(store_->list_artifacts(agent.workflow_id)->empty());
  EXPECT_FALSE(std::filesystem::exists(blob_file(blobs::sha256_hex(artifact))));
  EXPECT_TRUE(std::filesystem::exists(blob_file(blobs::sha256_hex(cached)))) << "a cache entry names it";
}

TEST_P(BlobApiTest, ABlobJustUploadedOutlivesThePrunerUntilItsEntryComes) {
  Agent agent = run(push("main"));
  const std::string bytes = bytes_of(100, 'j');
  const std::string digest = blobs::sha256_hex(bytes);
  StringSource source{bytes};
  ASSERT_TRUE(agent.blobs->upload_blob(digest, bytes.size(), source.source()).ok());
  // The test's clock runs ahead of the files' times: every blob is older
  // than the grace period, and only the upload's pin keeps this one.
  EXPECT_EQ(prune().blobs, 0);
  ASSERT_TRUE(agent.blobs->commit_cache({"npm", "k", digest, bytes.size()}).ok());
  clock_ms_ += std::chrono::milliseconds{std::chrono::hours{3}}.count();
  EXPECT_EQ(prune().blobs, 0) << "its entry names it now";
  EXPECT_TRUE(std::filesystem::exists(blob_file(digest)));
  ASSERT_EQ(call("DELETE", "/api/v1/projects/" + project_id_ + "/caches").status, 200);
  EXPECT_EQ(prune().blobs, 1);
  EXPECT_FALSE(std::filesystem::exists(blob_file(digest)));
}

INSTANTIATE_TEST_SUITE_P(Backends, BlobApiTest, ::testing::ValuesIn(kBackends), backend_name);

// The same server keeping its blobs in an S3-compatible bucket: s3rver on
// loopback (tests/blobs/s3rver.h), where parts are 8 MiB as the server sets
// them. Skipped, saying why, when node or s3rver is missing.
class BlobApiS3Test : public BlobApiTest {
 protected:
  void configure(ApiOptions& options) override {
    BlobApiTest::configure(options);
    if (!have_node() || !fs::exists(s3rver_script())) return;
    s3rver_ = std::make_unique<S3rver>();
    auto opened = blobs::S3Store::open({.endpoint = "http://127.0.0.1:" + std::to_string(s3rver_->port()),
                                        .bucket = "blobs", .access_key = "S3RVER", .secret_key = "S3RVER",
                                        .part_size = protocol::kBlobChunk});
    ASSERT_TRUE(opened.ok());
    blob_store_ = std::move(opened.value());
    options.blobs = blob_store_.get();
  }

  std::unique_ptr<S3rver> s3rver_;  // stopped when the test is over: no request is under way then
};

TEST_P(BlobApiS3Test, CachesAndArtifactsLiveInABucket) {
  if (!s3rver_) GTEST_SKIP() << "node or s3rver is missing: run scripts/setup.sh (it installs tests/blobs' npm packages)";
  const std::string bytes = bytes_of(2 * protocol::kBlobChunk + 4321, 's');
  const std::string digest = blobs::sha256_hex(bytes);
  Agent agent = run(push("main"));
  StringSource failing{bytes, protocol::kBlobChunk + 100};
  ASSERT_FALSE(agent.blobs->upload_blob(digest, bytes.size(), failing.source()).ok());
  StringSource good{bytes};
  const blobs::Status resumed = agent.blobs->upload_blob(digest, bytes.size(), good.source());
  ASSERT_TRUE(resumed.ok()) << resumed.error().message;
  EXPECT_EQ(good.opened_at, (std::vector<std::uint64_t>{protocol::kBlobChunk})) << "the bucket kept the whole part";
  ASSERT_TRUE(agent.blobs->commit_cache({"big", "big-1", digest, bytes.size()}).ok());
  Agent reader = run(push("feature"));
  const protocol::CacheLookupAnswer hit = reader.lookup("big-2", {"big-"});
  ASSERT_TRUE(hit.hit);
  std::string got;
  ASSERT_TRUE(reader.download(hit.digest, got).ok());
  EXPECT_TRUE(got == bytes);

  const std::string id = register_artifact(reader, "out/small.txt", "hello, bucket");
  const Reply part = call("GET", "/api/v1/workflows/" + reader.workflow_id + "/artifacts/" + id, "",
                          {"Range: bytes=7-"});
  EXPECT_EQ(part.status, 206);
  EXPECT_EQ(part.body, "bucket");
}

INSTANTIATE_TEST_SUITE_P(Backends, BlobApiS3Test, ::testing::Values("sqlite"), backend_name);

}  // namespace
}  // namespace api::testing
