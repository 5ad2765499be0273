// GET /project?id= comes down to Store::get_project; this measures it on
// SQLite (the default backend), from one and from two threads sharing a store.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>
#include <unistd.h>

#include "store/store.h"

namespace {

struct Fixture {
  std::filesystem::path dir;
  std::unique_ptr<store::Store> store;
  std::string project_id;

  Fixture() {
    dir = std::filesystem::temp_directory_path() / ("factory-bench-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    auto opened = store::open("sqlite:" + (dir / "factory.db").string());
    if (!opened) throw std::runtime_error(opened.error().message);
    store = std::move(*opened);
    for (int i = 0; i < 1000; ++i) {
      auto created = store->create_project({"owner" + std::to_string(i % 10), "project" + std::to_string(i),
                                            "https://git.example/p" + std::to_string(i), "secret"});
      if (!created) throw std::runtime_error(created.error().message);
      if (i == 500) project_id = created->id;
    }
  }
  ~Fixture() { std::filesystem::remove_all(dir); }
};

Fixture& fixture() {
  static Fixture shared;  // one database for every run of the benchmark
  return shared;
}

void BM_GetProjectById(benchmark::State& state) {
  Fixture& f = fixture();
  for (auto _ : state) {
    auto project = f.store->get_project(f.project_id);
    if (!project) state.SkipWithError(project.error().message.c_str());
    benchmark::DoNotOptimize(project);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GetProjectById)->Threads(1)->Threads(2)->UseRealTime();

void BM_VerifyToken(benchmark::State& state) {
  Fixture& f = fixture();
  static const std::string secret = f.store->create_token("bench")->secret;
  for (auto _ : state) {
    auto token = f.store->verify_token(secret);
    if (!token) state.SkipWithError(token.error().message.c_str());
    benchmark::DoNotOptimize(token);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifyToken)->Threads(1)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
