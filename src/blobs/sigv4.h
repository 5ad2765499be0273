// AWS Signature Version 4 for S3 requests (the Authorization header form),
// with OpenSSL's HMAC-SHA256. Checked against AWS's documented examples and
// curl's --aws-sigv4 in tests/blobs/sigv4_test.cpp. Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace blobs {

struct SigV4Credentials {
  std::string access_key;
  std::string secret_key;
  std::string region;
  std::string service = "s3";
};

using NameValues = std::vector<std::pair<std::string, std::string>>;

struct SigV4Request {
  std::string method;
  std::string path;       // as sent, already encoded (uri_encode(key, true))
  NameValues query;       // names and values not encoded
  NameValues headers;     // every header to sign: host, x-amz-date, x-amz-content-sha256, range, ...
  std::string payload_sha256;  // hex; sha256 of "" for an empty body
};

// RFC 3986 percent-encoding of everything but unreserved characters (and
// '/' when keep_slash), as SigV4 canonical requests need.
std::string uri_encode(std::string_view text, bool keep_slash);
// "a=1&b=2", names sorted, both encoded: the canonical query string, and the
// query to send.
std::string canonical_query(const NameValues& query);
// "20130524T000000Z"
std::string amz_date(std::chrono::system_clock::time_point when);
// The Authorization header's value for `request` at `date` (amz_date form).
std::string sigv4_authorization(const SigV4Credentials& credentials, const SigV4Request& request,
                                std::string_view date);

}  // namespace blobs
