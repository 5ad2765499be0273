// One client connection: reads requests (headers first, so the route can set
// the body limit), dispatches them, writes responses, and loops while the
// connection is kept alive. Every read and write runs on the connection's
// strand with a deadline, so a slow or silent client costs a socket, not a
// thread.
#include "http/server_state.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <array>
#include <atomic>
#include <ctime>
#include <limits>
#include <optional>
#include <sstream>
#include <variant>

#include "core/percent.h"

namespace http::detail {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using Clock = std::chrono::steady_clock;

constexpr std::chrono::seconds linger_timeout{2};
constexpr std::string_view continue_response = "HTTP/1.1 100 Continue\r\n\r\n";

bool is_parse_error(const beast::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category();
}

std::string_view text(beast::string_view s) { return {s.data(), s.size()}; }

// The Date header's IMF-fixdate (RFC 9110 5.6.7), formatted once a second per thread.
const std::string& http_date() {
  thread_local std::time_t formatted_second = -1;
  thread_local std::string formatted;
  const std::time_t now = std::time(nullptr);
  if (now != formatted_second) {
    std::tm utc{};
    gmtime_r(&now, &utc);
    char buffer[64];
    formatted.assign(buffer, std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S GMT", &utc));
    formatted_second = now;
  }
  return formatted;
}

class Connection : public Closable, public std::enable_shared_from_this<Connection> {
 public:
  Connection(ServerState& server, asio::ip::tcp::socket socket, std::string client, ClientLimits::Hold slot)
      : server_{server},
        stream_{std::move(socket)},
        strand_{stream_.get_executor()},
        client_{std::move(client)},
        slot_{std::move(slot)} {
    beast::error_code ec;
    const auto peer = stream_.socket().remote_endpoint(ec);
    if (!ec) {
      remote_address_ = peer.address().to_string();
      remote_port_ = peer.port();
    }
  }
  ~Connection() override { server_.untrack(this); }

  void start() {
    server_.track(shared_from_this());
    if (server_.stopping) return close();  // raced with stop(): tracked after shut_down_all
    asio::dispatch(strand_, beast::bind_front_handler(&Connection::read_header, shared_from_this()));
  }

  void shut_down() override {
    asio::dispatch(strand_, [self = shared_from_this()] {
      // A request being received, handled or written finishes first
      // (on_write sees `stopping`); one waiting for a request closes now.
      if (self->phase_ == Phase::reading) self->close();
    });
  }

  void abort() override { close(); }

 private:
  enum class Phase { reading, receiving_body, handling, writing, closed };

  void read_header() {
    phase_ = Phase::reading;
    if (server_.stopping) return close();
    parser_.emplace();
    if (buffer_.capacity() > server_.options.header_limit) buffer_.shrink_to_fit();  // a body's room, no longer needed
    parser_->header_limit(static_cast<std::uint32_t>(server_.options.header_limit));
    // No body limit while the headers are parsed: the route decides it.
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    match_ = {};
    method_ = "-";
    stream_.expires_after(server_.options.header_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             beast::bind_front_handler(&Connection::on_header, shared_from_this()));
  }

  void on_header(beast::error_code ec, std::size_t) {
    started_ = Clock::now();
    if (ec) return on_read_error(ec);
    const auto& message = parser_->get();
    method_ = std::string{text(message.method_string())};
    const std::string_view target = text(message.target());
    if (target.empty() || target.front() != '/') {
      match_.malformed_path = true;
    } else {
      // HEAD is GET without the body (RFC 9110 9.3.2): GET routes answer it.
      match_ = server_.router.match(method_ == "HEAD" ? "GET" : method_, target.substr(0, target.find('?')));
    }
    const std::uint64_t limit = match_.route && match_.route->options.body_limit ? *match_.route->options.body_limit
                                                                                : server_.options.body_limit;
    body_limit_ = limit;
    if (parser_->content_length() && *parser_->content_length() > limit) return reject_body();
    parser_->body_limit(limit);
    request_ = request_head();
    if (parser_->is_done()) return dispatch();
    if (!reserve_body()) return;
    if (auto expect = message.find(bhttp::field::expect);
        expect != message.end() && iequals(text(expect->value()), "100-continue")) {
      return send_continue();
    }
    read_body();
  }

  void send_continue() {
    phase_ = Phase::receiving_body;
    stream_.expires_after(server_.options.write_timeout);
    asio::async_write(stream_, asio::buffer(continue_response.data(), continue_response.size()),
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec) return self->close();
                        self->read_body();
                      });
  }

