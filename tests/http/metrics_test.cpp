// GET /metrics in the Prometheus text format: parsed back, the counts match
// the requests made.
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "http/metrics.h"
#include "test_support.h"

namespace http {
namespace {

using namespace http::testing;

// "name{labels} value" lines, keyed by everything before the value.
std::map<std::string, double> parse_samples(const std::string& text) {
  std::map<std::string, double> samples;
  std::istringstream lines{text};
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    samples[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return samples;
}

TEST(Metrics, CountsRequestsByRouteMethodAndStatus) {
  Router router;
  router.add("GET", "/items/{id}", [](Request&) { return Response::text(200, "item"); }, {.name = "item"});
  router.add("POST", "/items", [](Request&) { return Response::text(201, "made"); });
  auto server = start_server(std::move(router));
  Client client{server->port()};
  for (int i = 0; i < 3; ++i) ASSERT_EQ(client.get("/items/" + std::to_string(i)).status, 200);
  ASSERT_EQ(client.request("POST", "/items", "{}").status, 201);
  ASSERT_EQ(client.request("PUT", "/items/1", "{}").status, 405);
  ASSERT_EQ(client.get("/unknown/a").status, 404);
  ASSERT_EQ(client.get("/unknown/b").status, 404);

  const Reply reply = client.get("/metrics");
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.headers.at("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  auto samples = parse_samples(reply.body);
  EXPECT_EQ(samples[R"(factory_http_requests_total{route="item",method="GET",status="200"})"], 3);
  EXPECT_EQ(samples[R"(factory_http_requests_total{route="/items",method="POST",status="201"})"], 1);
  EXPECT_EQ(samples[R"(factory_http_requests_total{route="unmatched",method="PUT",status="405"})"], 1);
  EXPECT_EQ(samples[R"(factory_http_requests_total{route="unmatched",method="GET",status="404"})"], 2);
  EXPECT_EQ(samples[R"(factory_http_request_duration_seconds_count{route="item"})"], 3);
  EXPECT_EQ(samples[R"(factory_http_request_duration_seconds_bucket{route="item",le="+Inf"})"], 3);
  EXPECT_GT(samples[R"(factory_http_request_duration_seconds_sum{route="item"})"], 0);
  // The metrics request itself is still being answered, so it is not counted yet.
  EXPECT_EQ(samples.count(R"(factory_http_requests_total{route="metrics",method="GET",status="200"})"), 0u);
  EXPECT_GE(samples["factory_http_open_connections"], 1);
  EXPECT_EQ(samples["factory_http_event_streams"], 0);
  EXPECT_GT(samples["process_resident_memory_bytes"], 1e6);
}

TEST(Metrics, HistogramBucketsAreCumulative) {
  Metrics metrics;
  metrics.record("r", "GET", 200, std::chrono::microseconds{100});  // first bucket
  metrics.record("r", "GET", 200, std::chrono::milliseconds{3});    // le=0.005
  metrics.record("r", "GET", 500, std::chrono::seconds{20});        // only +Inf
  auto samples = parse_samples(metrics.render({}));
  EXPECT_EQ(samples[R"(factory_http_request_duration_seconds_bucket{route="r",le="0.0005"})"], 1);
  EXPECT_EQ(samples[R"(factory_http_request_duration_seconds_bucket{route="r",le="0.0025"})"], 1);
  EXPECT_EQ(samples[R"(factory_http_request_duration_seconds_bucket{route="r",le="0.005"})"], 2);
  EXPECT_EQ(samples[R"(factory_http_request_duration_seconds_bucket{route="r",le="10"})"], 2);
  EXPECT_EQ(samples[R"(factory_http_request_duration_seconds_bucket{route="r",le="+Inf"})"], 3);
  EXPECT_NEAR(samples[R"(factory_http_request_duration_seconds_sum{route="r"})"], 20.0031, 1e-6);
  EXPECT_EQ(samples[R"(factory_http_requests_total{route="r",method="GET",status="500"})"], 1);
}

TEST(Metrics, EscapesLabelValues) {
  Metrics metrics;
  metrics.record("a\"b\\c\nd", "GET", 200, std::chrono::milliseconds{1});
  EXPECT_NE(metrics.render({}).find(R"(route="a\"b\\c\nd")"), std::string::npos);
}

}  // namespace
}  // namespace http
