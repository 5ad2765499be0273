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

http_client::Reply ServerClient::send(std::string method, const std::string& path, std::string body,
                                      std::vector<std::string> headers, std::chrono::milliseconds timeout,
                                      std::function<void(std::string_view line)> on_header) {
  headers.push_back("Authorization: Bearer " + config_.token);
  if (!config_.lease.empty()) headers.push_back(std::string{protocol::kLeaseHeader} + ": " + config_.lease);
  http_client::Reply answer = http_.perform({
      .method = std::move(method),
      .url = config_.server_url + path,
      .headers = std::move(headers),
      .body = std::move(body),
      .timeout = timeout,
      .abort = abort_,
      .on_header = std::move(on_header),
  });
  if (answer.status == 0 && !answer.aborted && config_.relocate)
    if (std::string elsewhere = config_.relocate(config_.server_url); !elsewhere.empty())
      config_.server_url = std::move(elsewhere);
  return answer;
}

Reply ServerClient::post(const std::string& path, const nlohmann::json& body, std::chrono::milliseconds timeout) {
  const http_client::Reply answer =
      send("POST", path, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
           {"Content-Type: application/json"}, timeout);
  Reply reply{answer.status, nlohmann::json::object(), answer.error};
  if (answer.status == 0) return reply;
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
