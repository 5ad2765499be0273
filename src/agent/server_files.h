// An agent's caches and artifacts go to the server (docs/agents.md, "Caches
// and artifacts"): the runner's FileKeeper over the agent protocol's blob
// calls. Nothing is shared between agents but through the server, so agents
// on Kubernetes need no shared volume.
// Thread-safety: as runner::FileKeeper; each call talks to the server on a
// connection of its own.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <tuple>

#include "agent/server_client.h"
#include "runner/execution_files.h"

namespace agent {

class ServerFiles : public runner::FileKeeper {
 public:
  // `execution_ids`: the server's id of each execution of the plan, by its
  // place; `abort` ends a call under way (the run was given up).
  using ExecutionIds = std::map<std::tuple<std::size_t, std::size_t, std::size_t>, std::string>;
  ServerFiles(ClientConfig config, std::string workflow_id, ExecutionIds execution_ids, std::function<bool()> abort);

  blobs::Result<std::optional<runner::CacheHit>> find_cache(const core::CacheSpec& cache) override;
  blobs::Status fetch(const std::string& digest, const std::filesystem::path& to) override;
  blobs::Result<std::string> save_cache(const core::CacheSpec& cache, const blobs::PackResult& packed,
                                        const std::filesystem::path& archive) override;
  blobs::Status keep_artifact(runner::ExecutionId id, const runner::KeptArtifact& artifact,
                              const std::filesystem::path& file) override;

 private:
  const ClientConfig config_;
  const std::string workflow_id_;
  const ExecutionIds execution_ids_;
  const std::function<bool()> abort_;
};

}  // namespace agent
