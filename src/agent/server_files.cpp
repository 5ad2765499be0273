#include "agent/server_files.h"

#include <fstream>

#include "agent/blob_client.h"

namespace agent {

namespace {

// A BlobClient with a connection of its own, for one call of the runner's.
class Connection {
 public:
  Connection(const ClientConfig& config, const std::string& workflow_id, const std::function<bool()>& abort)
      : server_{config, abort}, blobs_{server_, workflow_id} {}
  BlobClient& operator*() { return blobs_; }
  BlobClient* operator->() { return &blobs_; }

 private:
  ServerClient server_;
  BlobClient blobs_;
};

}  // namespace

ServerFiles::ServerFiles(ClientConfig config, std::string workflow_id, ExecutionIds execution_ids,
                         std::function<bool()> abort)
    : config_{std::move(config)},
      workflow_id_{std::move(workflow_id)},
      execution_ids_{std::move(execution_ids)},
      abort_{std::move(abort)} {}

blobs::Result<std::optional<runner::CacheHit>> ServerFiles::find_cache(const core::CacheSpec& cache) {
  Connection connection{config_, workflow_id_, abort_};
  auto answer = connection->lookup_cache({cache.name, cache.key, cache.restore_keys});
  if (!answer) return answer.error();
  if (!answer->hit) return std::optional<runner::CacheHit>{};
  return std::optional<runner::CacheHit>{runner::CacheHit{answer->key, answer->digest, answer->size, answer->exact}};
}

blobs::Status ServerFiles::fetch(const std::string& digest, const std::filesystem::path& to) {
  std::ofstream file{to, std::ios::binary | std::ios::trunc};
  if (!file) return blobs::Error{blobs::ErrorKind::Io, "cannot write " + to.string()};
  Connection connection{config_, workflow_id_, abort_};
  return connection->download_blob(
      digest, [&file](std::string_view piece) { return bool(file.write(piece.data(), piece.size())); });
}

blobs::Result<std::string> ServerFiles::save_cache(const core::CacheSpec& cache, const blobs::PackResult& packed,
                                                   const std::filesystem::path& archive) {
  Connection connection{config_, workflow_id_, abort_};
  if (blobs::Status uploaded = connection->upload_blob(packed.digest, packed.compressed_size, file_source(archive));
      !uploaded)
    return uploaded.error();
  auto committed = connection->commit_cache({cache.name, cache.key, packed.digest, packed.compressed_size});
  if (!committed) return committed.error();
  if (!committed->created) return "not saved: another build saved " + cache.key + " first";
  return "saved " + cache.key + " (scope " + committed->scope + ")";
}

blobs::Status ServerFiles::keep_artifact(runner::ExecutionId id, const runner::KeptArtifact& artifact,
                                         const std::filesystem::path& file) {
  const auto execution = execution_ids_.find({id.pipeline, id.stage, id.execution});
  if (execution == execution_ids_.end())
    return blobs::Error{blobs::ErrorKind::Invalid, "the server gave this execution no id"};
  Connection connection{config_, workflow_id_, abort_};
  if (blobs::Status uploaded = connection->upload_blob(artifact.digest, artifact.size, file_source(file)); !uploaded)
    return uploaded;
  auto registered =
      connection->register_artifact({execution->second, artifact.path, artifact.digest, artifact.size});
  if (!registered) return registered.error();
  return {};
}

}  // namespace agent
