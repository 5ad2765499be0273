// What an execution's workspace costs (docs/runner.md#workspaces): copying a
// checkout of 4,000 files (24 MB in 180 folders, and a 3 MB pack in
// .git/objects) with runner::copy_tree, and removing the copy again.
// Acceptance: milliseconds, not seconds.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "runner/workspace_tree.h"

namespace {

namespace fs = std::filesystem;

// The checkout every copy is made of, made once.
const fs::path& checkout() {
  static const fs::path root = [] {
    std::string pattern = (fs::temp_directory_path() / "factory-workspace-bench-XXXXXX").string();
    const fs::path dir = fs::path{mkdtemp(pattern.data())} / "checkout";
    const std::string text(6'000, 'x');
    for (int d = 0; d < 180; ++d) {
      const fs::path folder = dir / ("dir" + std::to_string(d / 20)) / ("sub" + std::to_string(d));
      fs::create_directories(folder);
      for (int f = 0; f < 22; ++f) std::ofstream(folder / ("file" + std::to_string(f) + ".cpp")) << text;
    }
    fs::create_directories(dir / ".git/objects/pack");
    std::ofstream(dir / ".git/objects/pack/pack-1.pack") << std::string(3'000'000, 'p');
    return dir;
  }();
  return root;
}

void BM_CopyTree(benchmark::State& state) {
  const fs::path copy = checkout().parent_path() / "copy";
  for (auto _ : state) {
    std::string error;
    if (!runner::copy_tree(checkout(), copy, error)) state.SkipWithError(error.c_str());
    state.PauseTiming();
    runner::remove_tree(copy);
    state.ResumeTiming();
  }
}
BENCHMARK(BM_CopyTree)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_RemoveTree(benchmark::State& state) {
  const fs::path copy = checkout().parent_path() / "copy";
  for (auto _ : state) {
    state.PauseTiming();
    std::string error;
    if (!runner::copy_tree(checkout(), copy, error)) state.SkipWithError(error.c_str());
    state.ResumeTiming();
    runner::remove_tree(copy);
  }
}
BENCHMARK(BM_RemoveTree)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  runner::remove_tree(checkout().parent_path());
  return 0;
}
