// The agent's side of the agent protocol's HTTP: JSON POSTs to the server
// with the agent's token. One client, one connection: each thread that talks
// to the server has its own.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "http_client/http_client.h"

namespace agent {

struct ClientConfig {
  std::string server_url;
  std::string token;
  std::string lease;  // the claimed workflow's (protocol::Job::lease); sent on every call when set
  // With Consul: given the URL of a server that did not answer, another
  // server's URL to use from then on (or the same, or empty for no change).
  std::function<std::string(const std::string& unreachable)> relocate;
};

struct Reply {
  long status = 0;  // 0: no answer (the server could not be reached, or the call was aborted)
  nlohmann::json body;
  std::string error;  // why there was no answer

  // The server says the workflow is no longer this agent's.
  bool lease_lost() const;
  // A 200 answer to events or a heartbeat asking to cancel the run.
  bool cancel_asked() const;
};

class ServerClient {
 public:
  // `abort` is polled during a call; returning true ends it with no answer.
  explicit ServerClient(ClientConfig config, std::function<bool()> abort = {});
  ServerClient(const ServerClient&) = delete;
  ServerClient& operator=(const ServerClient&) = delete;

  // A call that gets no answer asks `relocate` for the server to use next.
  Reply post(const std::string& path, const nlohmann::json& body, std::chrono::milliseconds timeout);
  // Any call, with the token and the lease, its answer as bytes (the blob
  // calls: agent/blob_client.h). `headers` go with the token's; each line
  // of the answer's head goes to `on_header` when given.
  http_client::Reply send(std::string method, const std::string& path, std::string body,
                          std::vector<std::string> headers, std::chrono::milliseconds timeout,
                          std::function<void(std::string_view line)> on_header = {});
  // Posts until the server answers with something other than a 5xx, backing
  // off from 100 ms to 5 s between tries: a restarting server loses nothing.
  // Gives up (status 0) when `abort` says so.
  Reply post_until_answered(const std::string& path, const nlohmann::json& body,
                            std::chrono::milliseconds timeout = std::chrono::milliseconds{30'000});

  const std::string& server_url() const { return config_.server_url; }

 private:
  ClientConfig config_;
  std::function<bool()> abort_;
  http_client::Client http_;
};

}  // namespace agent
