#include "http/metrics.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

namespace http {

namespace {

// Label values escape backslash, double quote and line feed.
std::string label(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    out += c == '\n' ? std::string{"\\n"} : std::string(1, c);
  }
  return out;
}

}  // namespace

Metrics::Metrics() : bounds_{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10} {}

void Metrics::record(std::string_view route, std::string_view method, int status, std::chrono::nanoseconds duration) {
  const double seconds = std::chrono::duration<double>(duration).count();
  std::size_t bucket = 0;
  while (bucket < bounds_.size() && seconds > bounds_[bucket]) ++bucket;
  std::lock_guard lock{mutex_};
  auto key = std::make_tuple(std::string{route}, std::string{method}, status);
  ++requests_[std::move(key)];
  auto it = durations_.find(route);
  if (it == durations_.end()) {
    it = durations_.emplace(std::string{route}, Histogram{std::vector<std::uint64_t>(bounds_.size() + 1)}).first;
  }
  Histogram& histogram = it->second;
  ++histogram.counts[bucket];
  histogram.sum_seconds += seconds;
  ++histogram.count;
}

std::string Metrics::render(const Gauges& gauges) const {
  std::ostringstream out;
  std::lock_guard lock{mutex_};
  out << "# HELP factory_http_requests_total HTTP requests answered, by route, method and status.\n"
      << "# TYPE factory_http_requests_total counter\n";
  for (const auto& [key, count] : requests_) {
    const auto& [route, method, status] = key;
    out << "factory_http_requests_total{route=\"" << label(route) << "\",method=\"" << label(method)
        << "\",status=\"" << status << "\"} " << count << '\n';
  }
  out << "# HELP factory_http_request_duration_seconds Time from a request's headers to its response's last byte.\n"
      << "# TYPE factory_http_request_duration_seconds histogram\n";
  for (const auto& [route, histogram] : durations_) {
    const std::string name = label(route);
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
      cumulative += histogram.counts[i];
      out << "factory_http_request_duration_seconds_bucket{route=\"" << name << "\",le=\"" << bounds_[i] << "\"} "
          << cumulative << '\n';
    }
    out << "factory_http_request_duration_seconds_bucket{route=\"" << name << "\",le=\"+Inf\"} " << histogram.count
        << '\n'
        << "factory_http_request_duration_seconds_sum{route=\"" << name << "\"} " << histogram.sum_seconds << '\n'
        << "factory_http_request_duration_seconds_count{route=\"" << name << "\"} " << histogram.count << '\n';
  }
  out << "# HELP factory_http_open_connections Client connections open now, event streams included.\n"
      << "# TYPE factory_http_open_connections gauge\n"
      << "factory_http_open_connections " << gauges.open_connections << '\n'
      << "# HELP factory_http_event_streams Server-sent event streams open now.\n"
      << "# TYPE factory_http_event_streams gauge\n"
      << "factory_http_event_streams " << gauges.event_streams << '\n'
      << "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
      << "# TYPE process_resident_memory_bytes gauge\n"
      << "process_resident_memory_bytes " << resident_memory_bytes() << '\n';
  return out.str();
}

std::size_t resident_memory_bytes() {
  std::ifstream statm{"/proc/self/statm"};
  std::size_t total_pages = 0;
  std::size_t resident_pages = 0;
  if (!(statm >> total_pages >> resident_pages)) return 0;
  return resident_pages * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace http
