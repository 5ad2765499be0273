#include "http_client/http_client.h"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <limits>

#include "http_client/connection.h"
#include "http_client/proxy.h"
#include "http_client/url.h"

namespace http_client {

namespace {

namespace bhttp = boost::beast::http;
using detail::Bounds;
using detail::Clock;
using detail::Connection;
using detail::error_code;
using detail::Failure;
using detail::Proxy;
using detail::Url;

constexpr std::uint64_t kBodyLimit = std::uint64_t{256} << 20;  // for a body kept whole in Reply::body
constexpr std::uint32_t kHeaderLimit = 64 << 10;

using Message = bhttp::request<bhttp::string_body>;
using Parser = bhttp::response_parser<bhttp::buffer_body>;

std::string after(std::chrono::milliseconds limit) { return "timed out after " + std::to_string(limit.count()) + " ms"; }

// An http:// request through a proxy goes to the proxy in absolute form;
// an https:// one goes through its tunnel as it would go directly.
bool forwarded(const Url& url, const std::optional<Proxy>& proxy) { return proxy && !url.https; }

Message message_of(const Url& url, const std::optional<Proxy>& proxy, const Request& request) {
  Message message;
  message.method_string(request.method);
  message.target(forwarded(url, proxy) ? "http://" + url.host_header + url.target : url.target);
  message.version(11);
  message.set(bhttp::field::host, url.host_header);
  if (forwarded(url, proxy) && !proxy->authorization.empty())
    message.set(bhttp::field::proxy_authorization, proxy->authorization);
  message.set(bhttp::field::accept, "*/*");
  if (!request.user_agent.empty()) message.set(bhttp::field::user_agent, request.user_agent);
  for (std::string_view header : request.headers) {
    const auto colon = header.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = header.substr(colon + 1);
    while (value.starts_with(' ')) value.remove_prefix(1);
    message.set(boost::beast::string_view{header.data(), colon}, boost::beast::string_view{value.data(), value.size()});
  }
  message.body() = request.body;
  message.prepare_payload();
  return message;
}

// The answer's header a line at a time: the status line, "Name: value"
// lines and the empty line, each ending in CRLF.
void report_header(const bhttp::response_header<>& header, const std::function<void(std::string_view)>& on_header) {
  if (!on_header) return;
  const unsigned version = header.version();
  on_header("HTTP/" + std::to_string(version / 10) + "." + std::to_string(version % 10) + " " +
            std::to_string(header.result_int()) + " " + std::string{header.reason()} + "\r\n");
  for (const auto& field : header) on_header(std::string{field.name_string()} + ": " + std::string{field.value()} + "\r\n");
  on_header("\r\n");
}

// One request and its answer on the client's connection.
class Exchange {
 public:
  Exchange(Connection& connection, const Url& url, const std::optional<Proxy>& proxy, const Request& request)
      : connection_{connection},
        url_{url},
        proxy_{proxy},
        request_{request},
        bounds_{.timeout_error = after(request.timeout), .abort = request.abort} {
    if (request.timeout.count() > 0) bounds_.deadline = Clock::now() + request.timeout;
  }

  Reply run() {
    const bool reused = connection_.open_to(url_, proxy_, request_.tls);
    if (!reused) connect();
    const Message message = message_of(url_, proxy_, request_);
    std::optional<Parser> parser;
    error_code error = send(message, parser);
    if (error && reused && !parser->got_some() && buffer_.size() == 0) {  // the server closed it while idle
      connect();
      error = send(message, parser);
    }
    if (error) throw Failure{problem("no answer from", error)};
    report_header(parser->get(), request_.on_header);
    Reply reply{.status = static_cast<long>(parser->get().result_int())};
    read_body(*parser, reply);
    if (!parser->get().keep_alive()) connection_.close();
    return reply;
  }

 private:
  // Runs op(stream, handler) on the connection's stream within the bounds.
  template <class Op>
  error_code on_stream(Op op) {
    return connection_.with_stream(
        [&](auto& stream) { return connection_.wait([&](auto done) { op(stream, done); }, bounds_); });
  }

  void connect() {
    Bounds bounds = bounds_;
    if (request_.connect_timeout.count() > 0 && Clock::now() + request_.connect_timeout < bounds.deadline) {
      bounds.deadline = Clock::now() + request_.connect_timeout;
      const std::string via = proxy_ ? " through proxy " + proxy_->address() : "";
      bounds.timeout_error =
          "connecting to " + url_.host + ":" + url_.port + via + " " + after(request_.connect_timeout);
    }
    connection_.connect(url_, proxy_, request_.tls, bounds);
  }

  // Sends the request and reads the answer's header into a new `parser`.
  error_code send(const Message& message, std::optional<Parser>& parser) {
    parser.emplace();
    parser->header_limit(kHeaderLimit);
    // A watch streams for as long as it is open. (Not boost::none, which
    // Beast 1.74 takes as a limit below every Content-Length.)
    parser->body_limit(request_.on_body ? std::numeric_limits<std::uint64_t>::max() : kBodyLimit);
    parser->skip(message.method() == bhttp::verb::head);
    buffer_.clear();
    const error_code sent = on_stream([&](auto& stream, auto done) { bhttp::async_write(stream, message, done); });
    if (sent) return sent;
    return on_stream([&](auto& stream, auto done) { bhttp::async_read_header(stream, buffer_, *parser, done); });
  }

  void read_body(Parser& parser, Reply& reply) {
    char piece[16 * 1024];
    while (!parser.is_done()) {
      parser.get().body().data = piece;
      parser.get().body().size = sizeof piece;
      error_code error = on_stream([&](auto& stream, auto done) { bhttp::async_read_some(stream, buffer_, parser, done); });
      if (error == bhttp::error::need_buffer) error = {};
      const std::string_view got{piece, sizeof piece - parser.get().body().size};
      if (!request_.on_body)
        reply.body.append(got);
      else if (!got.empty())
        request_.on_body(got);
      if (error) throw Failure{problem("reading the answer's body from", error)};
    }
  }

  std::string problem(const std::string& doing, const error_code& error) const {
    if (error == bhttp::error::end_of_stream) return peer() + " closed the connection before answering";
    if (error == bhttp::error::body_limit) return "the answer's body is over 256 MiB";
    return doing + " " + peer() + ": " + error.message();
  }

  // Who the connection is with, for errors.
  std::string peer() const {
    return forwarded(url_, proxy_) ? "proxy " + proxy_->address() : url_.host + ":" + url_.port;
  }

  Connection& connection_;
  const Url& url_;
  const std::optional<Proxy>& proxy_;
  const Request& request_;
  Bounds bounds_;
  boost::beast::flat_buffer buffer_;
};

}  // namespace

Client::Client() : connection_{std::make_unique<Connection>()} {}

Client::~Client() = default;

Reply Client::perform(const Request& request) {
  const Url url = detail::parse_url(request.url);
  if (!url.error.empty()) return Reply{.error = url.error};
  const std::optional<Proxy> proxy = detail::proxy_from_environment(url);
  if (proxy && !proxy->error.empty()) return Reply{.error = proxy->error};
  try {
    return Exchange{*connection_, url, proxy, request}.run();
  } catch (const Failure& failure) {
    connection_->close();
    return Reply{.error = failure.what(), .aborted = failure.aborted};
  } catch (...) {
    connection_->close();  // a callback threw halfway through the answer: the connection cannot be reused
    throw;
  }
}

}  // namespace http_client
