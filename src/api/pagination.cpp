#include <charconv>

#include "api/routes.h"

namespace api {

store::PageRequest page_request(const http::Request& request) {
  store::PageRequest page;
  if (const auto limit = request.query("limit")) {
    const auto [end, error] = std::from_chars(limit->data(), limit->data() + limit->size(), page.limit);
    if (error != std::errc{} || end != limit->data() + limit->size()) {
      fail(400, "invalid", "query parameter 'limit' must be an integer");
    }
  }
  page.after = std::string{request.query("after").value_or("")};
  return page;
}

}  // namespace api
