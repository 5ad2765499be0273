#include "runner/execution_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "blobs/select.h"
#include "blobs/sha256.h"
#include "core/byte_size.h"
#include "runner/workspace_tree.h"

namespace runner {

namespace {

namespace fs = std::filesystem;

constexpr std::size_t kNamesShown = 10;  // of the artifacts kept, in the log line

// Where a cache path or an artifact is: "~/x" in the home, the rest in the workspace.
fs::path place_of(const std::string& path, const ExecutionDirs& dirs) {
  if (path.starts_with("~/")) return dirs.home / path.substr(2);
  return dirs.workspace / path;
}

// Whether a directory on the way from `root` to `relative` is not a plain
// directory (a symbolic link above all): nothing may be read or written
// through one, which could lead out of the workspace.
bool crosses_link(const fs::path& root, const fs::path& relative) {
  fs::path at = root;
  const fs::path parent = relative.parent_path();
  for (const fs::path& part : parent) {
    at /= part;
    std::error_code ec;
    const fs::file_status status = fs::symlink_status(at, ec);
    if (ec || status.type() == fs::file_type::not_found) return false;
    if (status.type() != fs::file_type::directory) return true;
  }
  return false;
}

bool crosses_link(const std::string& path, const ExecutionDirs& dirs) {
  if (path.starts_with("~/")) return crosses_link(dirs.home, path.substr(2));
  return crosses_link(dirs.workspace, path);
}

// Creates the directories on the way to `relative` below `root`, refusing to
// go through anything but a directory.
bool make_parents(const fs::path& root, const fs::path& relative) {
  fs::path at = root;
  for (const fs::path& part : relative.parent_path()) {
    at /= part;
    std::error_code ec;
    const fs::file_status status = fs::symlink_status(at, ec);
    if (status.type() == fs::file_type::directory) continue;
    if (status.type() != fs::file_type::not_found || !fs::create_directory(at, ec)) return false;
  }
  return true;
}

// SHA-256 and size of a regular file, never through a symbolic link.
blobs::Result<KeptArtifact> digest_file(const fs::path& file, const std::string& path) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return blobs::Error{blobs::ErrorKind::Io, path + ": " + std::strerror(errno)};
  blobs::Sha256 hash;
  KeptArtifact artifact{path, {}, 0};
  std::string buffer(std::size_t{1} << 20, '\0');
  for (;;) {
    const ssize_t got = ::read(fd, buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      const int error = errno;
      ::close(fd);
      return blobs::Error{blobs::ErrorKind::Io, path + ": " + std::strerror(error)};
    }
    if (got == 0) break;
    hash.update({buffer.data(), static_cast<std::size_t>(got)});
    artifact.size += static_cast<std::uint64_t>(got);
  }
  ::close(fd);
  artifact.digest = hash.finish_hex();
  return artifact;
}

blobs::Source file_reader(std::ifstream& file) {
  return [&file](char* buffer, std::size_t capacity) -> std::ptrdiff_t {
    file.read(buffer, static_cast<std::streamsize>(capacity));
    if (file.bad()) return -1;
    return static_cast<std::ptrdiff_t>(file.gcount());
  };
}

// "dist/a.js, dist/b.js and 12 more"
std::string names_text(const std::vector<KeptArtifact>& artifacts) {
  std::string text;
  for (std::size_t i = 0; i < artifacts.size() && i < kNamesShown; ++i)
    text += (i ? ", " : "") + artifacts[i].path;
  if (artifacts.size() > kNamesShown) text += " and " + std::to_string(artifacts.size() - kNamesShown) + " more";
  return text;
}

std::uint64_t total_size(const std::vector<KeptArtifact>& artifacts) {
  std::uint64_t total = 0;
  for (const KeptArtifact& artifact : artifacts) total += artifact.size;
  return total;
}

std::string files_text(std::size_t count) { return std::to_string(count) + (count == 1 ? " file" : " files"); }

bool keeps_artifacts(const core::ExecutionSpec& spec, core::Status status) {
  if (spec.artifacts.empty()) return false;
  const bool failed = status == core::Status::Failure || status == core::Status::Error;
  switch (spec.artifacts_when) {
    case core::ArtifactsWhen::Success: return status == core::Status::Success;
    case core::ArtifactsWhen::Failure: return failed;
    case core::ArtifactsWhen::Always: return status == core::Status::Success || failed;
  }
  return false;
}

}  // namespace

