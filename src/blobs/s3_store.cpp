#include "blobs/s3_store.h"

#include <ctime>
#include <optional>
#include <sstream>
#include <thread>

#include "blobs/present_upload.h"
#include "blobs/sha256.h"
#include "blobs/sigv4.h"
#include "core/uuid.h"
#include "http_client/http_client.h"
#include "http_client/url.h"

namespace blobs {

namespace {

using detail::check_digest;

struct Reply {
  long status = 0;
  std::string body;  // unless streamed
  NameValues headers;  // names lowercase
  std::string error;   // no answer: why

  std::string header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
      if (key == name) return value;
    }
    return "";
  }
};

// The text of the first <tag>…</tag> in `xml` from `from`, entities decoded;
// nullopt when there is none. S3's answers are small, flat documents.
std::optional<std::string> xml_text(std::string_view xml, std::string_view tag, std::size_t from = 0) {
  std::string open = "<" + std::string(tag) + ">", close = "</" + std::string(tag) + ">";
  auto start = xml.find(open, from);
  if (start == std::string_view::npos) return std::nullopt;
  start += open.size();
  auto end = xml.find(close, start);
  if (end == std::string_view::npos) return std::nullopt;
  std::string text;
  for (std::size_t i = start; i < end; ++i) {
    static constexpr std::pair<std::string_view, char> kEntities[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    bool decoded = false;
    for (const auto& [entity, c] : kEntities) {
      if (xml.substr(i, entity.size()) == entity) {
        text += c;
        i += entity.size() - 1;
        decoded = true;
        break;
      }
    }
    if (!decoded) text += xml[i];
  }
  return text;
}

std::chrono::system_clock::time_point parse_time(const std::string& text, const char* format) {
  std::tm parts{};
  if (!strptime(text.c_str(), format, &parts)) return {};
  return std::chrono::system_clock::from_time_t(timegm(&parts));
}

Error failure(const std::string& what, const Reply& reply) {
  if (reply.status == 0) return {ErrorKind::Io, what + ": " + reply.error};
  std::string code = xml_text(reply.body, "Code").value_or("");
  std::string message = xml_text(reply.body, "Message").value_or("");
  std::string detail = code.empty() ? "" : " " + code + (message.empty() ? "" : ": " + message);
  ErrorKind kind = reply.status == 404 ? ErrorKind::NotFound : ErrorKind::Io;
  return {kind, what + ": HTTP " + std::to_string(reply.status) + detail};
}

// Signs and sends requests to one bucket over one kept connection.
class Bucket {
 public:
  explicit Bucket(const S3Options& options) : options_(options) {}

  struct Call {
    std::string method = "GET";
    std::string key;         // empty: the bucket itself
    NameValues query;
    std::string body;
    NameValues headers;      // signed too
    const Sink* sink = nullptr;  // the body of a 2xx answer goes here instead of Reply::body
  };

  Reply send(const Call& call) {
    std::string path = "/" + options_.bucket + (call.key.empty() ? "" : "/" + uri_encode(call.key, true));
    std::string date = amz_date(std::chrono::system_clock::now());
    SigV4Request signing{call.method, path, call.query, call.headers, sha256_hex(call.body)};
    signing.headers.emplace_back("host", http_client::detail::parse_url(options_.endpoint).host_header);
    signing.headers.emplace_back("x-amz-content-sha256", signing.payload_sha256);
    signing.headers.emplace_back("x-amz-date", date);
    SigV4Credentials credentials{options_.access_key, options_.secret_key, options_.region};

    http_client::Request request;
    request.method = call.method;
    std::string query = canonical_query(call.query);
    request.url = options_.endpoint + path + (query.empty() ? "" : "?" + query);
    for (const auto& [name, value] : signing.headers) {
      if (name != "host") request.headers.push_back(name + ": " + value);
    }
    request.headers.push_back("Authorization: " + sigv4_authorization(credentials, signing, date));
    request.body = call.body;
    request.timeout = options_.timeout;

    Reply reply;
    bool sink_stopped = false;
    request.on_header = [&](std::string_view line) { read_header(line, reply); };
    request.on_body = [&](std::string_view piece) {
      bool success = reply.status >= 200 && reply.status < 300;
      if (!success || !call.sink) {
        if (reply.body.size() < (1 << 20)) reply.body.append(piece);  // an error's XML, a listing
      } else if (!sink_stopped && !(*call.sink)(piece)) {
        sink_stopped = true;
      }
    };
    request.abort = [&] { return sink_stopped; };
    auto answer = client_.perform(request);
    reply.status = answer.status;
    reply.error = answer.error;
    if (sink_stopped) reply = Reply{0, "", {}, "the sink stopped"};
    return reply;
  }

 private:
  static void read_header(std::string_view line, Reply& reply) {
    if (line.starts_with("HTTP/")) {
      reply.headers.clear();
      auto space = line.find(' ');
      reply.status = space == std::string_view::npos ? 0 : std::atol(std::string(line.substr(space + 1, 3)).c_str());
      return;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return;
    std::string name(line.substr(0, colon));
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.remove_suffix(1);
    reply.headers.emplace_back(std::move(name), std::string(value));
  }

  const S3Options& options_;
  http_client::Client client_;
};

bool succeeded(const Reply& reply) {
  // S3 may answer a CompleteMultipartUpload or a copy with 200 and an error document.
  return reply.status >= 200 && reply.status < 300 && reply.body.find("<Error>") == std::string::npos;
}

std::string blob_key(const S3Options& options, std::string_view digest) {
  return options.prefix + "blobs/" + std::string(digest);
}
std::string manifest_key(const S3Options& options, std::string_view digest) {
  return options.prefix + "uploads/" + std::string(digest) + ".manifest";
}

struct Part {
  int number;
  std::uint64_t size;
  std::string etag;
};

// What an interrupted upload left: the manifest's text form is
//   key <object key>\nupload <upload id>\nsize <bytes>\npart <number> <size> <etag>\n...
struct Manifest {
  std::string key, upload_id;
  std::uint64_t size = 0;
  std::vector<Part> parts;

  std::string text() const {
    std::string text = "key " + key + "\nupload " + upload_id + "\nsize " + std::to_string(size) + "\n";
    for (const auto& part : parts) {
      text += "part " + std::to_string(part.number) + " " + std::to_string(part.size) + " " + part.etag + "\n";
    }
    return text;
  }
  static std::optional<Manifest> parse(const std::string& text) {
    Manifest manifest;
    std::istringstream lines(text);
    std::string word;
    while (lines >> word) {
      if (word == "key") lines >> manifest.key;
      else if (word == "upload") lines >> manifest.upload_id;
      else if (word == "size") lines >> manifest.size;
      else if (word == "part") {
        Part part;
        lines >> part.number >> part.size >> part.etag;
        manifest.parts.push_back(part);
      } else return std::nullopt;
      if (!lines) return std::nullopt;
    }
    if (manifest.key.empty() || manifest.upload_id.empty()) return std::nullopt;
    return manifest;
  }
  std::uint64_t held() const {
    std::uint64_t held = 0;
    for (const auto& part : parts) held += part.size;
    return held;
  }
};

class S3Upload : public Upload {
 public:
  S3Upload(const S3Options& options, std::string digest, Manifest manifest)
      : options_(options), bucket_(options), digest_(std::move(digest)), manifest_(std::move(manifest)),
        held_(manifest_.held()), resumed_(held_ > 0) {}

  Status start() {
    if (!manifest_.upload_id.empty()) return Ok{};
    manifest_.key = options_.prefix + "uploads/" + digest_ + "/" + core::Uuid::new_v7().to_string();
    Reply reply = bucket_.send({.method = "POST", .key = manifest_.key, .query = {{"uploads", ""}}});
    auto id = xml_text(reply.body, "UploadId");
    if (!succeeded(reply) || !id) return failure("starting the upload of " + digest_, reply);
    manifest_.upload_id = *id;
    return save_manifest();
  }

  std::uint64_t offset() const override { return held_ + pending_.size(); }

  Status append(std::uint64_t at, std::string_view piece) override {
    if (done_) return Ok{};  // the blob is there: what is left is dropped, commit succeeds
    if (at != offset()) {
      return Error{ErrorKind::Conflict, "append at byte " + std::to_string(at) + ", but the upload holds " +
                                            std::to_string(offset()) + " bytes: continue from there"};
    }
    if (piece.size() > manifest_.size - offset()) {
      return Error{ErrorKind::Invalid, "append past the declared size of " + std::to_string(manifest_.size) + " bytes"};
    }
    hasher_.update(piece);
    pending_.append(piece);
    while (!done_ && pending_.size() >= options_.part_size) {
      if (auto sent = send_part(options_.part_size); !sent) return sent;
    }
    return Ok{};
  }

  Status commit() override {
    if (done_) return Ok{};
    if (offset() != manifest_.size) {
      return Error{ErrorKind::Invalid, "commit with " + std::to_string(offset()) + " of " +
                                           std::to_string(manifest_.size) + " bytes uploaded"};
    }
    if (!resumed_) {
      std::string actual = hasher_.finish_hex();
      if (actual != digest_) return discard("uploaded bytes hash to " + actual + ", not " + digest_);
    }
    if (!pending_.empty() || manifest_.parts.empty()) {
      if (auto sent = send_part(pending_.size()); !sent) return sent;
    }
    if (auto completed = complete(); !completed) return published_or(completed);
    if (resumed_) {
      if (auto verified = verify(); !verified) return verified;
    }
    std::string source = "/" + options_.bucket + "/" + uri_encode(manifest_.key, true);
    Reply copied = bucket_.send({.method = "PUT", .key = blob_key(options_, digest_),
                                 .headers = {{"x-amz-copy-source", source}}});
    if (!succeeded(copied)) return published_or(failure("publishing blob " + digest_, copied));
    bucket_.send({.method = "DELETE", .key = manifest_.key});
    bucket_.send({.method = "DELETE", .key = manifest_key(options_, digest_)});
    return Ok{};
  }

 private:
  // An upload that resumed from the manifest may share its multipart upload
  // with a writer of the same digest that is still alive; whichever
  // completes it first publishes the blob, and the other's completion or
  // copy fails. That one has succeeded too once the blob is there: wait for
  // the winner's copy (a few requests after its completion) up to 5 s.
  Status published_or(Status failed) {
    for (int attempt = 0; attempt < 50; ++attempt) {
      Reply reply = bucket_.send({.method = "HEAD", .key = blob_key(options_, digest_)});
      if (succeeded(reply) && reply.header("content-length") == std::to_string(manifest_.size)) return Ok{};
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return failed;
  }

  Status save_manifest() {
    Reply reply = bucket_.send({.method = "PUT", .key = manifest_key(options_, digest_), .body = manifest_.text()});
    if (!succeeded(reply)) return failure("recording the upload of " + digest_, reply);
    return Ok{};
  }

  Status send_part(std::size_t length) {
    int number = static_cast<int>(manifest_.parts.size()) + 1;
    Call call{.method = "PUT", .key = manifest_.key,
              .query = {{"partNumber", std::to_string(number)}, {"uploadId", manifest_.upload_id}},
              .body = pending_.substr(0, length)};
    Reply reply = bucket_.send(call);
    if (reply.status == 404) {  // completed by a writer we shared it with, or aborted
      bucket_.send({.method = "DELETE", .key = manifest_key(options_, digest_)});
      auto gone = Error{ErrorKind::Conflict, "the interrupted upload of " + digest_ + " is gone: begin it again"};
      if (auto published = published_or(gone); !published) return published;
      done_ = true;
      return Ok{};
    }
    if (!succeeded(reply)) return failure("uploading part " + std::to_string(number) + " of " + digest_, reply);
    manifest_.parts.push_back({number, length, reply.header("etag")});
    pending_.erase(0, length);
    held_ += length;
    return save_manifest();
  }

  Status complete() {
    std::string xml = "<CompleteMultipartUpload>";
    for (const auto& part : manifest_.parts) {
      xml += "<Part><PartNumber>" + std::to_string(part.number) + "</PartNumber><ETag>" + part.etag + "</ETag></Part>";
    }
    xml += "</CompleteMultipartUpload>";
    Reply reply = bucket_.send(
        {.method = "POST", .key = manifest_.key, .query = {{"uploadId", manifest_.upload_id}}, .body = xml});
    if (!succeeded(reply)) return failure("completing the upload of " + digest_, reply);
    return Ok{};
  }

  // A resumed upload's earlier parts were hashed by another process: read
  // the completed object back before it becomes the blob.
  Status verify() {
    Sha256 hasher;
    Sink hash = [&](std::string_view piece) {
      hasher.update(piece);
      return true;
    };
    Reply reply = bucket_.send({.key = manifest_.key, .sink = &hash});
    if (!succeeded(reply)) return failure("reading back the upload of " + digest_, reply);
    std::string actual = hasher.finish_hex();
    if (actual != digest_) {
      bucket_.send({.method = "DELETE", .key = manifest_.key});
      return discard("uploaded bytes hash to " + actual + ", not " + digest_);
    }
    return Ok{};
  }

  Status discard(std::string why) {
    bucket_.send({.method = "DELETE", .key = manifest_.key, .query = {{"uploadId", manifest_.upload_id}}});
    bucket_.send({.method = "DELETE", .key = manifest_key(options_, digest_)});
    return Error{ErrorKind::Corrupt, std::move(why)};
  }

  using Call = Bucket::Call;

  const S3Options& options_;
  Bucket bucket_;
  std::string digest_;
  Manifest manifest_;
  std::uint64_t held_;
  bool resumed_;
  bool done_ = false;    // another writer published the blob: nothing left to send
  std::string pending_;  // bytes of the part being filled
  Sha256 hasher_;
};

}  // namespace

Result<std::unique_ptr<S3Store>> S3Store::open(S3Options options) {
  auto url = http_client::detail::parse_url(options.endpoint);
  if (!url.error.empty()) return Error{ErrorKind::Invalid, "S3 endpoint " + options.endpoint + ": " + url.error};
  if (url.target != "/") return Error{ErrorKind::Invalid, "S3 endpoint " + options.endpoint + " must have no path"};
  if (options.bucket.empty()) return Error{ErrorKind::Invalid, "S3 store: no bucket given"};
  if (options.part_size == 0) return Error{ErrorKind::Invalid, "S3 store: the part size must be above 0"};
  while (options.endpoint.ends_with('/')) options.endpoint.pop_back();
  return std::unique_ptr<S3Store>(new S3Store(std::move(options)));
}

Result<BlobInfo> S3Store::stat(std::string_view digest) {
  if (auto valid = check_digest(digest); !valid) return valid.error();
  Bucket bucket(options_);
  Reply reply = bucket.send({.method = "HEAD", .key = blob_key(options_, digest)});
  if (reply.status == 404) return Error{ErrorKind::NotFound, "no blob " + std::string(digest)};
  if (!succeeded(reply)) return failure("stat of blob " + std::string(digest), reply);
  return BlobInfo{std::string(digest), std::stoull("0" + reply.header("content-length")),
                  parse_time(reply.header("last-modified"), "%a, %d %b %Y %H:%M:%S")};
}

Status S3Store::get(std::string_view digest, const std::string& range, bool verify, const Sink& sink) {
  if (auto valid = check_digest(digest); !valid) return valid;
  Sha256 hasher;
  Sink hashing = [&](std::string_view piece) {
    hasher.update(piece);
    return sink(piece);
  };
  Bucket bucket(options_);
  Bucket::Call call{.key = blob_key(options_, digest), .sink = verify ? &hashing : &sink};
  if (!range.empty()) call.headers.emplace_back("range", range);
  Reply reply = bucket.send(call);
  if (reply.status == 404) return Error{ErrorKind::NotFound, "no blob " + std::string(digest)};
  if (reply.status == 416) return Ok{};  // a range past the end: nothing
  if (!succeeded(reply)) return failure("reading blob " + std::string(digest), reply);
  if (verify) {
    std::string actual = hasher.finish_hex();
    if (actual != digest) {
      return Error{ErrorKind::Corrupt, "blob " + std::string(digest) + " is corrupt: its bytes hash to " + actual};
    }
  }
  return Ok{};
}

Status S3Store::read(std::string_view digest, const Sink& sink) { return get(digest, "", true, sink); }

Status S3Store::read_range(std::string_view digest, std::uint64_t offset, std::uint64_t length, const Sink& sink) {
  if (length == 0) return check_digest(digest);
  std::uint64_t last = length - 1 > UINT64_MAX - offset ? UINT64_MAX - 1 : offset + length - 1;
  return get(digest, "bytes=" + std::to_string(offset) + "-" + std::to_string(last), false, sink);
}

Status S3Store::remove(std::string_view digest) {
  if (auto info = stat(digest); !info) return info.error();  // DELETE of nothing succeeds on S3
  Bucket bucket(options_);
  Reply reply = bucket.send({.method = "DELETE", .key = blob_key(options_, digest)});
  if (!succeeded(reply)) return failure("removing blob " + std::string(digest), reply);
  return Ok{};
}

Result<std::vector<BlobInfo>> S3Store::list() {
  std::string prefix = options_.prefix + "blobs/";
  auto objects = list_objects(prefix);
  if (!objects) return objects.error();
  std::vector<BlobInfo> blobs;
  for (auto& object : objects.value()) {
    std::string digest = object.digest.substr(prefix.size());
    if (is_digest(digest)) blobs.push_back({digest, object.size, object.modified});
  }
  return blobs;
}

Result<std::vector<BlobInfo>> S3Store::list_objects(const std::string& prefix) {
  std::vector<BlobInfo> objects;
  Bucket bucket(options_);
  std::string token;
  do {
    NameValues query = {{"list-type", "2"}, {"prefix", prefix}};
    if (!token.empty()) query.emplace_back("continuation-token", token);
    Reply reply = bucket.send({.query = query});
    if (!succeeded(reply)) return failure("listing " + prefix, reply);
    for (std::size_t at = reply.body.find("<Contents>"); at != std::string::npos;
         at = reply.body.find("<Contents>", at + 1)) {
      std::string key = xml_text(reply.body, "Key", at).value_or("");
      if (!key.starts_with(prefix)) continue;
      objects.push_back({key, std::stoull("0" + xml_text(reply.body, "Size", at).value_or("")),
                         parse_time(xml_text(reply.body, "LastModified", at).value_or(""), "%Y-%m-%dT%H:%M:%S")});
    }
    token = xml_text(reply.body, "IsTruncated").value_or("") == "true"
                ? xml_text(reply.body, "NextContinuationToken").value_or("")
                : "";
  } while (!token.empty());
  return objects;
}

Result<std::size_t> S3Store::remove_stale_uploads(std::chrono::system_clock::time_point before) {
  auto objects = list_objects(options_.prefix + "uploads/");
  if (!objects) return objects.error();
  Bucket bucket(options_);
  std::size_t removed = 0;
  for (const auto& object : objects.value()) {
    if (object.modified >= before) continue;
    if (object.digest.ends_with(".manifest")) {  // abort the multipart upload it records
      Reply reply = bucket.send({.key = object.digest});
      auto manifest = succeeded(reply) ? Manifest::parse(reply.body) : std::nullopt;
      if (manifest) {
        bucket.send({.method = "DELETE", .key = manifest->key, .query = {{"uploadId", manifest->upload_id}}});
      }
      ++removed;
    }
    bucket.send({.method = "DELETE", .key = object.digest});  // the manifest, or a completed upload never copied
  }
  return removed;
}

Result<std::unique_ptr<Upload>> S3Store::begin_upload(std::string_view digest, std::uint64_t size) {
  auto info = stat(digest);
  if (info) return detail::present(info.value(), size);
  if (info.error().kind != ErrorKind::NotFound) return info.error();
  Bucket bucket(options_);
  Reply reply = bucket.send({.key = manifest_key(options_, digest)});
  std::optional<Manifest> manifest;
  if (succeeded(reply)) manifest = Manifest::parse(reply.body);
  if (!manifest || manifest->size != size) manifest = Manifest{.size = size};
  auto upload = std::make_unique<S3Upload>(options_, std::string(digest), std::move(*manifest));
  if (auto started = upload->start(); !started) return started.error();
  return std::unique_ptr<Upload>(std::move(upload));
}

}  // namespace blobs
