#include "http_client/tls_context.h"

#include <openssl/x509.h>

#include <cstdlib>
#include <deque>
#include <mutex>
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

// The system's trust store, from its hashed directory (/etc/ssl/certs, or
// SSL_CERT_DIR): OpenSSL reads the one CA a server's chain names when it
// needs it, where the bundle file would load every CA (about 145: 0.9 MB
// per process, 15 ms of CPU). SSL_CERT_FILE, when set, is read as OpenSSL
// reads it.
void trust_system(ssl::context& context) {
  if (std::getenv(X509_get_default_cert_file_env())) {
    use("the system's trust store", [&](error_code& e) { context.set_default_verify_paths(e); });
    return;
  }
  const char* dir = std::getenv(X509_get_default_cert_dir_env());
  const std::string path = dir ? dir : X509_get_default_cert_dir();
  use("the system's trust store " + path, [&](error_code& e) { context.add_verify_path(path, e); });
}

void trust(ssl::context& context, const Tls& tls) {
  if (!tls.ca_file.empty())
    use("the CA file " + tls.ca_file, [&](error_code& e) { context.load_verify_file(tls.ca_file, e); });
  if (!tls.ca_pem.empty())
    use("the CA PEM", [&](error_code& e) { context.add_certificate_authority(boost::asio::buffer(tls.ca_pem), e); });
  if (tls.ca_file.empty() && tls.ca_pem.empty()) trust_system(context);
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

std::shared_ptr<ssl::context> make_tls_context(const Tls& tls) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  context->set_verify_mode(tls.insecure ? ssl::verify_none : ssl::verify_peer);
  if (!tls.insecure) trust(*context, tls);
  identify(*context, tls);
  return context;
}

bool names_files(const Tls& tls) {
  return !tls.ca_file.empty() || !tls.certificate_file.empty() || !tls.key_file.empty();
}

}  // namespace

std::shared_ptr<ssl::context> tls_context(const Tls& tls) {
  if (names_files(tls)) return make_tls_context(tls);
  // A process uses a handful of settings (the system's trust store, a
  // cluster's CA and certificate); past kShared the oldest is let go.
  constexpr std::size_t kShared = 8;
  static std::mutex mutex;
  static std::deque<std::pair<Tls, std::shared_ptr<ssl::context>>> shared;
  std::lock_guard lock{mutex};
  for (const auto& [settings, context] : shared)
    if (settings == tls) return context;
  auto context = make_tls_context(tls);
  if (shared.size() == kShared) shared.pop_front();
  shared.emplace_back(tls, context);
  return context;
}

}  // namespace http_client::detail
