// People's routes for caches and artifacts (docs/api.md, "Caches and
// artifacts"): a project's cache entries, listed and deleted; a workflow's
// artifacts, listed, downloaded one by one (with HTTP Range) or all
// together as a tar stream. Downloads are streamed from the blob store
// (blob_download.h), never held whole.
#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

#include "api/blob_common.h"
#include "api/blob_download.h"
#include "api/json_input.h"
#include "api/routes.h"
#include "api/views.h"
#include "core/percent.h"

namespace api {

namespace {

using nlohmann::json;

json cache_entry_view(const store::CacheEntry& entry) {
  return {{"id", entry.id},
          {"scope", entry.scope},
          {"key", entry.key},
          {"name", entry.name},
          {"size", entry.size},
          {"created_at", timestamp_text(entry.created_at)},
          {"last_used_at", timestamp_text(entry.last_used_at)}};
}

// Each execution's place in the tree, "pipeline/stage/execution", by id:
// what an artifact's path is shown under.
std::map<std::string, std::string> execution_places(store::Store& store, const std::string& workflow_id) {
  std::map<std::string, std::string> places;
  auto one_segment = [](std::string name) {
    std::replace(name.begin(), name.end(), '/', '_');
    return name;
  };
  for (const store::Pipeline& pipeline : unwrap(store.get_workflow_tree(workflow_id)).pipelines)
    for (const store::Stage& stage : pipeline.stages)
      for (const store::Execution& execution : stage.executions)
        places[execution.id] =
            one_segment(pipeline.name) + "/" + one_segment(stage.name) + "/" + one_segment(execution.name);
  return places;
}

json artifact_view(const store::Artifact& artifact, const std::string& place) {
  return {{"id", artifact.id},
          {"execution_id", artifact.execution_id},
          {"execution", place},
          {"path", artifact.path},
          {"size", artifact.size},
          {"digest", artifact.digest},
          {"created_at", timestamp_text(artifact.created_at)},
          {"expires_at", timestamp_text(artifact.expires_at)}};
}

// The workflow's artifacts whose retention has not ended, of one execution when given.
std::vector<store::Artifact> live_artifacts(const Routes& routes, const std::string& workflow_id,
                                            std::string_view execution_id) {
  std::vector<store::Artifact> live;
  const store::Timestamp at = now(routes.options);
  for (store::Artifact& artifact : unwrap(routes.store.list_artifacts(workflow_id)))
    if (artifact.expires_at > at && (execution_id.empty() || artifact.execution_id == execution_id))
      live.push_back(std::move(artifact));
  return live;
}

// attachment; filename="…" (ASCII, quotes and controls replaced) and the
// whole name, percent-encoded, as filename* (RFC 6266).
std::string attachment(std::string_view name) {
  std::string ascii;
  for (char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    ascii += byte < 0x20 || byte >= 0x7f || c == '"' || c == '\\' ? '_' : c;
  }
  return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + core::percent_encode(name);
}

http::Headers download_headers(std::string_view content_type, std::string_view file_name) {
  http::Headers headers;
  headers.set("Content-Type", content_type);
  headers.set("Content-Disposition", attachment(file_name));
  headers.set("X-Content-Type-Options", "nosniff");
  headers.set("Content-Security-Policy", "sandbox");  // never run as a page, whatever a browser thinks it is
  return headers;
}

// One artifact, whole (200) or the range asked (206); 416 for a range past
// its end. A malformed Range is ignored, as RFC 9110 says.
http::Response download_artifact(const Routes& routes, http::Request& request) {
  const std::string workflow_id{*request.param("id")};
  const store::Artifact artifact = unwrap(routes.store.get_artifact(*request.param("artifact")));
  if (artifact.workflow_id != workflow_id || artifact.expires_at <= now(routes.options))
    fail(404, "not_found", "workflow " + workflow_id + " has no artifact " + artifact.id);
  const auto size = static_cast<std::uint64_t>(artifact.size);
  const std::string_view path = artifact.path;
  http::Headers headers = download_headers("application/octet-stream", path.substr(path.rfind('/') + 1));
  headers.set("Accept-Ranges", "bytes");
  headers.set("ETag", "\"" + artifact.digest + "\"");
  ByteRange range{0, size == 0 ? 0 : size - 1};
  int status = 200;
  RangeProblem problem;
  if (const auto asked = request.header("Range")) {
    if (const auto parsed = parse_range(*asked, size, problem)) {
      range = *parsed;
      status = 206;
      headers.set("Content-Range", "bytes " + std::to_string(range.first) + "-" + std::to_string(range.last) + "/" +
                                       std::to_string(size));
    } else if (problem == RangeProblem::Unsatisfiable) {
      http::Response refusal = http::Response::error(416, "range_not_satisfiable", "the range starts past the end");
      refusal.headers.set("Content-Range", "bytes */" + std::to_string(size));
      return refusal;
    }
  }
  std::vector<DownloadPiece> pieces;
  if (size > 0) pieces.push_back({{}, artifact.digest, range.first, range.length()});
  return stream_pieces(status, std::move(headers), std::move(pieces), blob_store(routes.options));
}

// Every live artifact of the workflow (or of ?execution=) as one tar, each
// under its execution's place: pipeline/stage/execution/path.
http::Response download_archive(const Routes& routes, http::Request& request) {
  const std::string workflow_id{*request.param("id")};
  const std::string execution{request.query("execution").value_or("")};
  const auto places = execution_places(routes.store, workflow_id);
  if (!execution.empty() && !places.contains(execution))
    fail(404, "not_found", "workflow " + workflow_id + " has no execution " + execution);
  std::vector<DownloadPiece> pieces;
  for (const store::Artifact& artifact : live_artifacts(routes, workflow_id, execution)) {
    const auto place = places.find(artifact.execution_id);
    const std::int64_t mtime =
        std::chrono::duration_cast<std::chrono::seconds>(artifact.created_at.time_since_epoch()).count();
    add_tar_member(pieces, (place == places.end() ? artifact.execution_id : place->second) + "/" + artifact.path,
                   artifact.digest, static_cast<std::uint64_t>(artifact.size), mtime);
  }
  end_tar(pieces);
  const std::string name = "artifacts-" + (execution.empty() ? workflow_id : execution) + ".tar";
  return stream_pieces(200, download_headers("application/x-tar", name), std::move(pieces),
                       blob_store(routes.options));
}

}  // namespace

void add_artifact_routes(const Routes& routes) {
  store::Store& store = routes.store;
  routes.add("GET", "/api/v1/projects/{id}/caches", "project_caches", access::project(Role::Read),
             [&store](http::Request& request) {
               const store::Project project = unwrap(store.get_project(*request.param("id")));
               json items = json::array();
               std::int64_t total = 0;
               for (const store::CacheEntry& entry : unwrap(store.list_cache_entries(project.id))) {
                 items.push_back(cache_entry_view(entry));
                 total += entry.size;
               }
               return http::Response::json(
                   200, {{"items", std::move(items)}, {"total_size", total}, {"limit", project.cache_limit_bytes}});
             });
  routes.add("DELETE", "/api/v1/projects/{id}/caches", "project_caches_delete", access::project(Role::Write),
             [routes](http::Request& request) {
               const std::string project_id{*request.param("id")};
               const std::int64_t deleted = unwrap(routes.store.delete_cache_entries(project_id));
               audit(routes, request, "cache.delete_all", project_id, std::to_string(deleted) + " entries");
               return http::Response::json(200, {{"deleted", deleted}});
             });
  routes.add("DELETE", "/api/v1/projects/{id}/caches/{entry}", "project_cache_delete", access::project(Role::Write),
             [routes](http::Request& request) {
               const std::string project_id{*request.param("id")};
               const std::string entry{*request.param("entry")};
               unwrap(routes.store.delete_cache_entry(project_id, entry));
               audit(routes, request, "cache.delete", project_id, "cache entry " + entry);
               return no_content();
             });
  routes.add("GET", "/api/v1/workflows/{id}/artifacts", "workflow_artifacts", access::workflow(Role::Read),
             [routes](http::Request& request) {
               const std::string workflow_id{*request.param("id")};
               const auto places = execution_places(routes.store, workflow_id);
               json items = json::array();
               for (const store::Artifact& artifact : live_artifacts(routes, workflow_id, {})) {
                 const auto place = places.find(artifact.execution_id);
                 items.push_back(artifact_view(artifact, place == places.end() ? std::string{} : place->second));
               }
               return http::Response::json(200, {{"items", std::move(items)}});
             });
  routes.add("GET", "/api/v1/workflows/{id}/artifacts/{artifact}", "workflow_artifact", access::workflow(Role::Read),
             [routes](http::Request& request) { return download_artifact(routes, request); });
  routes.add("GET", "/api/v1/workflows/{id}/artifacts.tar", "workflow_artifacts_archive", access::workflow(Role::Read),
             [routes](http::Request& request) { return download_archive(routes, request); });
}

}  // namespace api