  // A body without credentials is read only within its address's and the
  // server's budgets; else the answer is 429 or 503, before any of it is read.
  bool reserve_body() {
    if (server_.router.has_credentials(request_)) return true;
    auto reserved = server_.clients.reserve_body(client_, expected_body_bytes());
    if (auto* hold = std::get_if<ClientLimits::Hold>(&reserved)) {
      body_hold_ = std::move(*hold);
      return true;
    }
    const bool everyone = std::get<ClientLimits::Refusal>(reserved) == ClientLimits::Refusal::server;
    Response refusal = everyone ? Response::error(503, "unavailable", "the server is receiving too much; retry later")
                                : Response::error(429, "too_many_requests",
                                                  "this address is sending too many request bodies at once; "
                                                  "retry later");
    refusal.headers.set("Retry-After", "1");
    respond(std::move(refusal), false);
    return false;
  }

  // The declared length; for a chunked body, the most the route takes.
  std::uint64_t expected_body_bytes() const { return parser_->content_length().value_or(body_limit_); }

  // The body_timeout grace, plus the body's length at the minimum rate.
  std::chrono::milliseconds body_deadline() const {
    const std::size_t rate = server_.options.body_min_rate;
    if (rate == 0) return server_.options.body_timeout;
    return server_.options.body_timeout + std::chrono::milliseconds{expected_body_bytes() * 1000 / rate};
  }

