#include "agent/server_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <thread>

namespace agent {

namespace {

size_t append_body(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

int check_abort(void* abort, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto& should_abort = *static_cast<const std::function<bool()>*>(abort);
  return should_abort && should_abort() ? 1 : 0;
}

}  // namespace

ServerClient::ServerClient(ClientConfig config, std::function<bool()> abort)
    : config_{std::move(config)}, abort_{std::move(abort)}, curl_{curl_easy_init()} {}

ServerClient::~ServerClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

Reply ServerClient::post(const std::string& path, const nlohmann::json& body, std::chrono::milliseconds timeout) {
  CURL* curl = static_cast<CURL*>(curl_);
  Reply reply;
  const std::string url = config_.server_url + path;
  const std::string payload = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string answer;
  curl_easy_reset(curl);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, payload.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(payload.size()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 5'000L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &append_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &check_abort);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &abort_);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  const std::string authorization = "Authorization: Bearer " + config_.token;
  const std::string agent = "X-Factory-Agent: " + config_.agent_name;
  curl_slist* headers = curl_slist_append(nullptr, authorization.c_str());
  headers = curl_slist_append(headers, agent.c_str());
  headers = curl_slist_append(headers, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip for big batches
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  const CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (code != CURLE_OK) {
    reply.error = curl_easy_strerror(code);
    if (code != CURLE_ABORTED_BY_CALLBACK && config_.relocate)
      if (std::string elsewhere = config_.relocate(config_.server_url); !elsewhere.empty())
        config_.server_url = std::move(elsewhere);
    return reply;
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  reply.body = nlohmann::json::parse(answer, nullptr, false);
  if (reply.body.is_discarded()) reply.body = nlohmann::json::object();
  return reply;
}

Reply ServerClient::post_until_answered(const std::string& path, const nlohmann::json& body,
                                        std::chrono::milliseconds timeout) {
  std::chrono::milliseconds backoff{100};
  for (;;) {
    Reply reply = post(path, body, timeout);
    if (reply.status != 0 && reply.status < 500) return reply;
    if (abort_ && abort_()) return reply;
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds{5'000});
  }
}

}  // namespace agent
