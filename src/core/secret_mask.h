// Hides secret values in log lines: every occurrence of a secret becomes
// "***" before a line is stored or streamed (docs/secrets.md, "Masking").
//
//   core::SecretMask mask{secrets};          // secrets: name → value
//   store(mask.apply("token is s3cr3t!"));   // "token is ***"
//
// Logs are handled one line at a time, so a value of several lines is masked
// line by line. Pieces shorter than kMinimumLength bytes are not masked:
// hiding every "a" or "on" would shred the log and tell a reader the secret
// anyway. Where occurrences overlap or touch, their union becomes one "***",
// so the longer value wins and no tail of a secret is left showing.
// Values given encoded (base64, URL-escaped, ...) are not recognised.
//
// Thread-safety: apply() is const and may run on many threads at once.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/plan.h"

namespace core {

class SecretMask {
 public:
  static constexpr std::size_t kMinimumLength = 4;
  static constexpr std::string_view kReplacement = "***";

  SecretMask() = default;
  explicit SecretMask(const Env& secrets);

  // `line` with every occurrence of a secret replaced.
  std::string apply(std::string_view line) const;

  // True when there is nothing to mask: apply() returns its line unchanged.
  bool empty() const { return pieces_.empty(); }

 private:
  // A value's line of kMinimumLength bytes or more, with its Horspool skip
  // table: how far a window may move on, given its last byte. Most windows
  // of a log line move on by the piece's whole length after one comparison.
  struct Piece {
    explicit Piece(std::string_view text);
    std::string text;
    std::array<std::uint32_t, 256> skip;
  };
  struct Span {  // [begin, end) of a line
    std::size_t begin;
    std::size_t end;
    auto operator<=>(const Span&) const = default;
  };

  std::vector<Span> occurrences(std::string_view line) const;

  std::vector<Piece> pieces_;
};

}  // namespace core
