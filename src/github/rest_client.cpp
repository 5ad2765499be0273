#include "github/rest_client.h"

#include <algorithm>
#include <charconv>

#include "http_client/http_client.h"

namespace github {

namespace {

using Clock = std::chrono::system_clock;

// What one exchange gave, before deciding whether to try again.
struct Exchange {
  RestReply reply;
  std::optional<std::int64_t> retry_after;     // seconds
  std::optional<std::int64_t> remaining;       // X-RateLimit-Remaining
  std::optional<std::int64_t> reset;           // X-RateLimit-Reset, Unix seconds
};

std::optional<std::int64_t> number(std::string_view text) {
  while (!text.empty() && (text.back() == '\r' || text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

bool header_named(std::string_view line, std::string_view name) {
  if (line.size() <= name.size() || line[name.size()] != ':') return false;
  return std::equal(name.begin(), name.end(), line.begin(),
                    [](char a, char b) { return std::tolower(a) == std::tolower(b); });
}

// The rate-limit headers of one answer's header line.
void read_header(std::string_view line, Exchange& exchange) {
  const auto value = [&](std::string_view name) { return number(line.substr(name.size() + 1)); };
  if (header_named(line, "retry-after")) exchange.retry_after = value("retry-after");
  if (header_named(line, "x-ratelimit-remaining")) exchange.remaining = value("x-ratelimit-remaining");
  if (header_named(line, "x-ratelimit-reset")) exchange.reset = value("x-ratelimit-reset");
}

RestReply stopped_reply() {
  RestReply reply;
  reply.error = "the GitHub client was stopped";
  return reply;
}

Exchange exchange(const RestOptions& options, const std::atomic<bool>& stopped, const std::string& method,
                  const std::string& path, const std::string& authorization, const std::string& payload) {
  Exchange result;
  http_client::Request request{
      .method = method,
      .url = options.api_url + path,
      .headers = {"Accept: application/vnd.github+json", "X-GitHub-Api-Version: 2022-11-28",
                  "Authorization: " + authorization},
      .body = payload,
      .timeout = options.timeout,
      .connect_timeout = std::chrono::seconds{10},
      .user_agent = "FactoryCI",  // GitHub refuses requests without one
      .abort = [&stopped] { return stopped.load(); },
      .on_header = [&result](std::string_view line) { read_header(line, result); },
  };
  if (!payload.empty()) request.headers.push_back("Content-Type: application/json");
  const http_client::Reply answer = http_client::Client{}.perform(request);
  result.reply.status = answer.status;
  result.reply.error = answer.error;
  if (answer.status == 0) return result;
  result.reply.body = nlohmann::json::parse(answer.body, nullptr, false);
  if (result.reply.body.is_discarded()) result.reply.body = nullptr;
  return result;
}

// When a rate-limit refusal may be tried again; nullopt for other answers.
std::optional<Clock::time_point> rate_limited_until(const Exchange& exchange) {
  const long status = exchange.reply.status;
  if (status != 403 && status != 429) return std::nullopt;
  if (exchange.retry_after) return Clock::now() + std::chrono::seconds{*exchange.retry_after};
  if (exchange.remaining == 0 && exchange.reset)
    return Clock::time_point{std::chrono::seconds{*exchange.reset}};
  return std::nullopt;
}

}  // namespace

std::string RestReply::problem() const {
  if (status == 0) return error;
  std::string text = "GitHub answered " + std::to_string(status);
  if (body.is_object() && body.contains("message") && body["message"].is_string())
    text += ": " + body["message"].get<std::string>();
  return text;
}

RestClient::RestClient(RestOptions options) : options_{std::move(options)} {
  while (options_.api_url.ends_with('/')) options_.api_url.pop_back();
}

std::optional<RestReply> RestClient::wait_for_rate_limit(const std::string& authorization) const {
  Clock::time_point reset;
  {
    std::lock_guard lock{mutex_};
    const auto found = exhausted_.find(authorization);
    if (found == exhausted_.end()) return std::nullopt;
    reset = found->second;
    if (reset <= Clock::now()) {
      exhausted_.erase(found);
      return std::nullopt;
    }
  }
  if (reset - Clock::now() > options_.longest_wait) {
    RestReply refusal;
    refusal.error = "GitHub's rate limit for these credentials is used up until its reset";
    refusal.retry_at = reset;
    return refusal;
  }
  if (!pause(reset)) return stopped_reply();
  return std::nullopt;
}

bool RestClient::pause(Clock::time_point until) const {
  std::unique_lock lock{mutex_};
  return !stopping_.wait_until(lock, until, [this] { return stopped_.load(); });
}

void RestClient::stop() {
  {
    std::lock_guard lock{mutex_};
    stopped_ = true;
  }
  stopping_.notify_all();
}

RestReply RestClient::call(const std::string& method, const std::string& path, const std::string& authorization,
                           const nlohmann::json& body) const {
  const std::string payload = body.is_null() ? std::string{} : body.dump();
  std::chrono::milliseconds backoff = options_.backoff;
  for (int attempt = 1;; ++attempt) {
    if (stopped_) return stopped_reply();
    if (auto refusal = wait_for_rate_limit(authorization)) return *refusal;
    Exchange result = exchange(options_, stopped_, method, path, authorization, payload);
    if (result.remaining == 0 && result.reset) {
      std::lock_guard lock{mutex_};
      exhausted_[authorization] = Clock::time_point{std::chrono::seconds{*result.reset}};
    }
    if (const auto until = rate_limited_until(result)) {
      if (*until - Clock::now() > options_.longest_wait || attempt >= options_.attempts) {
        result.reply.retry_at = *until;
        return result.reply;
      }
      if (!pause(*until)) return stopped_reply();
      continue;
    }
    const bool server_trouble = result.reply.status == 0 || result.reply.status >= 500;
    if (!server_trouble || attempt >= options_.attempts) return result.reply;
    if (!pause(Clock::now() + backoff)) return stopped_reply();
    backoff *= 2;
  }
}

}  // namespace github
