#include "localfiles/local_files.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

namespace localfiles {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::size_t kCopyPiece = std::size_t{1} << 20;

struct Entry {
  std::string scope, key, digest;
  std::uint64_t size = 0;
  std::int64_t created_ms = 0, used_ms = 0;
};

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

blobs::Error io_error(std::string message) { return {blobs::ErrorKind::Io, std::move(message)}; }

// The index's lock, held while it is read and rewritten.
class IndexLock {
 public:
  explicit IndexLock(const fs::path& dir) : fd_(::open((dir / "caches.json.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);
  }
  ~IndexLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
  }
  IndexLock(const IndexLock&) = delete;
  IndexLock& operator=(const IndexLock&) = delete;
  bool held() const { return fd_ >= 0; }

 private:
  int fd_;
};

// The entries of the index; none when it is missing or unreadable (a cache
// may always start empty).
std::vector<Entry> load_index(const fs::path& dir) {
  std::vector<Entry> entries;
  std::ifstream file{dir / "caches.json"};
  if (!file) return entries;
  const json index = json::parse(file, nullptr, false);
  if (!index.is_object() || !index.contains("entries") || !index["entries"].is_array()) return entries;
  for (const json& item : index["entries"]) {
    try {
      entries.push_back({item.at("scope").get<std::string>(), item.at("key").get<std::string>(),
                         item.at("digest").get<std::string>(), item.at("size").get<std::uint64_t>(),
                         item.at("created").get<std::int64_t>(), item.at("used").get<std::int64_t>()});
    } catch (const json::exception&) {
      // An entry this version cannot read is dropped with the next write.
    }
  }
  return entries;
}

blobs::Status save_index(const fs::path& dir, const std::vector<Entry>& entries) {
  json items = json::array();
  for (const Entry& entry : entries)
    items.push_back({{"scope", entry.scope},
                     {"key", entry.key},
                     {"digest", entry.digest},
                     {"size", entry.size},
                     {"created", entry.created_ms},
                     {"used", entry.used_ms}});
  const fs::path temporary = dir / ("caches.json." + std::to_string(::getpid()) + ".tmp");
  {
    std::ofstream file{temporary, std::ios::trunc};
    file << json{{"entries", items}}.dump(1) << "\n";
    if (!file.flush()) return io_error("cannot write " + temporary.string());
  }
  std::error_code ec;
  fs::rename(temporary, dir / "caches.json", ec);
  if (ec) return io_error("cannot replace " + (dir / "caches.json").string() + ": " + ec.message());
  return {};
}

std::vector<Entry>::iterator find_exact(std::vector<Entry>& entries, const std::string& scope, const std::string& key) {
  return std::find_if(entries.begin(), entries.end(),
                      [&](const Entry& e) { return e.scope == scope && e.key == key; });
}

std::vector<Entry>::iterator find_newest(std::vector<Entry>& entries, const std::string& scope,
                                         const std::string& prefix) {
  auto newest = entries.end();
  for (auto it = entries.begin(); it != entries.end(); ++it)
    if (it->scope == scope && it->key.starts_with(prefix) &&
        (newest == entries.end() || it->created_ms > newest->created_ms))
      newest = it;
  return newest;
}

// The entry a cache restores: its key in the run's scope, then in the
// default one; else, prefix by prefix, the newest entry in the run's scope,
// then in the default one.
std::vector<Entry>::iterator choose(std::vector<Entry>& entries, const core::CacheSpec& cache,
                                    const std::vector<std::string>& scopes) {
  for (const std::string& scope : scopes)
    if (auto found = find_exact(entries, scope, cache.key); found != entries.end()) return found;
  for (const std::string& prefix : cache.restore_keys)
    for (const std::string& scope : scopes)
      if (auto found = find_newest(entries, scope, prefix); found != entries.end()) return found;
  return entries.end();
}

// Drops the least recently used entries until their blobs fit in `limit`;
// removes the blobs no entry names any more.
void evict(std::vector<Entry>& entries, std::uint64_t limit, blobs::Store& store) {
  auto total = [&entries] {
    std::set<std::string> counted;
    std::uint64_t bytes = 0;
    for (const Entry& entry : entries)
      if (counted.insert(entry.digest).second) bytes += entry.size;
    return bytes;
  };
  while (entries.size() > 1 && total() > limit) {
    auto oldest = std::min_element(entries.begin(), entries.end(),
                                   [](const Entry& a, const Entry& b) { return a.used_ms < b.used_ms; });
    const std::string digest = oldest->digest;
    entries.erase(oldest);
    if (std::none_of(entries.begin(), entries.end(), [&digest](const Entry& e) { return e.digest == digest; }))
      (void)store.remove(digest);
  }
}

blobs::Status upload_file(blobs::Store& store, const fs::path& file, const std::string& digest, std::uint64_t size) {
  auto upload = store.begin_upload(digest, size);
  if (!upload) return upload.error();
  std::ifstream in{file, std::ios::binary};
  if (!in) return io_error("cannot read " + file.string());
  std::uint64_t offset = upload.value()->offset();
  in.seekg(static_cast<std::streamoff>(offset));
  std::string piece(kCopyPiece, '\0');
  while (offset < size) {
    in.read(piece.data(), static_cast<std::streamsize>(std::min<std::uint64_t>(kCopyPiece, size - offset)));
    if (in.gcount() <= 0) return io_error("cannot read " + file.string());
    const auto got = static_cast<std::size_t>(in.gcount());
    if (blobs::Status appended = upload.value()->append(offset, {piece.data(), got}); !appended) return appended;
    offset += got;
  }
  return upload.value()->commit();
}

std::string one_segment(std::string name) {
  std::replace(name.begin(), name.end(), '/', '_');
  return name;
}

}  // namespace

fs::path default_cache_dir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg == '/') return fs::path{xdg} / "factory";
  const char* home = std::getenv("HOME");
  return fs::path{home && *home ? home : "/tmp"} / ".cache" / "factory";
}

