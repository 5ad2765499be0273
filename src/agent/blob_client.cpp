#include "agent/blob_client.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <memory>
#include <thread>

#include "blobs/sha256.h"
#include "protocol/protocol.h"

namespace agent {

namespace {

using nlohmann::json;

std::string error_message(const http_client::Reply& reply) {
  if (reply.status == 0) return "no answer from the server: " + reply.error;
  const json body = json::parse(reply.body, nullptr, false);
  if (body.is_object() && body.contains("error") && body["error"].is_object() && body["error"].contains("message") &&
      body["error"]["message"].is_string())
    return body["error"]["message"].get<std::string>();
  return "the server answered " + std::to_string(reply.status);
}

// What a refusal means to the runner (blob_client.h).
blobs::Error refusal(const http_client::Reply& reply) {
  const std::string message = error_message(reply);
  switch (reply.status) {
    case 404: return {blobs::ErrorKind::NotFound, message};
    case 422: return {blobs::ErrorKind::Corrupt, message};
    case 403: return {blobs::ErrorKind::Refused, message};
    case 409: return {blobs::ErrorKind::Conflict, message};
    case 400:
    case 413:
    case 416: return {blobs::ErrorKind::Invalid, message};
    default: return {blobs::ErrorKind::Io, message};
  }
}

std::string code_of(const http_client::Reply& reply) {
  return protocol::error_code(json::parse(reply.body, nullptr, false));
}

// An answer's JSON as `from_json` reads it, or why it cannot.
template <class Read>
auto decode(const blobs::Result<json>& answer, Read from_json) -> blobs::Result<decltype(from_json(json{}))> {
  if (!answer) return answer.error();
  try {
    return from_json(answer.value());
  } catch (const protocol::Malformed& error) {
    return blobs::Error{blobs::ErrorKind::Io, std::string{"the server's answer is not understood: "} + error.what()};
  }
}

blobs::Result<json> body_of(const http_client::Reply& reply) {
  json body = json::parse(reply.body, nullptr, false);
  if (body.is_discarded()) return blobs::Error{blobs::ErrorKind::Io, "the server's answer is not JSON"};
  return body;
}

// Fills `chunk` with up to `length` bytes of `source`.
blobs::Status read_chunk(const blobs::Source& source, std::uint64_t length, std::string& chunk) {
  chunk.resize(length);
  std::size_t filled = 0;
  while (filled < length) {
    const std::ptrdiff_t got = source(chunk.data() + filled, length - filled);
    if (got < 0) return blobs::Error{blobs::ErrorKind::Io, "the blob's source cannot be read"};
    if (got == 0) return blobs::Error{blobs::ErrorKind::Invalid, "the blob's source ended before its size"};
    filled += static_cast<std::size_t>(got);
  }
  return blobs::Ok{};
}

// "bytes A-B/T" or "bytes */T": A, B and T; false when it is neither.
bool parse_content_range(std::string_view value, std::uint64_t& first, std::uint64_t& last, std::uint64_t& total) {
  auto number = [](std::string_view text, std::uint64_t& out) {
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
    return !text.empty() && error == std::errc{} && end == text.data() + text.size();
  };
  if (!value.starts_with("bytes ")) return false;
  value.remove_prefix(6);
  const auto slash = value.find('/');
  if (slash == std::string_view::npos || !number(value.substr(slash + 1), total)) return false;
  const std::string_view span = value.substr(0, slash);
  if (span == "*") {
    first = total;
    last = total;  // nothing: the caller checks first == total
    return true;
  }
  const auto dash = span.find('-');
  return dash != std::string_view::npos && number(span.substr(0, dash), first) &&
         number(span.substr(dash + 1), last) && first <= last;
}

bool is_header(std::string_view line, std::string_view name) {
  if (line.size() <= name.size() || line[name.size()] != ':') return false;
  return std::equal(name.begin(), name.end(), line.begin(),
                    [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b)); });
}

std::string header_value(std::string_view line, std::string_view name) {
  line.remove_prefix(name.size() + 1);
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n' || line.back() == ' ')) line.remove_suffix(1);
  return std::string{line};
}

}  // namespace

BlobSource file_source(std::filesystem::path path) {
  return [path = std::move(path)](std::uint64_t offset) -> blobs::Source {
    auto file = std::make_shared<std::ifstream>(path, std::ios::binary);
    if (*file) file->seekg(static_cast<std::streamoff>(offset));
    return [file](char* buffer, std::size_t capacity) -> std::ptrdiff_t {
      if (!*file) return file->eof() ? 0 : -1;
      file->read(buffer, static_cast<std::streamsize>(capacity));
      if (file->bad()) return -1;
      return static_cast<std::ptrdiff_t>(file->gcount());
    };
  };
}

BlobClient::BlobClient(ServerClient& server, std::string workflow_id, BlobClientOptions options)
    : server_{server}, workflow_id_{std::move(workflow_id)}, options_{options} {}

