// Per-request costs of the HTTP layer outside the socket: route lookup in a
// router the size of the API's, query parsing, and recording metrics.
#include <benchmark/benchmark.h>

#include "http/metrics.h"
#include "http/router.h"

namespace {

http::Router api_sized_router() {
  http::Router router;
  const auto ok = [](http::Request&) { return http::Response::text(200, "ok"); };
  for (const char* collection : {"owners", "projects", "workflows", "agents", "secrets"}) {
    const std::string base = std::string{"/api/v1/"} + collection;
    router.add("GET", base, ok);
    router.add("POST", base, ok);
    router.add("GET", base + "/{id}", ok);
    router.add("PUT", base + "/{id}", ok);
    router.add("DELETE", base + "/{id}", ok);
  }
  router.add("GET", "/project", ok);
  return router;
}

void BM_MatchLastRoute(benchmark::State& state) {
  const http::Router router = api_sized_router();
  for (auto _ : state) {
    benchmark::DoNotOptimize(router.match("DELETE", "/api/v1/secrets/0190a3c2-7e4b-7c1d-8f00-123456789abc"));
  }
}
BENCHMARK(BM_MatchLastRoute);

void BM_MatchSeedRoute(benchmark::State& state) {
  const http::Router router = api_sized_router();
  for (auto _ : state) benchmark::DoNotOptimize(router.match("GET", "/project"));
}
BENCHMARK(BM_MatchSeedRoute);

void BM_ParseQuery(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(http::parse_query("id=0190a3c2-7e4b-7c1d-8f00-123456789abc&limit=50&after=x%20y"));
  }
}
BENCHMARK(BM_ParseQuery);

void BM_RecordMetrics(benchmark::State& state) {
  http::Metrics metrics;
  for (auto _ : state) metrics.record("/api/v1/projects/{id}", "GET", 200, std::chrono::microseconds{700});
}
BENCHMARK(BM_RecordMetrics)->Threads(1)->Threads(2);

}  // namespace

BENCHMARK_MAIN();
