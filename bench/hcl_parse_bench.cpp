// Parsing speed and memory of the HCL engine on the corpus: the 2 MB
// bench/large.hcl and the small ci/*.hcl files, parse alone and parse plus
// hcl2json. Heap use is counted by replacing the global operator new/delete,
// so `peak_heap_bytes` is the most memory one parse held at once, source
// text included.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <new>
#include <sstream>
#include <vector>

#include "hcl/json.h"
#include "hcl/parser.h"

namespace {

std::atomic<size_t> g_current{0};
std::atomic<size_t> g_peak{0};

void* counted_alloc(size_t size) {
  // The size is stored in front of the block so that delete can count it.
  void* p = std::malloc(size + 16);
  if (!p) throw std::bad_alloc();
  *static_cast<size_t*>(p) = size;
  size_t now = g_current.fetch_add(size, std::memory_order_relaxed) + size;
  size_t peak = g_peak.load(std::memory_order_relaxed);
  while (now > peak && !g_peak.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
  return static_cast<char*>(p) + 16;
}

void counted_free(void* p) {
  if (!p) return;
  void* block = static_cast<char*>(p) - 16;
  g_current.fetch_sub(*static_cast<size_t*>(block), std::memory_order_relaxed);
  std::free(block);
}

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const std::filesystem::path kCorpus = std::filesystem::path(FACTORY_SHARED_DIR) / "hcl-corpus";

// Parses `text` once more, with the peak heap measured from just before the
// source is handed over.
size_t peak_heap_of_one_parse(const std::string& text) {
  std::string copy = text;
  size_t base = g_current.load() - copy.capacity();
  g_peak.store(g_current.load());
  hcl::Diagnostics d;
  hcl::File f = hcl::parse("large.hcl", std::move(copy), d);
  benchmark::DoNotOptimize(f.body);
  return g_peak.load() - base;
}

void BM_ParseLarge(benchmark::State& state) {
  const std::string text = read(kCorpus / "bench" / "large.hcl");
  for (auto _ : state) {
    state.PauseTiming();
    std::string copy = text;
    state.ResumeTiming();
    hcl::Diagnostics d;
    hcl::File f = hcl::parse("large.hcl", std::move(copy), d);
    if (d.has_errors()) state.SkipWithError("large.hcl did not parse");
    benchmark::DoNotOptimize(f.body);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["peak_heap_bytes"] = static_cast<double>(peak_heap_of_one_parse(text));
  state.counters["file_bytes"] = static_cast<double>(text.size());
}
BENCHMARK(BM_ParseLarge)->Unit(benchmark::kMillisecond);

void BM_ParseLargeToJson(benchmark::State& state) {
  const std::string text = read(kCorpus / "bench" / "large.hcl");
  for (auto _ : state) {
    hcl::Diagnostics d;
    hcl::File f = hcl::parse("large.hcl", text, d);
    std::string json = hcl::to_hcl2json(f);
    benchmark::DoNotOptimize(json.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_ParseLargeToJson)->Unit(benchmark::kMillisecond);

void BM_ParseCiFiles(benchmark::State& state) {
  std::vector<std::string> texts;
  size_t bytes = 0;
  for (const auto& e : std::filesystem::directory_iterator(kCorpus / "ci"))
    if (e.path().extension() == ".hcl") {
      texts.push_back(read(e.path()));
      bytes += texts.back().size();
    }
  for (auto _ : state) {
    for (const std::string& t : texts) {
      hcl::Diagnostics d;
      hcl::File f = hcl::parse("ci.hcl", t, d);
      benchmark::DoNotOptimize(f.body);
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["files"] = static_cast<double>(texts.size());
}
BENCHMARK(BM_ParseCiFiles)->Unit(benchmark::kMicrosecond);

}  // namespace

void* operator new(size_t size) { return counted_alloc(size); }
void* operator new[](size_t size) { return counted_alloc(size); }
void operator delete(void* p) noexcept { counted_free(p); }
void operator delete[](void* p) noexcept { counted_free(p); }
void operator delete(void* p, size_t) noexcept { counted_free(p); }
void operator delete[](void* p, size_t) noexcept { counted_free(p); }

BENCHMARK_MAIN();
