// Routes that reach running work: cancelling a workflow, and following an
// execution's log live as Server-Sent Events.
#include <charconv>
#include <mutex>

#include <nlohmann/json.hpp>

#include "api/json_input.h"
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

// One viewer of a log. The stored backlog goes out a piece at a time, each
// once the last one was written, so that a long log never overflows the
// stream's queue. Lines published meanwhile are held and sent after it;
// each line goes once, in order: only when its seq is above the last sent.
// Once the execution ended, the `end` event goes out and the stream closes
// when it has been written.
class LogFollower : public std::enable_shared_from_this<LogFollower> {
 public:
  explicit LogFollower(std::int64_t after) : last_sent_{after} {}

  // A hub listener: false once the viewer went away.
  bool on_live(const std::vector<store::LogLine>& lines, bool ended) {
    std::lock_guard lock{mutex_};
    if (!live_) {
      held_.insert(held_.end(), lines.begin(), lines.end());
      ended_ = ended_ || ended;
      return !stream_ || stream_->is_open();
    }
    send(lines, ended);
    return stream_->is_open();
  }

  void open(std::shared_ptr<http::EventStream> stream, std::vector<store::LogLine> backlog, bool ended) {
    std::lock_guard lock{mutex_};
    stream_ = std::move(stream);
    backlog_ = std::move(backlog);
    ended_ = ended_ || ended;
    send_backlog_piece();
  }

 private:
  static constexpr std::size_t kPieceLines = 2'000;  // ~200 KB of events, well under the queue's limit

  // With mutex_ held.
  void send_backlog_piece() {
    const std::size_t end = std::min(next_, backlog_.size()) + kPieceLines;
    for (; next_ < backlog_.size() && next_ < end; ++next_) send_line(backlog_[next_]);
    if (next_ < backlog_.size()) {
      stream_->on_drained([self = shared_from_this()] {
        std::lock_guard lock{self->mutex_};
        self->send_backlog_piece();
      });
      return;
    }
    backlog_ = {};
    live_ = true;
    send(held_, ended_);
    held_ = {};
  }

  void send(const std::vector<store::LogLine>& lines, bool ended) {
    for (const auto& line : lines) send_line(line);
    if (!ended) return;
    stream_->send({"{}", "end", {}, {}});
    stream_->on_drained([stream = stream_] { stream->close(); });
  }

  void send_line(const store::LogLine& line) {
    if (line.seq <= last_sent_) return;
    stream_->send(line_event(line));
    last_sent_ = line.seq;
  }

  std::mutex mutex_;
  std::shared_ptr<http::EventStream> stream_;
  std::vector<store::LogLine> backlog_;
  std::size_t next_ = 0;  // the first backlog line not sent yet
  bool live_ = false;     // the backlog is out: lines go as they come
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

// The stream of an ended execution: what is stored, then the end.
http::Response stream_to(const std::shared_ptr<LogFollower>& follower, std::vector<store::LogLine> backlog) {
  return http::Response::event_stream([follower, backlog = std::move(backlog)](auto stream) mutable {
    follower->open(std::move(stream), std::move(backlog), true);
  });
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

// A finished execution's viewer gets what is stored and the end; a running
// one's also follows the hub until the execution ends or the viewer leaves.
http::Response follow_log(store::Store& store, const std::shared_ptr<LogHub>& logs, http::Request& request) {
  const std::string id{request.param("id").value_or("")};
  const std::int64_t after = resume_after(request);
  auto follower = std::make_shared<LogFollower>(after);
  if (core::is_final(unwrap(store.get_execution(id)).status)) return stream_to(follower, stored_lines(store, id, after));
  // Subscribe before reading what is stored, so that no line falls between.
  const auto subscription =
      logs->subscribe(id, [follower](const auto& lines, bool ended) { return follower->on_live(lines, ended); });
  try {
    auto backlog = stored_lines(store, id, after);
    if (core::is_final(unwrap(store.get_execution(id)).status)) {
      logs->unsubscribe(id, subscription);  // it may have ended before we subscribed
      return stream_to(follower, std::move(backlog));
    }
    return http::Response::event_stream(
        [follower, backlog = std::move(backlog), logs, id, subscription](auto stream) mutable {
          // Runs on the stream's strand, never inside a hub listener (whose lock it takes).
          stream->on_close([logs, id, subscription] { logs->unsubscribe(id, subscription); });
          follower->open(std::move(stream), std::move(backlog), false);
        });
  } catch (...) {
    logs->unsubscribe(id, subscription);
    throw;
  }
}

http::Response cancel(const Routes& routes, orchestrator::Orchestrator& orchestrator, http::Request& request) {
  read_no_fields(request);
  const std::string id{request.param("id").value_or("")};
  const std::string project_id = unwrap(routes.store.project_of_workflow(id));
  const core::Status found =
      cancel_workflow(routes.store, &orchestrator, id, "cancelled before it started", caller_of(request).name());
  if (core::is_final(found))
    fail(409, "conflict", "workflow " + id + " already ended (" + std::string{core::to_string(found)} + ")");
  audit(routes, request, "workflow.cancel", project_id, "workflow " + id);
  if (found == core::Status::Queued || found == core::Status::WaitingForApproval)
    return http::Response::json(200, {{"id", id}, {"status", "cancelled"}});
  return http::Response::json(202, {{"id", id}, {"status", "cancelling"}});
}

}  // namespace

void add_live_routes(const Routes& routes, orchestrator::Orchestrator& orchestrator, std::shared_ptr<LogHub> logs) {
  store::Store& store = routes.store;
  routes.add("POST", "/api/v1/workflows/{id}/cancel", "workflow_cancel", access::workflow(Role::Write),
             [routes, &orchestrator](http::Request& request) { return cancel(routes, orchestrator, request); });
  routes.add("GET", "/api/v1/executions/{id}/log/stream", "execution_log_stream", access::execution(Role::Read),
             [&store, logs](http::Request& request) { return follow_log(store, logs, request); });
}

}  // namespace api
