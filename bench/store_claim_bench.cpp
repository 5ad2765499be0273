// Claims per second from the workflow queue, with a short queue (1,000
// queued workflows) and long ones (100,000 and 1,000,000): a claim finds the oldest
// queued workflow through the (status, id) index, so the two should differ
// little. Each timed batch claims kBatch workflows; untimed, the batch is
// finished and as many new workflows are enqueued, so the queue keeps its
// length while finished history grows behind it, as in a server.
//
// SQLite in a temporary directory by default; FACTORY_BENCH_STORE_URL names
// a MariaDB or PostgreSQL database instead. The sizes share one database:
// before filling a queue, the last one is deleted with its project.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "core/uuid.h"
#include "store/store.h"

namespace {

using namespace std::chrono_literals;

constexpr int kBatch = 100;
constexpr int kMostClaimers = 20;
constexpr long kEnqueueChunk = 5'000;  // workflows per enqueue transaction while filling
constexpr const char* kProjectUrl = "https://git.example/bench/queue";

class Queue {
 public:
  Queue() {
    const char* url = std::getenv("FACTORY_BENCH_STORE_URL");
    if (!url || !*url) {
      dir_ = std::filesystem::temp_directory_path() / ("factory-claim-bench-" + std::to_string(getpid()));
      std::filesystem::create_directories(dir_);
    }
    auto opened = store::open(url && *url ? std::string(url) : "sqlite:" + (dir_ / "factory.db").string(),
                              {.pool_size = kMostClaimers});
    if (!opened) throw std::runtime_error(opened.error().message);
    store_ = std::move(*opened);
  }
  ~Queue() {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  store::Store& store() { return *store_; }

  // Leaves exactly `queued` workflows queued, and no history: the project
  // (with every workflow of earlier runs) is deleted and made again.
  void resize(long queued) {
    if (queued == length_) return;
    if (auto kept = store_->find_project_by_url(kProjectUrl))
      if (auto deleted = store_->delete_project(kept->id); !deleted) throw std::runtime_error(deleted.error().message);
    auto project = store_->create_project({"bench", "queue", kProjectUrl, "secret"});
    if (!project) throw std::runtime_error(project.error().message);
    project_id_ = project->id;
    length_ = 0;
    enqueue(queued);
  }

  // In chunks of one transaction each, so that a million take seconds, not minutes.
  void enqueue(long count) {
    const core::Event event{.name = "push",
                            .branch = "main",
                            .sha = "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
                            .changed_paths = {"src/main.c", "README.md"}};
    for (long done = 0; done < count; done += kEnqueueChunk) {
      std::vector<store::WorkflowRequest> chunk;
      for (long i = done; i < std::min(count, done + kEnqueueChunk); ++i)
        chunk.push_back({project_id_, run_ + std::to_string(next_delivery_++), event});
      for (const auto& enqueued : store_->enqueue_workflows(chunk))
        if (!enqueued) throw std::runtime_error(enqueued.error().message);
    }
    length_ += count;
  }

  void finish(const std::vector<std::string>& ids) {
    for (const std::string& id : ids)
      if (auto finished = store_->finish_workflow(id, core::Status::Success); !finished)
        throw std::runtime_error(finished.error().message);
    length_ -= static_cast<long>(ids.size());
  }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
  std::string project_id_;
  const std::string run_ = core::Uuid::new_v7().to_string() + "-";  // delivery ids unseen by earlier runs
  long next_delivery_ = 0;
  long length_ = 0;
};

Queue& shared_queue() {
  static Queue queue;  // one database for every run of the benchmark
  return queue;
}

// Claims `count` workflows into `claimed`; the first failure's message, if any.
std::string claim_into(store::Store& store, int count, std::vector<std::string>& claimed) {
  for (int i = 0; i < count; ++i) {
    auto workflow = store.claim_next_workflow("bench-agent", 5min);
    if (!workflow) return workflow.error().message;
    if (!workflow->has_value()) return "queue ran dry";
    claimed.push_back((*workflow)->id);
  }
  return {};
}

// One batch a iteration, claimed by `claimers` threads sharing the store
// (each a connection of the pool), as agents claiming at once would.
void claim_batches(benchmark::State& state, int claimers) {
  Queue& queue = shared_queue();
  queue.resize(state.range(0));
  for (auto _ : state) {
    std::vector<std::vector<std::string>> claimed(claimers);
    std::vector<std::string> failures(claimers);
    std::vector<std::thread> threads;
    if (claimers == 1) {  // on the benchmark's thread, so that its CPU time counts
      failures[0] = claim_into(queue.store(), kBatch, claimed[0]);
    } else {
      for (int c = 0; c < claimers; ++c)
        threads.emplace_back([&, c] { failures[c] = claim_into(queue.store(), kBatch / claimers, claimed[c]); });
      for (auto& thread : threads) thread.join();
    }
    for (const std::string& failure : failures)
      if (!failure.empty()) return state.SkipWithError(failure.c_str());
    state.PauseTiming();
    for (const auto& ids : claimed) queue.finish(ids);
    queue.enqueue(kBatch);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

void BM_ClaimNextWorkflow(benchmark::State& state) { claim_batches(state, 1); }
BENCHMARK(BM_ClaimNextWorkflow)
    ->Arg(1'000)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_ClaimNextWorkflowFourClaimers(benchmark::State& state) { claim_batches(state, 4); }
BENCHMARK(BM_ClaimNextWorkflowFourClaimers)->Arg(1'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond)->UseRealTime();

// Servers whose databases flush each commit to disk (MariaDB, PostgreSQL)
// share one flush among the commits waiting for it: many agents claiming at
// once get more claims per second than one.
void BM_ClaimNextWorkflowTwentyClaimers(benchmark::State& state) { claim_batches(state, kMostClaimers); }
BENCHMARK(BM_ClaimNextWorkflowTwentyClaimers)
    ->Arg(1'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
