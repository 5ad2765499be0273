#include "store/secret_box.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>
#include <stdexcept>

namespace store {

namespace {

constexpr std::size_t kNonceSize = 12;  // GCM's default and recommended IV length
constexpr int kTagSize = 16;

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

CipherContext new_context() {
  CipherContext context{EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free};
  if (!context) throw std::runtime_error("EVP_CIPHER_CTX_new failed");
  return context;
}

const unsigned char* bytes(std::string_view text) { return reinterpret_cast<const unsigned char*>(text.data()); }
unsigned char* bytes(std::string& text) { return reinterpret_cast<unsigned char*>(text.data()); }
int size(std::string_view text) { return static_cast<int>(text.size()); }

std::string associated_data(std::string_view project_id, std::string_view name) {
  std::string data{project_id};
  data.append("/").append(name);
  return data;
}

std::string base64(const std::string& data) {
  std::string text(4 * ((data.size() + 2) / 3) + 1, '\0');  // EVP_EncodeBlock ends it with a NUL
  text.resize(static_cast<std::size_t>(EVP_EncodeBlock(bytes(text), bytes(data), size(data))));
  return text;
}

std::optional<std::string> from_base64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string data(text.size() / 4 * 3, '\0');
  const int decoded = EVP_DecodeBlock(bytes(data), bytes(text), size(text));
  if (decoded < 0) return std::nullopt;
  const int padding = text.ends_with("==") ? 2 : text.ends_with('=') ? 1 : 0;
  data.resize(static_cast<std::size_t>(decoded - padding));
  return data;
}

enum class Direction { Seal, Open };

// Runs AES-256-GCM over `length` bytes from `in` to `out`: sealing writes the
// tag, opening checks it. False on any failure, a wrong tag included.
bool run_gcm(Direction direction, const SecretsKey& key, const unsigned char* nonce, std::string_view aad,
             const unsigned char* in, int length, unsigned char* out, unsigned char* tag) {
  const bool sealing = direction == Direction::Seal;
  const CipherContext context = new_context();
  EVP_CIPHER_CTX* gcm = context.get();
  int written = 0;
  return EVP_CipherInit_ex(gcm, EVP_aes_256_gcm(), nullptr, key.data(), nonce, sealing ? 1 : 0) == 1 &&
         EVP_CipherUpdate(gcm, nullptr, &written, bytes(aad), size(aad)) == 1 &&
         EVP_CipherUpdate(gcm, out, &written, in, length) == 1 &&
         (sealing || EVP_CIPHER_CTX_ctrl(gcm, EVP_CTRL_GCM_SET_TAG, kTagSize, tag) == 1) &&
         EVP_CipherFinal_ex(gcm, out + written, &written) == 1 &&
         (!sealing || EVP_CIPHER_CTX_ctrl(gcm, EVP_CTRL_GCM_GET_TAG, kTagSize, tag) == 1);
}

}  // namespace

std::string SecretBox::seal(std::string_view project_id, std::string_view name, std::string_view value) const {
  std::string sealed(kNonceSize + value.size() + kTagSize, '\0');
  unsigned char* nonce = bytes(sealed);
  unsigned char* ciphertext = nonce + kNonceSize;
  if (RAND_bytes(nonce, kNonceSize) != 1) throw std::runtime_error("RAND_bytes failed: no entropy for a nonce");
  if (!run_gcm(Direction::Seal, key_, nonce, associated_data(project_id, name), bytes(value), size(value), ciphertext,
               ciphertext + value.size()))
    throw std::runtime_error("AES-256-GCM encryption failed");
  return base64(sealed);
}

std::optional<std::string> SecretBox::open(std::string_view project_id, std::string_view name,
                                           std::string_view sealed_text) const {
  auto sealed = from_base64(sealed_text);
  if (!sealed || sealed->size() < kNonceSize + kTagSize) return std::nullopt;
  unsigned char* nonce = bytes(*sealed);
  unsigned char* ciphertext = nonce + kNonceSize;
  std::string value(sealed->size() - kNonceSize - kTagSize, '\0');
  if (!run_gcm(Direction::Open, key_, nonce, associated_data(project_id, name), ciphertext, size(value),
               bytes(value), ciphertext + value.size()))
    return std::nullopt;
  return value;
}

}  // namespace store