  void read_body() {
    phase_ = Phase::receiving_body;
    stream_.expires_after(body_deadline());
    bhttp::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Connection::on_body, shared_from_this()));
  }

  void on_body(beast::error_code ec, std::size_t) {
    if (ec == bhttp::error::body_limit) return reject_body();
    if (ec) return on_read_error(ec);
    dispatch();
  }

  void on_read_error(const beast::error_code& ec) {
    if (ec == bhttp::error::header_limit) {
      return respond(Response::error(431, "header_too_large", "request headers exceed " +
                                                                  std::to_string(server_.options.header_limit) +
                                                                  " bytes"),
                     false);
    }
    if (is_parse_error(ec) && ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
      return respond(Response::error(400, "bad_request", "malformed HTTP request: " + ec.message()), false);
    }
    close();  // the client left, or was too slow (beast::error::timeout)
  }

  void reject_body() {
    respond(Response::error(413, "payload_too_large", "request body exceeds " + std::to_string(body_limit_) + " bytes"),
            false);
  }

  // The request but its body, which is not read yet.
  Request request_head() {
    auto& message = parser_->get();
    Request request;
    request.method = method_;
    request.target = std::string{text(message.target())};
    const auto question = request.target.find('?');
    const std::string_view path = std::string_view{request.target}.substr(0, question);
    request.path = core::percent_decode(path, false).value_or(std::string{path});
    for (const auto& field : message) request.headers.add(text(field.name_string()), text(field.value()));
    request.remote_address = remote_address_;
    request.remote_port = remote_port_;
    return request;
  }

  void dispatch() {
    phase_ = Phase::handling;
    const bool keep_alive = parser_->get().keep_alive();
    request_.body = std::move(parser_->get().body());
    Response response = handle();
    request_ = {};  // the body's memory goes back with its reservation
    body_hold_ = {};
    respond(std::move(response), keep_alive);
  }

  Response handle() {
    const auto question = request_.target.find('?');
    auto query = parse_query(question == std::string::npos ? std::string_view{}
                                                           : std::string_view{request_.target}.substr(question + 1));
    if (!query) return Response::error(400, "bad_request", "malformed percent-escape in the query");
    request_.query_parameters = std::move(*query);
    return server_.router.dispatch(request_, match_);
  }

  void respond(Response response, bool keep_alive) {
    // HEAD of a streamed body: its head only, with the length it gave.
    const bool head_of_stream = response.raw_stream && method_ == "HEAD";
    if (response.stream && !head_of_stream) return hand_over_to_event_stream(std::move(response));
    if (response.deferred) return wait_for_answer(std::move(response.deferred), keep_alive);
    phase_ = Phase::writing;
    keep_alive_ = keep_alive && !server_.stopping;
    response_ = {};
    response_.version(11);
    response_.result(static_cast<unsigned>(response.status));
    for (const auto& [name, value] : response.headers.fields()) response_.insert(name, value);
    response_.set(bhttp::field::server, "FactoryCI");
    response_.set(bhttp::field::date, http_date());
    response_.body() = std::move(response.body);
    response_.keep_alive(keep_alive_);
    response_.prepare_payload();
    if (method_ == "HEAD") response_.body().clear();  // Content-Length stays that of the GET
    if (head_of_stream)
      if (const auto length = response.headers.get("Content-Length"))
        response_.set(bhttp::field::content_length, std::string{*length});
    stream_.expires_after(server_.options.write_timeout);
    bhttp::async_write(stream_, response_, beast::bind_front_handler(&Connection::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    record(response_.result_int(), response_.body().size());
    if (ec) return close();
    if (keep_alive_ && !server_.stopping) return read_header();
    // Request bytes left unread (a rejected body) make close() send a reset
    // that may destroy our answer before the client reads it: linger then.
    if (!parser_->is_done()) return linger_close();
    close();
  }

  void record(int status, std::size_t bytes) {
    const std::string_view target = parser_ ? text(parser_->get().target()) : std::string_view{};
    server_.record({remote_address_, method_, target, match_.name(), status, bytes, Clock::now() - started_});
  }

  void wait_for_answer(DeferredHandler start, bool keep_alive) {
    auto answered = std::make_shared<std::atomic<bool>>(false);
    start([self = shared_from_this(), answered, keep_alive](Response response) {
      if (answered->exchange(true)) return;
      asio::dispatch(self->strand_, [self, keep_alive, response = std::move(response)]() mutable {
        if (self->phase_ == Phase::closed) return;  // aborted by stop() in the meantime
        response.deferred = nullptr;                // answers are final
        self->respond(std::move(response), keep_alive);
      });
    });
  }

  void hand_over_to_event_stream(Response response) {
    phase_ = Phase::closed;
    bhttp::response<bhttp::empty_body> head{static_cast<bhttp::status>(response.status), 11};
    for (const auto& [name, value] : response.headers.fields()) head.insert(name, value);
    head.set(bhttp::field::server, "FactoryCI");
    head.set(bhttp::field::date, http_date());
    head.set("X-Accel-Buffering", "no");  // tells nginx-like proxies not to hold events back
    std::ostringstream out;
    out << head.base();
    record(response.status, 0);
    start_event_stream(server_, std::move(stream_), std::move(slot_), out.str(), response.stream,
                       !response.raw_stream);
  }

  // Half-closes, then reads until the client closes too (or a short timeout).
  void linger_close() {
    phase_ = Phase::closed;
    beast::error_code ignored;
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    stream_.expires_after(linger_timeout);
    drain();
  }

  void drain() {
    stream_.async_read_some(asio::buffer(scratch_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->drain();
    });
  }

  void close() {
    phase_ = Phase::closed;
    beast::error_code ignored;
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  ServerState& server_;
  beast::tcp_stream stream_;
  // A copy of stream_'s strand: stream_ is moved away when an event stream takes over.
  beast::tcp_stream::executor_type strand_;
  beast::flat_buffer buffer_;
  std::string client_;       // the key of its address in server_.clients
  ClientLimits::Hold slot_;  // its place among the address's connections
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  Request request_;              // filled from the headers; the body joins it when read
  ClientLimits::Hold body_hold_;  // the body's share of the anonymous budgets, while it is read
  bhttp::response<bhttp::string_body> response_;
  RouteMatch match_;
  std::string method_ = "-";
  std::string remote_address_;
  unsigned short remote_port_ = 0;
  Clock::time_point started_ = Clock::now();
  std::uint64_t body_limit_ = 0;
  bool keep_alive_ = false;
  Phase phase_ = Phase::reading;
  std::array<char, 4096> scratch_{};
};

}  // namespace

void serve_connection(ServerState& server, asio::ip::tcp::socket socket, std::string client,
                      ClientLimits::Hold slot) {
  std::make_shared<Connection>(server, std::move(socket), std::move(client), std::move(slot))->start();
}

}  // namespace http::detail
