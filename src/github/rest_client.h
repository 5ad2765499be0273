// The HTTP side of GitHub's REST API: one call = one JSON request to
// <api_url><path> (https://api.github.com, or https://HOST/api/v3 for GitHub
// Enterprise Server) with GitHub's media type and API version, and the
// waiting GitHub asks of its clients:
//   - a 5xx or no answer is tried again, `attempts` times in all, waiting
//     `backoff`, then twice as long each time;
//   - a refusal for rate limiting (403 or 429 with Retry-After, or with
//     X-RateLimit-Remaining: 0) is tried again once the time GitHub named
//     has passed (Retry-After seconds, or the X-RateLimit-Reset epoch
//     second), if that is within `longest_wait`; otherwise the refusal is
//     returned with `retry_at` set, for the caller to come back then;
//   - an answer saying X-RateLimit-Remaining: 0 makes the next calls with
//     the same credentials wait for the reset the same way, rather than be
//     refused.
// stop() ends the calls under way and every later one at once, with no
// answer: a server shutting down does not wait out GitHub's troubles.
// Thread-safe: each call uses an http_client::Client of its own.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace github {

struct RestOptions {
  std::string api_url = "https://api.github.com";
  int attempts = 4;
  std::chrono::milliseconds backoff{1'000};
  std::chrono::milliseconds longest_wait{60'000};
  std::chrono::milliseconds timeout{30'000};
};

struct RestReply {
  long status = 0;  // 0: no answer (`error` says why)
  nlohmann::json body;  // null when the body was empty or not JSON
  std::string error;
  // Set when GitHub refused for rate limiting and the wait was too long.
  std::optional<std::chrono::system_clock::time_point> retry_at;

  bool ok() const { return status >= 200 && status < 300; }
  // What went wrong, for logs: GitHub's "message", else the status or `error`.
  std::string problem() const;
};

class RestClient {
 public:
  explicit RestClient(RestOptions options);

  // `authorization` is the whole header value ("Bearer …"); `body` null
  // sends none.
  RestReply call(const std::string& method, const std::string& path, const std::string& authorization,
                 const nlohmann::json& body = nullptr) const;

  const RestOptions& options() const { return options_; }

  void stop();

 private:
  // Waits until `until` unless stopped first; false when stopped.
  bool pause(std::chrono::system_clock::time_point until) const;

  // The reply to give instead of calling, when `authorization` has no calls
  // left for longer than `longest_wait`; else waits until it has.
  std::optional<RestReply> wait_for_rate_limit(const std::string& authorization) const;

  RestOptions options_;
  std::atomic<bool> stopped_{false};
  mutable std::mutex mutex_;
  mutable std::condition_variable stopping_;
  // Credentials whose rate limit ran out → its reset.
  mutable std::map<std::string, std::chrono::system_clock::time_point> exhausted_;
};

}  // namespace github
