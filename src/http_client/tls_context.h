// The OpenSSL context of a client's https:// connections, made from its Tls
// settings. Internal to src/http_client: OpenSSL is initialised only when the
// first https:// URL needs a context, so a client that talks plain HTTP never
// pays its memory.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>

#include "http_client/http_client.h"

namespace http_client::detail {

// Verifies servers against the system's trust store, or against the CA of
// `tls` when it names one; presents the client certificate of `tls`, if any.
// Throws std::runtime_error saying which setting could not be used.
//
// Contexts whose settings name no file are shared by the whole process:
// making one reads the trust store (the system's, about 15 ms of CPU), and
// the GitHub and Consul clients make a Client per call. Settings naming
// files are read anew for each Client, as files may be replaced (rotated
// certificates).
std::shared_ptr<boost::asio::ssl::context> tls_context(const Tls& tls);

}  // namespace http_client::detail