blobs::Result<std::unique_ptr<LocalFiles>> LocalFiles::open(LocalFilesOptions options, const core::Plan& plan) {
  auto store = blobs::DirectoryStore::open(options.cache_dir);
  if (!store) return store.error();
  return std::unique_ptr<LocalFiles>(new LocalFiles(std::move(options), plan, std::move(*store)));
}

LocalFiles::LocalFiles(LocalFilesOptions options, const core::Plan& plan, std::unique_ptr<blobs::DirectoryStore> store)
    : options_{std::move(options)}, plan_{plan}, store_{std::move(store)} {}

blobs::Result<std::optional<runner::CacheHit>> LocalFiles::find_cache(const core::CacheSpec& cache) {
  if (!options_.caches) return std::optional<runner::CacheHit>{};
  IndexLock lock{options_.cache_dir};
  if (!lock.held()) return io_error("cannot lock " + options_.cache_dir.string() + "/caches.json.lock");
  std::vector<Entry> entries = load_index(options_.cache_dir);
  auto chosen = choose(entries, cache, {options_.scope, options_.default_scope});
  if (chosen == entries.end()) return std::optional<runner::CacheHit>{};
  if (!store_->stat(chosen->digest)) {  // its blob went: the entry goes too
    entries.erase(chosen);
    if (blobs::Status saved = save_index(options_.cache_dir, entries); !saved) return saved.error();
    return std::optional<runner::CacheHit>{};
  }
  chosen->used_ms = now_ms();
  runner::CacheHit hit{chosen->key, chosen->digest, chosen->size, chosen->key == cache.key};
  if (blobs::Status saved = save_index(options_.cache_dir, entries); !saved) return saved.error();
  return std::optional<runner::CacheHit>{std::move(hit)};
}

blobs::Status LocalFiles::fetch(const std::string& digest, const fs::path& to) {
  {
    std::lock_guard lock{mutex_};
    if (const auto copy = artifact_copies_.find(digest); copy != artifact_copies_.end()) {
      std::error_code ec;
      fs::copy_file(copy->second, to, fs::copy_options::overwrite_existing, ec);
      if (ec) return io_error("cannot copy " + copy->second.string() + ": " + ec.message());
      return {};
    }
  }
  std::ofstream file{to, std::ios::binary | std::ios::trunc};
  if (!file) return io_error("cannot write " + to.string());
  blobs::Status read =
      store_->read(digest, [&file](std::string_view piece) { return bool(file.write(piece.data(), piece.size())); });
  if (read || read.error().kind != blobs::ErrorKind::Corrupt) return read;
  // A blob whose bytes changed is removed with the entries that name it.
  (void)store_->remove(digest);
  IndexLock lock{options_.cache_dir};
  std::vector<Entry> entries = load_index(options_.cache_dir);
  std::erase_if(entries, [&digest](const Entry& e) { return e.digest == digest; });
  (void)save_index(options_.cache_dir, entries);
  return read;
}

blobs::Result<std::string> LocalFiles::save_cache(const core::CacheSpec& cache, const blobs::PackResult& packed,
                                                  const fs::path& archive) {
  if (!options_.caches) return blobs::Error{blobs::ErrorKind::Refused, "caches are off (--no-cache)"};
  if (blobs::Status uploaded = upload_file(*store_, archive, packed.digest, packed.compressed_size); !uploaded)
    return uploaded.error();
  IndexLock lock{options_.cache_dir};
  if (!lock.held()) return io_error("cannot lock " + options_.cache_dir.string() + "/caches.json.lock");
  std::vector<Entry> entries = load_index(options_.cache_dir);
  if (find_exact(entries, options_.scope, cache.key) != entries.end())
    return "not saved: another run saved " + cache.key + " first";
  const std::int64_t now = now_ms();
  entries.push_back({options_.scope, cache.key, packed.digest, packed.compressed_size, now, now});
  evict(entries, options_.limit_bytes, *store_);
  if (blobs::Status saved = save_index(options_.cache_dir, entries); !saved) return saved.error();
  return "saved " + cache.key;
}

fs::path LocalFiles::artifact_place(runner::ExecutionId id, const std::string& path) const {
  const core::PipelineSpec& pipeline = plan_.pipelines.at(id.pipeline);
  const core::StageSpec& stage = pipeline.stages.at(id.stage);
  return options_.artifacts_dir / one_segment(pipeline.name) / one_segment(stage.name) /
         one_segment(stage.executions.at(id.execution).name) / path;
}

blobs::Status LocalFiles::keep_artifact(runner::ExecutionId id, const runner::KeptArtifact& artifact,
                                        const fs::path& file) {
  const fs::path place = artifact_place(id, artifact.path);
  std::error_code ec;
  fs::create_directories(place.parent_path(), ec);
  if (!ec) fs::copy_file(file, place, fs::copy_options::overwrite_existing, ec);
  if (ec) return io_error("cannot copy it to " + place.string() + ": " + ec.message());
  std::lock_guard lock{mutex_};
  artifact_copies_[artifact.digest] = place;
  ++artifacts_kept_;
  return {};
}

std::size_t LocalFiles::artifacts_kept() const {
  std::lock_guard lock{mutex_};
  return artifacts_kept_;
}

}  // namespace localfiles
