#include "kubernetes/api_client.h"

#include <curl/curl.h>

#include <fstream>
#include <iterator>

namespace kubernetes {

namespace {

constexpr long kRequestTimeoutMs = 30'000;

size_t append_body(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

// The watch stream's state: bytes not yet ending in a newline, and what to
// call with each complete line.
struct WatchSink {
  std::string partial;
  const std::function<void(const nlohmann::json&)>* on_event;
  const std::function<bool()>* stop;
};

size_t take_events(char* data, size_t size, size_t count, void* sink_pointer) {
  auto& sink = *static_cast<WatchSink*>(sink_pointer);
  sink.partial.append(data, size * count);
  for (std::size_t newline; (newline = sink.partial.find('\n')) != std::string::npos;) {
    const auto event = nlohmann::json::parse(sink.partial.substr(0, newline), nullptr, false);
    sink.partial.erase(0, newline + 1);
    if (!event.is_discarded()) (*sink.on_event)(event);
  }
  return size * count;
}

int check_stop(void* stop, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto& should_stop = *static_cast<const std::function<bool()>*>(stop);
  return should_stop && should_stop() ? 1 : 0;
}

std::string read_token(const Cluster& cluster) {
  if (cluster.token_file.empty()) return cluster.token;
  std::ifstream file{cluster.token_file};
  std::string token{std::istreambuf_iterator<char>{file}, {}};
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
  return token;
}

curl_slist* request_headers(const Cluster& cluster, const char* content_type) {
  curl_slist* headers = curl_slist_append(nullptr, "Accept: application/json");
  if (content_type) headers = curl_slist_append(headers, (std::string{"Content-Type: "} + content_type).c_str());
  if (const std::string token = read_token(cluster); !token.empty())
    headers = curl_slist_append(headers, ("Authorization: Bearer " + token).c_str());
  return headers;
}

void set_blob(CURL* curl, CURLoption option, const std::string& pem) {
  curl_blob blob{const_cast<char*>(pem.data()), pem.size(), CURL_BLOB_COPY};
  curl_easy_setopt(curl, option, &blob);
}

void set_tls(CURL* curl, const Cluster& cluster) {
  if (!cluster.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, cluster.ca_file.c_str());
  if (!cluster.ca_data.empty()) set_blob(curl, CURLOPT_CAINFO_BLOB, cluster.ca_data);
  if (!cluster.client_certificate_file.empty())
    curl_easy_setopt(curl, CURLOPT_SSLCERT, cluster.client_certificate_file.c_str());
  if (!cluster.client_certificate_data.empty()) set_blob(curl, CURLOPT_SSLCERT_BLOB, cluster.client_certificate_data);
  if (!cluster.client_key_file.empty()) curl_easy_setopt(curl, CURLOPT_SSLKEY, cluster.client_key_file.c_str());
  if (!cluster.client_key_data.empty()) set_blob(curl, CURLOPT_SSLKEY_BLOB, cluster.client_key_data);
  if (cluster.insecure) {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  }
}

// Performs the prepared request with `headers`; the reply's status, or why
// there is none.
ApiReply perform(CURL* curl, curl_slist* headers) {
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  const CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  ApiReply reply;
  if (code != CURLE_OK) {
    reply.error = curl_easy_strerror(code);
    return reply;
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

}  // namespace

std::string ApiReply::describe() const {
  if (status == 0) return "no answer from the Kubernetes API server: " + error;
  std::string text = "HTTP " + std::to_string(status);
  if (body.is_object() && body.contains("message") && body["message"].is_string())
    text += ": " + body["message"].get<std::string>();
  return text;
}

ApiClient::ApiClient(Cluster cluster) : cluster_{std::move(cluster)}, curl_{curl_easy_init()} {
  while (!cluster_.server.empty() && cluster_.server.back() == '/') cluster_.server.pop_back();
}

ApiClient::~ApiClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

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

void ApiClient::prepare(const std::string& path) {
  CURL* curl = static_cast<CURL*>(curl_);
  curl_easy_reset(curl);
  const std::string url = cluster_.server + path;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 5'000L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  set_tls(curl, cluster_);
}

ApiReply ApiClient::call(const char* method, const std::string& path, const nlohmann::json* body,
                         const char* content_type) {
  CURL* curl = static_cast<CURL*>(curl_);
  prepare(path);
  const std::string payload = body ? body->dump() : std::string{};
  std::string answer;
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
  if (body) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, payload.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(payload.size()));
  }
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, kRequestTimeoutMs);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &append_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
  ApiReply reply = perform(curl, request_headers(cluster_, content_type));
  if (reply.status != 0) {
    reply.body = nlohmann::json::parse(answer, nullptr, false);
    if (reply.body.is_discarded()) reply.body = nlohmann::json::object();
    reply.text = std::move(answer);
  }
  return reply;
}

ApiReply ApiClient::watch(const std::string& path, const std::function<void(const nlohmann::json&)>& on_event,
                          const std::function<bool()>& stop) {
  CURL* curl = static_cast<CURL*>(curl_);
  prepare(path);
  WatchSink sink{{}, &on_event, &stop};
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &take_events);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &check_stop);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &stop);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  return perform(curl, request_headers(cluster_, nullptr));
}

}  // namespace kubernetes
