#include "http_client/http_client.h"

#include <curl/curl.h>

namespace http_client {

namespace {

// What the callbacks reach during one exchange.
struct Transfer {
  const Request& request;
  std::string& body;
};

size_t take_body(char* data, size_t size, size_t count, void* pointer) {
  auto& transfer = *static_cast<Transfer*>(pointer);
  const std::string_view piece{data, size * count};
  if (transfer.request.on_body)
    transfer.request.on_body(piece);
  else
    transfer.body.append(piece);
  return size * count;
}

size_t take_header(char* data, size_t size, size_t count, void* pointer) {
  static_cast<Transfer*>(pointer)->request.on_header(std::string_view{data, size * count});
  return size * count;
}

int check_abort(void* pointer, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<Transfer*>(pointer)->request.abort() ? 1 : 0;
}

void set_pem(CURL* curl, CURLoption option, const std::string& pem) {
  curl_blob blob{const_cast<char*>(pem.data()), pem.size(), CURL_BLOB_COPY};
  curl_easy_setopt(curl, option, &blob);
}

void set_tls(CURL* curl, const Tls& tls) {
  if (!tls.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, tls.ca_file.c_str());
  if (!tls.ca_pem.empty()) set_pem(curl, CURLOPT_CAINFO_BLOB, tls.ca_pem);
  if (!tls.certificate_file.empty()) curl_easy_setopt(curl, CURLOPT_SSLCERT, tls.certificate_file.c_str());
  if (!tls.certificate_pem.empty()) set_pem(curl, CURLOPT_SSLCERT_BLOB, tls.certificate_pem);
  if (!tls.key_file.empty()) curl_easy_setopt(curl, CURLOPT_SSLKEY, tls.key_file.c_str());
  if (!tls.key_pem.empty()) set_pem(curl, CURLOPT_SSLKEY_BLOB, tls.key_pem);
  if (tls.insecure) {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  }
}

}  // namespace

Client::Client() : curl_{curl_easy_init()} {}

Client::~Client() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

Reply Client::perform(const Request& request) {
  CURL* curl = static_cast<CURL*>(curl_);
  curl_easy_reset(curl);  // options go; the connection stays for the next call
  Reply reply;
  Transfer transfer{request, reply.body};
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  if (!request.body.empty()) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  if (!request.user_agent.empty()) curl_easy_setopt(curl, CURLOPT_USERAGENT, request.user_agent.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &take_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  if (request.on_header) {
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &take_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
  }
  if (request.abort) {
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &check_abort);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  }
  set_tls(curl, request.tls);
  curl_slist* headers = nullptr;
  for (const std::string& header : request.headers) headers = curl_slist_append(headers, header.c_str());
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip for large bodies
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  const CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (code != CURLE_OK) {
    reply.error = curl_easy_strerror(code);
    reply.aborted = code == CURLE_ABORTED_BY_CALLBACK;
    reply.body.clear();
    return reply;
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

}  // namespace http_client
