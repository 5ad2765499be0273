// Server-sent events (the text/event-stream format of the HTML standard),
// and bodies streamed as they are (Response::streamed: downloads).
// A handler answers Response::event_stream(on_open); the server sends the
// headers, then hands `on_open` an EventStream the application keeps and
// writes to from any thread for as long as it likes. No thread is held for
// the stream's lifetime: writes are queued and sent by the server's I/O
// threads, and a comment line goes out every `sse_keepalive` so proxies keep
// the connection open and dead viewers are noticed.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace http {

struct Event {
  std::string data;             // may hold several lines; each becomes a "data:" line
  std::string event;            // "event:" line when not empty
  std::string id;               // "id:" line when not empty (the client's Last-Event-ID on reconnect)
  std::optional<std::chrono::milliseconds> retry;  // reconnection delay hint
};

// The wire form of `event`, ending with the blank line that dispatches it.
std::string format_event(const Event& event);

// Thread-safety: every member may be called from any thread.
class EventStream {
 public:
  virtual ~EventStream() = default;

  // Queues the event. False once the stream is closed: the client went away,
  // the server is stopping, close() was called, or the client fell so far
  // behind that its queue passed the server's `sse_queue_limit`.
  virtual bool send(const Event& event) = 0;
  // Queues bytes as they are: the body of a Response::streamed answer.
  virtual bool send_bytes(std::string bytes) = 0;
  virtual bool is_open() const = 0;
  // Runs `callback` once when the stream closes (at once if it already has),
  // on a server I/O thread: keep it short, and drop the stream there.
  virtual void on_close(std::function<void()> callback) = 0;
  // Runs `callback` once everything queued so far has been written, on a
  // server I/O thread (never within this call); not at all if the stream
  // closes first. For senders of much data, which send a piece at a time
  // rather than overflow the queue.
  virtual void on_drained(std::function<void()> callback) = 0;
  // Ends the stream now; events queued but not yet written are dropped.
  // Clients reconnect with Last-Event-ID to resume.
  virtual void close() = 0;
};

using StreamHandler = std::function<void(std::shared_ptr<EventStream>)>;

}  // namespace http
