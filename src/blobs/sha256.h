// SHA-256 over a stream (OpenSSL EVP), and the hex names blobs go by.
// Thread-safety: one Sha256 per thread; the free functions are pure.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace blobs {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;

  void update(std::string_view bytes);
  std::string finish_hex();  // lowercase hex of the 32-byte digest; then the hasher starts over

 private:
  std::string finish_raw();
  struct State;
  std::unique_ptr<State> state_;
};

std::string sha256_hex(std::string_view bytes);
std::string to_hex(std::string_view bytes);
// True for what a blob is addressed by: exactly 64 lowercase hex digits.
bool is_digest(std::string_view text);

}  // namespace blobs
