#include "github/app_jwt.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/base64.h"

namespace github {

namespace {

EVP_PKEY* pkey(const std::shared_ptr<void>& key) { return static_cast<EVP_PKEY*>(key.get()); }

// Issued a minute early, so that a server clock a little ahead still accepts it.
constexpr std::chrono::seconds kIssuedBefore{60};
constexpr std::chrono::seconds kLifetime{540};

std::int64_t unix_seconds(std::chrono::system_clock::time_point at) {
  return std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch()).count();
}

std::string sign_rs256(EVP_PKEY* key, std::string_view input) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context{EVP_MD_CTX_new(), EVP_MD_CTX_free};
  std::size_t size = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  if (!context || EVP_DigestSignInit(context.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
      EVP_DigestSign(context.get(), nullptr, &size, data, input.size()) != 1)
    throw std::runtime_error("cannot sign the GitHub App token with its key");
  std::string signature(size, '\0');
  if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &size, data, input.size()) != 1)
    throw std::runtime_error("cannot sign the GitHub App token with its key");
  signature.resize(size);
  return signature;
}

}  // namespace

std::string base64url(std::string_view bytes) {
  std::string text = core::base64_encode(bytes);
  while (!text.empty() && text.back() == '=') text.pop_back();
  for (char& c : text) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return text;
}

std::optional<AppKey> AppKey::from_pem(std::string_view pem, std::string& error) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio{BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free};
  EVP_PKEY* key = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
  if (key == nullptr) {
    error = "not a PEM private key (GitHub's app settings page makes one: \"Generate a private key\")";
    return std::nullopt;
  }
  if (EVP_PKEY_base_id(key) != EVP_PKEY_RSA) {
    EVP_PKEY_free(key);
    error = "not an RSA key; GitHub Apps sign with RSA";
    return std::nullopt;
  }
  return AppKey{std::shared_ptr<void>{key, [](void* k) { EVP_PKEY_free(static_cast<EVP_PKEY*>(k)); }}};
}

std::optional<AppKey> AppKey::load(const std::filesystem::path& file, std::string& error) {
  std::ifstream in{file};
  if (!in) {
    error = "cannot read " + file.string();
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto key = from_pem(text.str(), error);
  if (!key) error = file.string() + ": " + error;
  return key;
}

std::string AppKey::jwt(std::string_view app_id, std::chrono::system_clock::time_point now) const {
  const nlohmann::json header{{"alg", "RS256"}, {"typ", "JWT"}};
  const nlohmann::json claims{
      {"iat", unix_seconds(now - kIssuedBefore)}, {"exp", unix_seconds(now + kLifetime)}, {"iss", app_id}};
  const std::string input = base64url(header.dump()) + "." + base64url(claims.dump());
  return input + "." + base64url(sign_rs256(pkey(key_), input));
}

}  // namespace github
