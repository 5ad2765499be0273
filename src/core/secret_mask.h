// Hides secret values in log lines: every occurrence of a secret becomes
// "***" before a line is stored or streamed (docs/secrets.md, "Masking").
//
//   core::SecretMask mask{secrets};          // secrets: name → value
//   store(mask.apply("token is s3cr3t!"));   // "token is ***"
//
// Logs are handled one line at a time, so a value of several lines is masked
// line by line. A line too long to hold whole is masked in parts by a
// Stream, which keeps back the bytes a secret seen only in part may begin in,
// so that cutting the masked text anywhere shows no part of a secret.
// Pieces shorter than kMinimumLength bytes are not masked: hiding every "a"
// or "on" would shred the log and tell a reader the secret anyway. Where
// occurrences overlap or touch, their union becomes one "***", so the longer
// value wins and no tail of a secret is left showing.
// Values given encoded (base64, URL-escaped, ...) are not recognised.
//
// Thread-safety: apply() is const and may run on many threads at once; a
// Stream belongs to one thread.
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

  // A mask hiding this one's secrets and those of `more` (a pipeline's
  // environment secrets, released after the run began).
  SecretMask with(const Env& more) const;

  // `line` with every occurrence of a secret replaced.
  std::string apply(std::string_view line) const;

  // True when there is nothing to mask: apply() returns its line unchanged.
  bool empty() const { return pieces_.empty(); }

 private:
  // A run of hidden bytes still open at the end of what was masked: a
  // secret not yet seen whole may join it.
  struct Run {
    bool open = false;
    std::size_t end = 0;  // where it ends, in the bytes kept back
  };

 public:
  // Masks one line given in parts. The concatenation of what feed() and
  // finish() append equals apply() of the whole line.
  class Stream {
   public:
    explicit Stream(const SecretMask& mask) : mask_(&mask) {}  // `mask` must outlive the stream
    // Masks the next bytes of the line, appending to `masked` what no later
    // byte can change; keeps back at most the longest secret's length - 1
    // bytes (and the masked run they may extend).
    void feed(std::string_view part, std::string& masked);
    // The line ended: appends the rest, and the stream is ready for another line.
    void finish(std::string& masked);

   private:
    const SecretMask* mask_;
    std::string held_;  // the line's last bytes, not yet decided
    Run run_;
  };

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

  // Builds the pieces of `texts` (views into live strings) and of `secrets`'s values.
  void add(const Env& secrets, std::vector<std::string_view> texts);
  std::vector<Span> occurrences(std::string_view line) const;
  // Appends to `masked` text[0, limit) masked (or the *** of a run reaching
  // past it), where no occurrence begins before `limit` that `text` does not
  // hold whole. `run` is the run open before text[0] and, on return, the one
  // open past text[limit], in text[limit, ...)'s positions.
  void mask_part(std::string_view text, std::size_t limit, Run& run, std::string& masked) const;

  std::vector<Piece> pieces_;
  std::size_t longest_ = 0;  // the longest piece's length
};

}  // namespace core
