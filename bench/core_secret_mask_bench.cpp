// How long masking takes for one log line: every line an agent ships goes
// through core::SecretMask::apply.
//   build-release/bench/core_secret_mask_bench
#include <benchmark/benchmark.h>

#include <string>

#include "core/secret_mask.h"

namespace {

core::SecretMask ten_secrets() {
  core::Env secrets;
  for (int i = 0; i < 10; ++i) secrets["SECRET_" + std::to_string(i)] = "value-" + std::to_string(i) + "-x9f2kq";
  return core::SecretMask{secrets};
}

void BM_MaskLineWithoutSecrets(benchmark::State& state) {
  const core::SecretMask mask = ten_secrets();
  const std::string line(static_cast<std::size_t>(state.range(0)), 'v');
  for (auto _ : state) benchmark::DoNotOptimize(mask.apply(line));
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_MaskLineWithoutSecrets)->Arg(80)->Arg(200)->Arg(4096);

void BM_MaskLineWithASecret(benchmark::State& state) {
  const core::SecretMask mask = ten_secrets();
  const std::string line = std::string(100, 'v') + "value-3-x9f2kq" + std::string(100, 'v');
  for (auto _ : state) benchmark::DoNotOptimize(mask.apply(line));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(line.size()));
}
BENCHMARK(BM_MaskLineWithASecret);

}  // namespace

BENCHMARK_MAIN();