http_client::Reply BlobClient::call(const std::string& method, const std::string& path, const std::string& body,
                                    std::vector<std::string> headers,
                                    std::function<void(std::string_view)> on_header) {
  std::chrono::milliseconds backoff = options_.first_backoff;
  for (int attempt = 1;; ++attempt) {
    http_client::Reply reply = server_.send(method, path, body, headers, options_.timeout, on_header);
    if ((reply.status != 0 && reply.status < 500) || reply.aborted || attempt >= options_.attempts) return reply;
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds{5'000});
  }
}

blobs::Result<json> BlobClient::post_json(const std::string& path, const json& body) {
  const http_client::Reply reply = call("POST", path, body.dump(), {"Content-Type: application/json"});
  if (reply.status != 200) return refusal(reply);
  return body_of(reply);
}

blobs::Result<protocol::BlobUploadState> BlobClient::upload_state(const std::string& path, std::uint64_t size) {
  return decode(post_json(path, protocol::to_json(protocol::BlobUploadRequest{size})),
                protocol::blob_upload_state_from_json);
}

blobs::Result<protocol::BlobUploadState> BlobClient::send_from(const std::string& digest,
                                                               protocol::BlobUploadState state,
                                                               const BlobSource& source) {
  blobs::Source bytes = source(state.offset);
  std::string chunk;
  int resyncs = 0;
  while (state.offset < state.size) {  // the last chunk commits: state.complete
    const std::uint64_t length = std::min<std::uint64_t>(protocol::kBlobChunk, state.size - state.offset);
    if (auto read = read_chunk(bytes, length, chunk); !read) return read.error();
    const http_client::Reply reply =
        call("POST", protocol::append_path(workflow_id_, digest, state.offset, state.size), chunk,
             {"Content-Type: application/octet-stream"});
    const bool mismatch = reply.status == 409 && code_of(reply) == protocol::kOffsetMismatch;
    if (reply.status != 200 && !mismatch) return refusal(reply);
    auto answered = decode(body_of(reply), protocol::blob_upload_state_from_json);
    if (!answered) return answered.error();
    if (answered->offset > state.size)
      return blobs::Error{blobs::ErrorKind::Io, "the server holds more bytes than the blob has"};
    if (mismatch) {
      // An append whose answer was lost, or another writer of the same blob:
      // go on from what the server holds.
      if (++resyncs > options_.attempts)
        return blobs::Error{blobs::ErrorKind::Conflict, "the upload's offset keeps moving: " + error_message(reply)};
      bytes = source(answered->offset);
    }
    state.offset = answered->offset;
    state.complete = answered->complete;
  }
  return state;
}

blobs::Status BlobClient::upload_blob(const std::string& digest, std::uint64_t size, const BlobSource& source) {
  if (!blobs::is_digest(digest))
    return blobs::Error{blobs::ErrorKind::Invalid, "\"" + digest + "\" is not a SHA-256 digest"};
  auto state = upload_state(protocol::blob_path(workflow_id_, digest, protocol::BlobCall::Upload), size);
  for (int round = 0; state && round < options_.attempts; ++round) {
    if (state->complete) return blobs::Ok{};
    if (state->offset < size) state = send_from(digest, state.value(), source);
    if (!state) break;
    if (state->complete) return blobs::Ok{};
    const http_client::Reply reply = call("POST", protocol::blob_path(workflow_id_, digest, protocol::BlobCall::Commit),
                                          protocol::to_json(protocol::BlobUploadRequest{size}).dump(),
                                          {"Content-Type: application/json"});
    if (reply.status == 200) return blobs::Ok{};
    if (reply.status != 409 || code_of(reply) != protocol::kIncomplete) return refusal(reply);
    state = decode(body_of(reply), protocol::blob_upload_state_from_json);
  }
  if (!state) return state.error();
  return blobs::Error{blobs::ErrorKind::Io, "the upload of blob " + digest + " did not complete"};
}

blobs::Status BlobClient::download_blob(const std::string& digest, const blobs::Sink& sink) {
  if (!blobs::is_digest(digest))
    return blobs::Error{blobs::ErrorKind::Invalid, "\"" + digest + "\" is not a SHA-256 digest"};
  blobs::Sha256 hash;
  std::uint64_t offset = 0;
  for (;;) {
    std::string content_range;
    const http_client::Reply reply =
        call("GET", protocol::blob_path(workflow_id_, digest, protocol::BlobCall::Download), {},
             {"Range: bytes=" + std::to_string(offset) + "-"}, [&content_range](std::string_view line) {
               if (line.starts_with("HTTP/")) content_range.clear();
               if (is_header(line, "Content-Range")) content_range = header_value(line, "Content-Range");
             });
    std::uint64_t first = 0, last = 0, total = 0;
    if (reply.status != 206 && reply.status != 416) return refusal(reply);
    if (!parse_content_range(content_range, first, last, total))
      return blobs::Error{blobs::ErrorKind::Io, "the server's Content-Range is missing or malformed"};
    if (reply.status == 416) {
      if (total == offset) break;  // an empty blob
      return refusal(reply);
    }
    if (first != offset || reply.body.size() != last - first + 1 || last >= total)
      return blobs::Error{blobs::ErrorKind::Io, "the server answered other bytes than those asked"};
    hash.update(reply.body);
    if (!sink(reply.body)) return blobs::Error{blobs::ErrorKind::Io, "the sink stopped"};
    offset = last + 1;
    if (offset == total) break;
  }
  if (hash.finish_hex() != digest)
    return blobs::Error{blobs::ErrorKind::Corrupt, "the bytes received do not match blob " + digest};
  return blobs::Ok{};
}

blobs::Result<protocol::CacheLookupAnswer> BlobClient::lookup_cache(const protocol::CacheLookup& lookup) {
  return decode(post_json(protocol::cache_path(workflow_id_, protocol::CacheCall::Lookup), protocol::to_json(lookup)),
                protocol::cache_lookup_answer_from_json);
}

blobs::Result<protocol::CacheCommitAnswer> BlobClient::commit_cache(const protocol::CacheCommitRequest& request) {
  return decode(post_json(protocol::cache_path(workflow_id_, protocol::CacheCall::Commit), protocol::to_json(request)),
                protocol::cache_commit_answer_from_json);
}

blobs::Result<protocol::ArtifactAnswer> BlobClient::register_artifact(
    const protocol::ArtifactRegistration& registration) {
  return decode(
      post_json(protocol::cache_path(workflow_id_, protocol::CacheCall::Artifacts), protocol::to_json(registration)),
      protocol::artifact_answer_from_json);
}

}  // namespace agent
