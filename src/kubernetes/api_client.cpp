#include "kubernetes/api_client.h"

#include <fstream>
#include <iterator>

namespace kubernetes {

namespace {

// The watch stream's state: bytes not yet ending in a newline, and what to
// call with each complete line.
struct WatchSink {
  std::string partial;
  const std::function<void(const nlohmann::json&)>& on_event;

  void take(std::string_view piece) {
    partial.append(piece);
    for (std::size_t newline; (newline = partial.find('\n')) != std::string::npos;) {
      const auto event = nlohmann::json::parse(partial.substr(0, newline), nullptr, false);
      partial.erase(0, newline + 1);
      if (!event.is_discarded()) on_event(event);
    }
  }
};

std::string read_token(const Cluster& cluster) {
  if (cluster.token_file.empty()) return cluster.token;
  std::ifstream file{cluster.token_file};
  std::string token{std::istreambuf_iterator<char>{file}, {}};
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
  return token;
}

http_client::Tls tls_of(const Cluster& cluster) {
  http_client::Tls tls;
  tls.ca_file = cluster.ca_file.string();
  tls.ca_pem = cluster.ca_data;
  tls.certificate_file = cluster.client_certificate_file.string();
  tls.certificate_pem = cluster.client_certificate_data;
  tls.key_file = cluster.client_key_file.string();
  tls.key_pem = cluster.client_key_data;
  tls.insecure = cluster.insecure;
  return tls;
}

}  // namespace

std::string ApiReply::describe() const {
  if (status == 0) return "no answer from the Kubernetes API server: " + error;
  std::string text = "HTTP " + std::to_string(status);
  if (body.is_object() && body.contains("message") && body["message"].is_string())
    text += ": " + body["message"].get<std::string>();
  return text;
}

ApiClient::ApiClient(Cluster cluster) : cluster_{std::move(cluster)} {
  while (!cluster_.server.empty() && cluster_.server.back() == '/') cluster_.server.pop_back();
}

ApiReply ApiClient::get(const std::string& path) { return call("GET", path, nullptr, nullptr); }

ApiReply ApiClient::post(const std::string& path, const nlohmann::json& body) {
  return call("POST", path, &body, "application/json");
}

ApiReply ApiClient::merge_patch(const std::string& path, const nlohmann::json& patch) {
  return call("PATCH", path, &patch, "application/merge-patch+json");
}

ApiReply ApiClient::remove(const std::string& path, const nlohmann::json& options) {
  return call("DELETE", path, &options, "application/json");
}

http_client::Request ApiClient::request(const char* method, const std::string& path, const char* content_type) const {
  http_client::Request request{.method = method, .url = cluster_.server + path, .tls = tls_of(cluster_)};
  request.headers.push_back("Accept: application/json");
  if (content_type) request.headers.push_back(std::string{"Content-Type: "} + content_type);
  if (const std::string token = read_token(cluster_); !token.empty())
    request.headers.push_back("Authorization: Bearer " + token);
  return request;
}

ApiReply ApiClient::call(const char* method, const std::string& path, const nlohmann::json* body,
                         const char* content_type) {
  http_client::Request request = this->request(method, path, content_type);
  if (body) request.body = body->dump();
  http_client::Reply answer = http_.perform(request);
  ApiReply reply{answer.status, {}, nlohmann::json::object(), answer.error};
  if (answer.status != 0) {
    reply.body = nlohmann::json::parse(answer.body, nullptr, false);
    if (reply.body.is_discarded()) reply.body = nlohmann::json::object();
    reply.text = std::move(answer.body);
  }
  return reply;
}

ApiReply ApiClient::watch(const std::string& path, const std::function<void(const nlohmann::json&)>& on_event,
                          const std::function<bool()>& stop) {
  WatchSink sink{{}, on_event};
  http_client::Request request = this->request("GET", path, nullptr);
  request.timeout = std::chrono::milliseconds::zero();
  request.abort = stop;
  request.on_body = [&sink](std::string_view piece) { sink.take(piece); };
  const http_client::Reply answer = http_.perform(request);
  return ApiReply{answer.status, {}, nlohmann::json::object(), answer.error};
}

}  // namespace kubernetes
