// Routes requests to handlers by method and path pattern.
//   router.add("GET", "/api/v1/projects/{id}", handler, {.name = "project"});
// A pattern is literal segments and {name} segments, each matching one whole
// non-empty path segment (percent-decoded before it is compared or captured).
// A path no route matches gives 404; a path matched under other methods gives
// 405 with an Allow header. Middleware runs before the handler of a matched
// route and may answer instead of it (authentication, for one).
//
// Thread-safety: build the router first; once a Server runs it, it is only read.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.h"
#include "http/response.h"

namespace http {

using Handler = std::function<Response(Request&)>;

struct RouteOptions {
  std::string name;                      // label in metrics and the access log; default: the pattern
  bool is_public = false;                // middleware lets it through without credentials
  std::optional<std::size_t> body_limit; // bytes; default: ServerOptions::body_limit
  std::string access;                    // who may call it, as docs/api.md says ("project:read"); informative
};

struct Route {
  std::string method;
  std::string pattern;
  std::vector<std::string> segments;  // the pattern split at '/'
  Handler handler;
  RouteOptions options;
};

// Returns a response to answer with it instead of the handler, or nullopt to go on.
using Middleware = std::function<std::optional<Response>(const Request&, const Route&)>;

// Whether a request's head (everything but the body, not read yet) carries
// valid credentials. The bodies of those that do are not counted against
// the server's budgets for anonymous senders (ServerOptions).
using CredentialCheck = std::function<bool(const Request& head)>;

// The outcome of looking a request up, before its body is read (the route
// decides the body limit).
struct RouteMatch {
  const Route* route = nullptr;  // null: 404 or 405
  Parameters parameters;
  std::string allow;             // for 405: "GET, PUT"; empty for 404
  bool malformed_path = false;   // a bad %-escape: 400

  std::string_view name() const { return route ? std::string_view{route->options.name} : "unmatched"; }
};

class Router {
 public:
  // Throws std::invalid_argument on a malformed pattern or a duplicate route.
  void add(std::string method, std::string pattern, Handler handler, RouteOptions options = {});
  void use(Middleware middleware) { middleware_.push_back(std::move(middleware)); }
  void identify_with(CredentialCheck check) { credential_check_ = std::move(check); }

  // False without a CredentialCheck. Runs on an I/O thread before the body is read.
  bool has_credentials(const Request& head) const { return credential_check_ && credential_check_(head); }

  // `path` is the raw (still percent-encoded) path, without the query.
  RouteMatch match(std::string_view method, std::string_view path) const;
  // Runs middleware and the handler of `match`, or answers 400/404/405.
  // A handler's exception becomes a 500 (its text is not shown to the client).
  Response dispatch(Request& request, const RouteMatch& match) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
  std::vector<Middleware> middleware_;
  CredentialCheck credential_check_;
};

// Splits "/a/b/c" into {"a", "b", "c"}; "/" gives {}.
std::vector<std::string_view> split_path(std::string_view path);

}  // namespace http
