// An execution's log: pages of JSON lines to follow it, or the whole of it as
// a text file to download.
#include <nlohmann/json.hpp>

#include "api/json_input.h"
#include "api/routes.h"
#include "api/views.h"

namespace api {

namespace {

constexpr int kMostLinesPerRead = 1000;  // the store's limit

// {"lines": [...], "next": seq or null}: `next` is set when the page is full,
// so more lines may follow it.
http::Response log_page(store::Store& store, const std::string& execution_id, const http::Request& request) {
  const auto after = integer_query<std::int64_t>(request, "after").value_or(0);
  const auto limit = integer_query<int>(request, "limit").value_or(kMostLinesPerRead);
  const auto lines = unwrap(store.read_log(execution_id, after, limit));
  nlohmann::json items = nlohmann::json::array();
  for (const auto& line : lines) items.push_back(log_line_view(line));
  const bool full = !lines.empty() && lines.size() == static_cast<std::size_t>(limit);
  return http::Response::json(200, {{"lines", std::move(items)},
                                    {"next", full ? nlohmann::json(lines.back().seq) : nlohmann::json(nullptr)}});
}

// The lines' text, one a line, read from the store a page at a time.
http::Response log_file(store::Store& store, const std::string& execution_id) {
  std::string text;
  for (std::int64_t after = 0;;) {
    const auto lines = unwrap(store.read_log(execution_id, after, kMostLinesPerRead));
    for (const auto& line : lines) text.append(line.text).push_back('\n');
    if (lines.size() < static_cast<std::size_t>(kMostLinesPerRead)) break;
    after = lines.back().seq;
  }
  http::Response response = http::Response::text(200, std::move(text));
  response.headers.set("Content-Disposition", "attachment; filename=\"" + execution_id + ".log\"");
  return response;
}

}  // namespace

void add_execution_routes(const Routes& routes) {
  store::Store& store = routes.store;
  routes.add("GET", "/api/v1/executions/{id}/log", "execution_log", access::execution(Role::Read),
             [&store](http::Request& request) {
    // read_log answers an unknown execution with no lines; a 404 tells it apart.
    const auto execution = unwrap(store.get_execution(*request.param("id")));
    const auto format = request.query("format").value_or("json");
    if (format == "text") return log_file(store, execution.id);
    if (format != "json") fail(400, "invalid", "query parameter 'format' must be 'json' or 'text'");
    return log_page(store, execution.id, request);
  });
}

}  // namespace api
