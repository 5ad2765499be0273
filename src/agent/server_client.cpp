#include "agent/server_client.h"

#include <algorithm>
#include <thread>

namespace agent {

ServerClient::ServerClient(ClientConfig config, std::function<bool()> abort)
    : config_{std::move(config)}, abort_{std::move(abort)} {}

Reply ServerClient::post(const std::string& path, const nlohmann::json& body, std::chrono::milliseconds timeout) {
  const http_client::Reply answer = http_.perform({
      .method = "POST",
      .url = config_.server_url + path,
      .headers = {"Authorization: Bearer " + config_.token, "X-Factory-Agent: " + config_.agent_name,
                  "Content-Type: application/json"},
      .body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
      .timeout = timeout,
      .abort = abort_,
  });
  Reply reply{answer.status, nlohmann::json::object(), answer.error};
  if (answer.status == 0) {
    if (!answer.aborted && config_.relocate)
      if (std::string elsewhere = config_.relocate(config_.server_url); !elsewhere.empty())
        config_.server_url = std::move(elsewhere);
    return reply;
  }
  reply.body = nlohmann::json::parse(answer.body, nullptr, false);
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
