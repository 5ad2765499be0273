// Request metrics in the Prometheus text exposition format (version 0.0.4):
//   factory_http_requests_total{route,method,status}      counter
//   factory_http_request_duration_seconds{route}          histogram
//   factory_http_open_connections, factory_http_event_streams, process_resident_memory_bytes  gauges
// Routes are labelled by route name, never by raw path, so the number of
// series stays bounded whatever clients send.
//
// Thread-safety: record() and render() may be called from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace http {

struct Gauges {
  std::size_t open_connections = 0;
  std::size_t event_streams = 0;
};

class Metrics {
 public:
  Metrics();
  void record(std::string_view route, std::string_view method, int status, std::chrono::nanoseconds duration);
  std::string render(const Gauges& gauges) const;

 private:
  struct Histogram {
    std::vector<std::uint64_t> counts;  // per bucket, not cumulative
    double sum_seconds = 0;
    std::uint64_t count = 0;
  };
  const std::vector<double> bounds_;  // bucket upper bounds in seconds
  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t, std::less<>> requests_;
  std::map<std::string, Histogram, std::less<>> durations_;
};

// The resident set size of this process in bytes (0 where /proc is missing).
std::size_t resident_memory_bytes();

}  // namespace http
