// A text/event-stream response that outlives its handler. Application threads
// queue events under a mutex; the connection's strand writes them out, one
// write at a time, everything queued since the last write in one go. A read
// kept pending on the socket notices the client leaving (SSE clients send
// nothing after the request), and a keep-alive comment every
// `sse_keepalive` notices peers that vanished without a word.
#include "http/server_state.h"

#include <array>
#include <cstdio>
#include <exception>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <functional>
#include <vector>

namespace http::detail {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;

constexpr std::string_view keepalive_comment = ": keep-alive\n\n";

class EventStreamSession : public EventStream,
                           public Closable,
                           public std::enable_shared_from_this<EventStreamSession> {
 public:
  EventStreamSession(std::shared_ptr<ServerState> server, beast::tcp_stream stream, ClientLimits::Hold slot)
      : server_{std::move(server)},
        stream_{std::move(stream)},
        keepalive_{stream_.get_executor()},
        slot_{std::move(slot)} {
    ++server_->event_streams;
  }

  // Runs on the strand.
  void start(std::string response_head, const StreamHandler& on_open, bool keepalive) {
    server_->track(shared_from_this());
    stream_.expires_never();  // the watching read must not time out; writes get their own deadline
    watch_client();
    if (keepalive) arm_keepalive();
    enqueue(std::move(response_head));
    if (server_->stopping) return finish();
    try {
      on_open(shared_from_this());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "http: event stream handler failed: %s\n", e.what());
      finish();
    }
  }

  bool send(const Event& event) override { return enqueue(format_event(event)); }
  bool send_bytes(std::string bytes) override { return enqueue(std::move(bytes)); }

  bool is_open() const override {
    std::lock_guard lock{mutex_};
    return open_;
  }

  void on_close(std::function<void()> callback) override {
    {
      std::lock_guard lock{mutex_};
      if (open_) {
        close_callbacks_.push_back(std::move(callback));
        return;
      }
    }
    callback();
  }

  void on_drained(std::function<void()> callback) override {
    {
      std::lock_guard lock{mutex_};
      if (!open_) return;
      if (writing_) {
        drained_callbacks_.push_back(std::move(callback));
        return;
      }
    }
    asio::post(stream_.get_executor(), std::move(callback));
  }

  void close() override {
    if (!is_open()) return;  // also keeps a stopped server's strand out of it
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->finish(); });
  }

  void shut_down() override { close(); }
  void abort() override { finish(); }

 private:
  bool enqueue(std::string text) {
    bool overflow = false;
    {
      std::lock_guard lock{mutex_};
      if (!open_) return false;
      overflow = queued_.size() + text.size() > server_->options.sse_queue_limit;
      if (!overflow) {
        queued_ += text;
        if (writing_) return true;
        writing_ = true;
      }
    }
    if (overflow) {
      close();  // a viewer this far behind reconnects and resumes with Last-Event-ID
      return false;
    }
    asio::post(stream_.get_executor(), [self = shared_from_this()] { self->write_queued(); });
    return true;
  }

  // Runs on the strand. With nothing left to write, the on_drained callbacks
  // run, outside the lock: they may send more.
  void write_queued() {
    std::vector<std::function<void()>> drained;
    bool more = false;
    {
      std::lock_guard lock{mutex_};
      more = open_ && !queued_.empty();
      if (more) {
        in_flight_.swap(queued_);
        queued_.clear();
      } else {
        writing_ = false;
        if (open_) drained.swap(drained_callbacks_);
      }
    }
    if (!more) {
      for (auto& callback : drained) callback();
      return;
    }
    stream_.expires_after(server_->options.write_timeout);
    asio::async_write(stream_, asio::buffer(in_flight_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->finish();
      self->write_queued();
    });
  }

  void watch_client() {
    stream_.async_read_some(asio::buffer(scratch_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->finish();
      self->watch_client();
    });
  }

  void arm_keepalive() {
    keepalive_.expires_after(server_->options.sse_keepalive);
    keepalive_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || !self->enqueue(std::string{keepalive_comment})) return;
      self->arm_keepalive();
    });
  }

  // Runs on the strand; the first call closes, later ones do nothing.
  void finish() {
    std::vector<std::function<void()>> callbacks;
    std::vector<std::function<void()>> never_drained;  // they may hold this stream: let them go
    {
      std::lock_guard lock{mutex_};
      if (!open_) return;
      open_ = false;
      callbacks.swap(close_callbacks_);
      never_drained.swap(drained_callbacks_);
    }
    keepalive_.cancel();
    beast::error_code ignored;
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    stream_.close();
    // Closed is closed for the server too, though the application may keep
    // this object a while longer.
    --server_->event_streams;
    server_->untrack(this);
    slot_ = {};
    for (auto& callback : callbacks) callback();
  }

  // Declared first, released last: the socket and timer below belong to its
  // io_context, which must outlive them even when the Server is gone.
  std::shared_ptr<ServerState> server_;
  beast::tcp_stream stream_;
  asio::steady_timer keepalive_;
  ClientLimits::Hold slot_;  // the connection's place among its address's, until closed
  mutable std::mutex mutex_;
  bool open_ = true;
  bool writing_ = false;  // a write_queued() is posted or running
  std::string queued_;
  std::string in_flight_;
  std::vector<std::function<void()>> close_callbacks_;
  std::vector<std::function<void()>> drained_callbacks_;
  std::array<char, 512> scratch_{};
};

}  // namespace

void start_event_stream(ServerState& server, beast::tcp_stream stream, ClientLimits::Hold slot,
                        std::string response_head, const StreamHandler& on_open, bool keepalive) {
  auto session =
      std::make_shared<EventStreamSession>(server.shared_from_this(), std::move(stream), std::move(slot));
  session->start(std::move(response_head), on_open, keepalive);
}

}  // namespace http::detail
