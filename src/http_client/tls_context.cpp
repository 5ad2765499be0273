#include "http_client/tls_context.h"

#include <stdexcept>

namespace http_client::detail {

namespace {

namespace ssl = boost::asio::ssl;
using boost::system::error_code;

// Applies one setting; an error names the setting ("the CA file /x: No such file").
template <class Apply>
void use(std::string_view setting, Apply apply) {
  error_code error;
  apply(error);
  if (error) throw std::runtime_error("TLS settings: " + std::string{setting} + ": " + error.message());
}

void trust(ssl::context& context, const Tls& tls) {
  if (!tls.ca_file.empty())
    use("the CA file " + tls.ca_file, [&](error_code& e) { context.load_verify_file(tls.ca_file, e); });
  if (!tls.ca_pem.empty())
    use("the CA PEM", [&](error_code& e) { context.add_certificate_authority(boost::asio::buffer(tls.ca_pem), e); });
  if (tls.ca_file.empty() && tls.ca_pem.empty())
    use("the system's trust store", [&](error_code& e) { context.set_default_verify_paths(e); });
}

void identify(ssl::context& context, const Tls& tls) {
  if (!tls.certificate_file.empty())
    use("the client certificate file " + tls.certificate_file,
        [&](error_code& e) { context.use_certificate_chain_file(tls.certificate_file, e); });
  if (!tls.certificate_pem.empty())
    use("the client certificate PEM",
        [&](error_code& e) { context.use_certificate_chain(boost::asio::buffer(tls.certificate_pem), e); });
  if (!tls.key_file.empty())
    use("the client key file " + tls.key_file,
        [&](error_code& e) { context.use_private_key_file(tls.key_file, ssl::context::pem, e); });
  if (!tls.key_pem.empty())
    use("the client key PEM",
        [&](error_code& e) { context.use_private_key(boost::asio::buffer(tls.key_pem), ssl::context::pem, e); });
}

}  // namespace

std::unique_ptr<ssl::context> make_tls_context(const Tls& tls) {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
  context->set_verify_mode(tls.insecure ? ssl::verify_none : ssl::verify_peer);
  if (!tls.insecure) trust(*context, tls);
  identify(*context, tls);
  return context;
}

}  // namespace http_client::detail
