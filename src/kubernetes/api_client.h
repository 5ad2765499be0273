// A client of the Kubernetes REST API over src/http_client: JSON requests, and
// watches read as they stream (one JSON event per line).
//
// Thread-safety: one client per thread (it keeps one connection).
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "http_client/http_client.h"
#include "kubernetes/cluster.h"

namespace kubernetes {

struct ApiReply {
  long status = 0;  // 0: no answer; `error` says why
  std::string text;  // the body as sent (a pod's log is plain text)
  nlohmann::json body;  // parsed, when it is JSON; else an empty object
  std::string error;

  bool ok() const { return status >= 200 && status < 300; }
  // For people: "HTTP 403: jobs.batch is forbidden: ..." (the Status
  // object's message), or why there was no answer.
  std::string describe() const;
};

class ApiClient {
 public:
  explicit ApiClient(Cluster cluster);
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  ApiReply get(const std::string& path);
  ApiReply post(const std::string& path, const nlohmann::json& body);
  // A JSON merge patch (RFC 7386).
  ApiReply merge_patch(const std::string& path, const nlohmann::json& patch);
  // DELETE with a DeleteOptions body.
  ApiReply remove(const std::string& path, const nlohmann::json& options);

  // GETs `path` (a ?watch=1 list) and calls `on_event` with each event
  // ({"type": "ADDED", "object": {...}}) as it arrives, until the server
  // ends the stream or `stop` returns true. The reply has no body.
  ApiReply watch(const std::string& path, const std::function<void(const nlohmann::json&)>& on_event,
                 const std::function<bool()>& stop);

 private:
  http_client::Request request(const char* method, const std::string& path, const char* content_type) const;
  ApiReply call(const char* method, const std::string& path, const nlohmann::json* body, const char* content_type);

  Cluster cluster_;
  http_client::Client http_;
};

}  // namespace kubernetes
