#include "server/service.h"

#include "api/api.h"

namespace server {

namespace {

http::Router api_router(store::Store& store) {
  http::Router router;
  api::add_routes(router, store);
  return router;
}

}  // namespace

Service::Service(std::unique_ptr<store::Store> store, http::ServerOptions options)
    : store_{std::move(store)}, http_{api_router(*store_), std::move(options)} {}

}  // namespace server
