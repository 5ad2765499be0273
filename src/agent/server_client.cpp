#include "agent/server_client.h"

#include <algorithm>
#include <thread>

#include "protocol/protocol.h"

namespace agent {

ServerClient::ServerClient(ClientConfig config, std::function<bool()> abort)
    : config_{std::move(config)}, abort_{std::move(abort)} {}

bool Reply::lease_lost() const { return status == 409 && protocol::error_code(body) == protocol::kLeaseLost; }

bool Reply::cancel_asked() const {
  if (status != 200) return false;
  try {
    return protocol::cancel_answer_from_json(body).cancel;
  } catch (const protocol::Malformed&) {
    return false;
  }
}

Reply ServerClient::post(const std::string& path, const nlohmann::json& body, std::chrono::milliseconds timeout) {
  std::vector<std::string> headers{"Authorization: Bearer " + config_.token, "Content-Type: application/json"};
  if (!config_.lease.empty()) headers.push_back(std::string{protocol::kLeaseHeader} + ": " + config_.lease);
  const http_client::Reply answer = http_.perform({
      .method = "POST",
      .url = config_.server_url + path,
      .headers = std::move(headers),
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
