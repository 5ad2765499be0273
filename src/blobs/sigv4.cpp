#include "blobs/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <ctime>

#include "blobs/sha256.h"
#include "core/percent.h"

namespace blobs {

namespace {

std::string hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &length);
  return std::string(reinterpret_cast<const char*>(out), length);
}

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::string trimmed(std::string_view value) {
  auto first = value.find_first_not_of(" \t");
  if (first == std::string_view::npos) return "";
  auto last = value.find_last_not_of(" \t");
  return std::string(value.substr(first, last - first + 1));
}

}  // namespace

std::string uri_encode(std::string_view text, bool keep_slash) {
  if (!keep_slash) return core::percent_encode(text);
  std::string encoded;
  for (std::size_t slash; (slash = text.find('/')) != std::string_view::npos; text.remove_prefix(slash + 1)) {
    encoded += core::percent_encode(text.substr(0, slash)) + "/";
  }
  return encoded + core::percent_encode(text);
}

std::string canonical_query(const NameValues& query) {
  NameValues encoded;
  for (const auto& [name, value] : query) encoded.emplace_back(uri_encode(name, false), uri_encode(value, false));
  std::sort(encoded.begin(), encoded.end());
  std::string joined;
  for (const auto& [name, value] : encoded) {
    if (!joined.empty()) joined += '&';
    joined += name + "=" + value;
  }
  return joined;
}

std::string amz_date(std::chrono::system_clock::time_point when) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(when);
  std::tm utc;
  gmtime_r(&seconds, &utc);
  char text[17];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &utc);
  return text;
}

std::string sigv4_authorization(const SigV4Credentials& credentials, const SigV4Request& request,
                                std::string_view date) {
  NameValues headers;
  for (const auto& [name, value] : request.headers) headers.emplace_back(lowercase(name), trimmed(value));
  std::sort(headers.begin(), headers.end());
  std::string canonical_headers, signed_headers;
  for (const auto& [name, value] : headers) {
    canonical_headers += name + ":" + value + "\n";
    signed_headers += (signed_headers.empty() ? "" : ";") + name;
  }
  std::string canonical_request = request.method + "\n" + request.path + "\n" + canonical_query(request.query) + "\n" +
                                  canonical_headers + "\n" + signed_headers + "\n" + request.payload_sha256;
  std::string day(date.substr(0, 8));
  std::string scope = day + "/" + credentials.region + "/" + credentials.service + "/aws4_request";
  std::string to_sign = "AWS4-HMAC-SHA256\n" + std::string(date) + "\n" + scope + "\n" + sha256_hex(canonical_request);
  std::string key = hmac("AWS4" + credentials.secret_key, day);
  key = hmac(key, credentials.region);
  key = hmac(key, credentials.service);
  key = hmac(key, "aws4_request");
  return "AWS4-HMAC-SHA256 Credential=" + credentials.access_key + "/" + scope + ",SignedHeaders=" + signed_headers +
         ",Signature=" + to_hex(hmac(key, to_sign));
}

}  // namespace blobs
