// UUIDs as the ids of every stored thing. New ids are version 7 (RFC 9562):
// 48 bits of Unix milliseconds first, so ids sort by creation time and index
// inserts stay local. Within one process ids are strictly increasing, even
// for many ids in the same millisecond. Text form is the lowercase canonical
// 8-4-4-4-12; parsing accepts either case.
// Thread-safe: new_v7() may be called from any thread.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace core {

class Uuid {
 public:
  using Bytes = std::array<std::uint8_t, 16>;

  Uuid() = default;  // the nil UUID, all zero
  explicit Uuid(const Bytes& bytes) : bytes_(bytes) {}

  static Uuid new_v7();
  static std::optional<Uuid> parse(std::string_view text);

  std::string to_string() const;
  const Bytes& bytes() const { return bytes_; }
  int version() const { return bytes_[6] >> 4; }
  bool is_nil() const { return bytes_ == Bytes{}; }
  std::uint64_t unix_millis() const;  // meaningful for version 7 only

  auto operator<=>(const Uuid&) const = default;

 private:
  Bytes bytes_{};
};

// True when text is a UUID in canonical 8-4-4-4-12 form (any case).
bool is_uuid(std::string_view text);

}  // namespace core
