#include "api/json_input.h"
#include "api/routes.h"

namespace api {

store::PageRequest page_request(const http::Request& request) {
  store::PageRequest page;
  page.limit = integer_query<int>(request, "limit").value_or(page.limit);
  page.after = std::string{request.query("after").value_or("")};
  return page;
}

}  // namespace api
