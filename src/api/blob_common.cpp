#include "api/blob_common.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace api {

namespace {

void add_unique(std::vector<std::string>& scopes, const std::string& scope) {
  if (!scope.empty() && std::find(scopes.begin(), scopes.end(), scope) == scopes.end()) scopes.push_back(scope);
}

bool parse_number(std::string_view text, std::uint64_t& value) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return !text.empty() && error == std::errc{} && end == text.data() + text.size();
}

}  // namespace

CacheScopes cache_scopes(const core::Event& event, std::string_view default_branch) {
  CacheScopes scopes;
  if (event.name == "pull_request") {
    if (!event.branch.empty()) scopes.write = (event.from_fork ? "pr:fork:" : "pr:") + event.branch;
    add_unique(scopes.read, scopes.write);
    add_unique(scopes.read, event.target_branch);
  } else if (event.name == "tag") {
    if (!event.tag.empty()) scopes.write = "tag:" + event.tag;
    add_unique(scopes.read, scopes.write);
  } else {
    scopes.write = event.branch;
    add_unique(scopes.read, scopes.write);
  }
  add_unique(scopes.read, std::string{default_branch});
  return scopes;
}

blobs::Store& blob_store(const ApiOptions& options) {
  if (!options.blobs) fail(503, "no_blob_store", "this server keeps no caches or artifacts (it has no blob store)");
  return *options.blobs;
}

void fail(const blobs::Error& error) {
  switch (error.kind) {
    case blobs::ErrorKind::NotFound: fail(404, "not_found", error.message);
    case blobs::ErrorKind::Corrupt: fail(422, "corrupt", error.message);
    case blobs::ErrorKind::Refused: fail(403, "refused", error.message);
    case blobs::ErrorKind::Conflict: fail(409, "conflict", error.message);
    case blobs::ErrorKind::Invalid: fail(400, "invalid", error.message);
    case blobs::ErrorKind::Io: break;
  }
  std::fprintf(stderr, "api: blob store: %s\n", error.message.c_str());
  fail(503, "unavailable", "the blob store cannot be reached now; try again");
}

std::optional<ByteRange> parse_range(std::string_view header, std::uint64_t size, RangeProblem& problem) {
  problem = RangeProblem::Malformed;
  constexpr std::string_view kUnit = "bytes=";
  if (!header.starts_with(kUnit)) return std::nullopt;
  header.remove_prefix(kUnit.size());
  const auto dash = header.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  ByteRange range;
  if (!parse_number(header.substr(0, dash), range.first)) return std::nullopt;  // also the suffix form "-N"
  const std::string_view last = header.substr(dash + 1);
  range.last = UINT64_MAX;
  if (!last.empty() && (!parse_number(last, range.last) || range.last < range.first)) return std::nullopt;
  if (range.first >= size) {
    problem = RangeProblem::Unsatisfiable;
    return std::nullopt;
  }
  range.last = std::min(range.last, size - 1);
  return range;
}

std::string read_blob_range(blobs::Store& blobs, std::string_view digest, std::uint64_t offset,
                            std::uint64_t length) {
  std::string bytes;
  bytes.reserve(length);
  unwrap(blobs.read_range(digest, offset, length, [&bytes](std::string_view piece) {
    bytes.append(piece);
    return true;
  }));
  return bytes;
}

bool verify_blob(blobs::Store& blobs, store::Store& store, const std::string& digest) {
  const blobs::Status read = blobs.read(digest, [](std::string_view) { return true; });
  if (read) return true;
  if (read.error().kind != blobs::ErrorKind::Corrupt) fail(read.error());
  std::fprintf(stderr, "api: blob %s is corrupt: removed, with what names it\n", digest.c_str());
  (void)blobs.remove(digest);  // gone already is as good
  unwrap(store.forget_blob(digest));
  return false;
}

}  // namespace api
