// Routes that reach running work: cancelling a workflow, and following an
// execution's log live as Server-Sent Events.
#include <charconv>
#include <mutex>

#include <nlohmann/json.hpp>

#include "api/log_hub.h"
#include "api/routes.h"
#include "api/views.h"
#include "orchestrator/orchestrator.h"

namespace api {

namespace {

using nlohmann::json;

http::Event line_event(const store::LogLine& line) {
  return {json{{"seq", line.seq},
               {"stream", store::to_string(line.stream)},
               {"at", timestamp_text(line.at)},
               {"text", line.text}}
              .dump(-1, ' ', false, json::error_handler_t::replace),
          "line", std::to_string(line.seq)};
}

// One viewer of a log. Lines published while its backlog was read are held
// and sent after it, each line once, in order: a line goes out only when its
// seq is above the last one sent.
class LogFollower {
 public:
  explicit LogFollower(std::int64_t after) : last_sent_{after} {}

  // A hub listener: false once the viewer went away.
  bool on_live(const std::vector<store::LogLine>& lines, bool ended) {
    std::lock_guard lock{mutex_};
    if (!stream_) {
      held_.insert(held_.end(), lines.begin(), lines.end());
      ended_ = ended_ || ended;
      return true;
    }
    send(lines, ended);
    return stream_->is_open();
  }

  void open(std::shared_ptr<http::EventStream> stream, const std::vector<store::LogLine>& backlog, bool ended) {
    std::lock_guard lock{mutex_};
    stream_ = std::move(stream);
    send(backlog, false);
    send(held_, ended || ended_);
    held_.clear();
  }

 private:
  void send(const std::vector<store::LogLine>& lines, bool ended) {
    for (const auto& line : lines) {
      if (line.seq <= last_sent_) continue;
      stream_->send(line_event(line));
      last_sent_ = line.seq;
    }
    if (ended) stream_->send({"{}", "end", {}, {}});
  }

  std::mutex mutex_;
  std::shared_ptr<http::EventStream> stream_;
  std::vector<store::LogLine> held_;
  bool ended_ = false;
  std::int64_t last_sent_;
};

// Where a viewer resumes: Last-Event-ID (a reconnecting EventSource sends
// it), else ?after=, else the start.
std::int64_t resume_after(const http::Request& request) {
  std::string_view text = request.header("Last-Event-ID").value_or(request.query("after").value_or("0"));
  std::int64_t after = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), after);
  if (error != std::errc{} || end != text.data() + text.size() || after < 0)
    fail(400, "bad_request", "Last-Event-ID or after must be a line number");
  return after;
}

std::vector<store::LogLine> stored_lines(store::Store& store, const std::string& execution, std::int64_t after) {
  std::vector<store::LogLine> lines;
  for (;;) {
    auto page = unwrap(store.read_log(execution, after, 1000));
    if (page.empty()) return lines;
    after = page.back().seq;
    lines.insert(lines.end(), std::make_move_iterator(page.begin()), std::make_move_iterator(page.end()));
  }
}

http::Response follow_log(store::Store& store, LogHub& logs, http::Request& request) {
  const std::string id{request.param("id").value_or("")};
  unwrap(store.get_execution(id));
  auto follower = std::make_shared<LogFollower>(resume_after(request));
  // Subscribe before reading what is stored, so that no line falls between.
  logs.subscribe(id, [follower](const auto& lines, bool ended) { return follower->on_live(lines, ended); });
  auto backlog = stored_lines(store, id, resume_after(request));
  const bool ended = core::is_final(unwrap(store.get_execution(id)).status);
  return http::Response::event_stream([follower, backlog = std::move(backlog), ended](auto stream) {
    follower->open(std::move(stream), backlog, ended);
  });
}

http::Response cancel(store::Store& store, orchestrator::Orchestrator& orchestrator, http::Request& request) {
  const std::string id{request.param("id").value_or("")};
  const core::Status found = cancel_workflow(store, &orchestrator, id, "cancelled before it started");
  if (found == core::Status::Queued) return http::Response::json(200, {{"id", id}, {"status", "cancelled"}});
  if (core::is_final(found))
    fail(409, "conflict", "workflow " + id + " already ended (" + std::string{core::to_string(found)} + ")");
  return http::Response::json(202, {{"id", id}, {"status", "cancelling"}});
}

}  // namespace

void add_live_routes(const Routes& routes, orchestrator::Orchestrator& orchestrator, std::shared_ptr<LogHub> logs) {
  store::Store& store = routes.store;
  routes.add("POST", "/api/v1/workflows/{id}/cancel", "workflow_cancel",
             [&store, &orchestrator](http::Request& request) { return cancel(store, orchestrator, request); });
  routes.add("GET", "/api/v1/executions/{id}/log/stream", "execution_log_stream",
             [&store, logs](http::Request& request) { return follow_log(store, *logs, request); });
}

}  // namespace api