ExecutionFiles::ExecutionFiles(FileKeeper& keeper, std::filesystem::path scratch)
    : keeper_{keeper}, scratch_{std::move(scratch)} {}

ExecutionFiles::Key ExecutionFiles::key_of(ExecutionId id) { return {id.pipeline, id.stage, id.execution}; }

fs::path ExecutionFiles::scratch_file(ExecutionId id, std::string_view what) const {
  static std::atomic<unsigned long> counter{0};
  return scratch_ / ("files-" + std::to_string(id.pipeline) + "-" + std::to_string(id.stage) + "-" +
                     std::to_string(id.execution) + "-" + std::string{what} + "-" + std::to_string(++counter));
}

void ExecutionFiles::add_kept(ExecutionId id, std::vector<KeptArtifact> artifacts) {
  std::lock_guard lock{mutex_};
  kept_[key_of(id)] = std::move(artifacts);
}

FilesOutcome ExecutionFiles::prepare(ExecutionId id, const core::ExecutionSpec& spec, const ExecutionDirs& dirs,
                                     const FilesLog& log) {
  std::map<std::string, Restored> restored;
  for (const core::CacheSpec& cache : spec.caches) restored[cache.name] = restore(id, cache, dirs, log);
  {
    std::lock_guard lock{mutex_};
    restored_[key_of(id)] = std::move(restored);
  }
  for (const core::ArtifactSource& source : spec.needs_artifacts)
    if (FilesOutcome received = receive(source, dirs, log); !received) return received;
  return {};
}

ExecutionFiles::Restored ExecutionFiles::restore(ExecutionId id, const core::CacheSpec& cache, const ExecutionDirs& dirs,
                             const FilesLog& log) {
  const std::string name = "cache " + cache.name + ": ";
  auto found = keeper_.find_cache(cache);
  if (!found) {
    log(name + "miss (the store did not answer: " + found.error().message + ")");
    return Restored::Nothing;
  }
  if (!*found) {
    log(name + "miss");
    return Restored::Nothing;
  }
  const CacheHit& hit = **found;
  const fs::path archive = scratch_file(id, "restore");
  blobs::Status restored = keeper_.fetch(hit.digest, archive);
  if (restored) {
    std::ifstream file{archive, std::ios::binary};
    auto unpacked = blobs::unpack(file_reader(file), {.target = dirs.workspace, .home = dirs.home});
    if (!unpacked) restored = unpacked.error();
  }
  std::error_code ec;
  fs::remove(archive, ec);
  if (!restored) {
    // Half an entry is worse than none: the build starts as on a miss.
    for (const std::string& path : cache.paths)
      if (!crosses_link(path, dirs)) remove_tree(place_of(path, dirs));
    log(name + "miss (entry " + hit.key + " could not be restored: " + restored.error().message + ")");
    return Restored::Nothing;
  }
  const std::string size = " (" + core::byte_size_text(hit.size) + ")";
  log(name + (hit.exact ? "hit " + hit.key : "restored from " + hit.key) + size);
  return hit.exact ? Restored::Key : Restored::Prefix;
}

FilesOutcome ExecutionFiles::receive(const core::ArtifactSource& source, const ExecutionDirs& dirs,
                                     const FilesLog& log) {
  std::vector<KeptArtifact> artifacts;
  {
    std::lock_guard lock{mutex_};
    const auto kept = kept_.find({source.pipeline, source.stage, source.execution});
    if (kept == kept_.end())
      return std::string{"the artifacts of " + source.name +
                         " are not there: it kept none (it did not run to its artifacts_when)"};
    artifacts = kept->second;
  }
  for (const KeptArtifact& artifact : artifacts) {
    if (!make_parents(dirs.workspace, artifact.path))
      return "artifact " + artifact.path + " of " + source.name +
             " cannot be placed: a path on its way is not a directory";
    const fs::path file = scratch_file({source.pipeline, source.stage, source.execution}, "artifact");
    if (blobs::Status fetched = keeper_.fetch(artifact.digest, file); !fetched) {
      std::error_code ec;
      fs::remove(file, ec);
      return "artifact " + artifact.path + " of " + source.name +
             " could not be fetched: " + fetched.error().message;
    }
    std::error_code ec;
    fs::rename(file, dirs.workspace / artifact.path, ec);
    if (ec) return "artifact " + artifact.path + " could not be placed: " + ec.message();
  }
  log("artifacts of " + source.name + ": " + files_text(artifacts.size()) + " (" +
      core::byte_size_text(total_size(artifacts)) + ")");
  return {};
}

