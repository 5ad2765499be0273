#include "core/uuid.h"

#include <sys/random.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <stdexcept>

namespace core {

namespace {

constexpr std::string_view kHex = "0123456789abcdef";
constexpr std::size_t kTextLength = 36;

bool is_dash_position(std::size_t i) { return i == 8 || i == 13 || i == 18 || i == 23; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void fill_random(void* buffer, std::size_t size) {
  auto* out = static_cast<std::uint8_t*>(buffer);
  while (size > 0) {
    ssize_t got = getrandom(out, size, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("getrandom: ") + std::strerror(errno));
    }
    out += got;
    size -= static_cast<std::size_t>(got);
  }
}

std::uint64_t now_millis() {
  using namespace std::chrono;
  return static_cast<std::uint64_t>(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

// The 12-bit rand_a field doubles as a counter (RFC 9562 §6.2, method 1):
// a new millisecond seeds it randomly in its lower half, the same millisecond
// increments it, and an overflowing counter borrows the next millisecond. This
// keeps ids of one process strictly increasing even if the clock steps back.
struct Clock {
  std::mutex mutex;
  std::uint64_t millis = 0;
  std::uint16_t counter = 0;

  std::pair<std::uint64_t, std::uint16_t> next(std::uint16_t random_seed) {
    std::lock_guard lock(mutex);
    std::uint64_t now = now_millis();
    if (now > millis) {
      millis = now;
      counter = random_seed & 0x7ff;
    } else if (++counter > 0xfff) {
      ++millis;
      counter = random_seed & 0x7ff;
    }
    return {millis, counter};
  }
};

Clock& process_clock() {
  static Clock clock;  // ordering is per process by nature
  return clock;
}

}  // namespace

Uuid Uuid::new_v7() {
  Bytes b;
  fill_random(b.data(), b.size());
  auto [millis, counter] = process_clock().next(static_cast<std::uint16_t>(b[6] << 8 | b[7]));
  for (int i = 0; i < 6; ++i) b[i] = static_cast<std::uint8_t>(millis >> (40 - 8 * i));
  b[6] = static_cast<std::uint8_t>(0x70 | (counter >> 8));
  b[7] = static_cast<std::uint8_t>(counter);
  b[8] = static_cast<std::uint8_t>(0x80 | (b[8] & 0x3f));  // variant 10xx
  return Uuid(b);
}

std::optional<Uuid> Uuid::parse(std::string_view text) {
  if (!is_uuid(text)) return std::nullopt;
  Bytes b;
  std::size_t out = 0;
  for (std::size_t i = 0; i < kTextLength; i += 2) {
    if (is_dash_position(i)) ++i;
    b[out++] = static_cast<std::uint8_t>(hex_value(text[i]) << 4 | hex_value(text[i + 1]));
  }
  return Uuid(b);
}

std::string Uuid::to_string() const {
  std::string text(kTextLength, '-');
  std::size_t in = 0;
  for (std::size_t i = 0; i < kTextLength; i += 2) {
    if (is_dash_position(i)) ++i;
    text[i] = kHex[bytes_[in] >> 4];
    text[i + 1] = kHex[bytes_[in] & 0xf];
    ++in;
  }
  return text;
}

std::uint64_t Uuid::unix_millis() const {
  std::uint64_t millis = 0;
  for (int i = 0; i < 6; ++i) millis = millis << 8 | bytes_[i];
  return millis;
}

bool is_uuid(std::string_view text) {
  if (text.size() != kTextLength) return false;
  for (std::size_t i = 0; i < kTextLength; ++i) {
    if (is_dash_position(i) ? text[i] != '-' : hex_value(text[i]) < 0) return false;
  }
  return true;
}

}  // namespace core