FilesOutcome ExecutionFiles::finish(ExecutionId id, const core::ExecutionSpec& spec, const ExecutionDirs& dirs,
                                    core::Status status, const FilesLog& log) {
  if (!spec.caches.empty() && status != core::Status::Success)
    log("caches not saved: the execution did not succeed");
  if (status == core::Status::Success)
    for (const core::CacheSpec& cache : spec.caches) save(id, cache, dirs, log);
  if (!keeps_artifacts(spec, status)) return {};
  return keep_artifacts(id, spec, dirs, log);
}

void ExecutionFiles::save(ExecutionId id, const core::CacheSpec& cache, const ExecutionDirs& dirs,
                          const FilesLog& log) {
  Restored restored;
  {
    std::lock_guard lock{mutex_};
    restored = restored_[key_of(id)][cache.name];
  }
  if (restored == Restored::Key) return;  // its key has an entry
  const std::string name = "cache " + cache.name + ": ";
  for (const std::string& path : cache.paths)
    if (crosses_link(path, dirs)) return log(name + "not saved: " + path + " is reached through a symbolic link");
  const fs::path archive = scratch_file(id, "save");
  blobs::Result<blobs::PackResult> packed = blobs::Error{blobs::ErrorKind::Io, "cannot write " + archive.string()};
  {
    std::ofstream file{archive, std::ios::binary | std::ios::trunc};
    if (file) {
      packed = blobs::pack(cache.paths, {.root = dirs.workspace, .home = dirs.home},
                           [&file](std::string_view piece) { return bool(file.write(piece.data(), piece.size())); });
      if (packed && !file.flush()) packed = blobs::Error{blobs::ErrorKind::Io, "cannot write " + archive.string()};
    }
  }
  std::error_code ec;
  if (!packed) {
    fs::remove(archive, ec);
    return log(name + "not saved: " + packed.error().message);
  }
  if (packed->missing.size() == cache.paths.size()) {
    fs::remove(archive, ec);
    return log(name + "not saved: none of its paths exist");
  }
  auto saved = keeper_.save_cache(cache, *packed, archive);
  fs::remove(archive, ec);
  if (!saved) return log(name + "not saved: " + saved.error().message);
  log(name + (restored == Restored::Nothing ? "miss, " : "") + *saved + " (" +
      core::byte_size_text(packed->compressed_size) + ", " + files_text(packed->files) + ")");
}

FilesOutcome ExecutionFiles::keep_artifacts(ExecutionId id, const core::ExecutionSpec& spec,
                                            const ExecutionDirs& dirs, const FilesLog& log) {
  auto selected = blobs::select_files(dirs.workspace, spec.artifacts);
  if (!selected) return "artifacts not kept: " + selected.error().message;
  if (selected->size() > kMaxArtifactFiles)
    return "artifacts not kept: the patterns match " + std::to_string(selected->size()) + " files, over the " +
           std::to_string(kMaxArtifactFiles) + " an execution may keep; narrow them (or pack them into one file)";
  std::vector<KeptArtifact> kept;
  std::size_t links = 0;
  for (const std::string& path : *selected) {
    const fs::path file = dirs.workspace / path;
    std::error_code ec;
    if (fs::is_symlink(file, ec) || crosses_link(dirs.workspace, path)) {
      ++links;
      continue;
    }
    auto artifact = digest_file(file, path);
    if (!artifact) return "artifacts not kept: " + artifact.error().message;
    if (blobs::Status stored = keeper_.keep_artifact(id, *artifact, file); !stored)
      return "artifact " + path + " not kept: " + stored.error().message;
    kept.push_back(std::move(*artifact));
  }
  if (links > 0) log("artifacts: " + files_text(links) + " left out: symbolic links are not kept");
  if (kept.empty())
    log("artifacts: no file matches");
  else
    log("artifacts: kept " + files_text(kept.size()) + " (" + core::byte_size_text(total_size(kept)) +
        "): " + names_text(kept));
  std::lock_guard lock{mutex_};
  kept_[key_of(id)] = std::move(kept);
  return {};
}

}  // namespace runner
