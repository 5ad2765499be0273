// Arena: a bump allocator for syntax trees.
//
// Memory comes from a few large chunks and is released all at once when the
// arena dies; nothing allocated here is ever destroyed individually, so only
// trivially destructible types may live in it. Not thread-safe: one arena
// belongs to one parse.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <string_view>
#include <type_traits>
#include <vector>

namespace hcl {

class Arena {
 public:
  Arena() = default;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  void* allocate(size_t size, size_t align) {
    size_t offset = (used_ + align - 1) & ~(align - 1);
    if (offset + size > capacity_) return allocate_slow(size, align);
    used_ = offset + size;
    return current_ + offset;
  }

  template <class T, class... Args>
  T* make(Args&&... args) {
    static_assert(std::is_trivially_destructible_v<T>, "arena objects are never destroyed");
    return new (allocate(sizeof(T), alignof(T))) T{std::forward<Args>(args)...};
  }

  // Takes back `p`, `size` bytes, if it is the latest allocation.
  void give_back(const void* p, size_t size) {
    if (static_cast<const std::byte*>(p) + size == current_ + used_) used_ -= size;
  }

  // Copies `count` items into the arena (trivially copyable types only).
  template <class T>
  T* copy_array(const T* items, size_t count) {
    static_assert(std::is_trivially_copyable_v<T>);
    if (count == 0) return nullptr;
    void* p = allocate(sizeof(T) * count, alignof(T));
    std::memcpy(p, items, sizeof(T) * count);
    return static_cast<T*>(p);
  }

 private:
  // Chunks start small so that tiny files stay cheap, and double up to a
  // cap: big files need few system allocations, and the unused end of the
  // last chunk stays small.
  static constexpr size_t kFirstChunk = 4096;
  static constexpr size_t kMaxChunk = 64 * 1024;

  // Out of line: inlined into every node's allocation, its temporaries
  // would grow the frames of the recursive parser (under AddressSanitizer
  // by hundreds of bytes a level).
  void* allocate_slow(size_t size, size_t align);

  std::vector<std::unique_ptr<std::byte[]>> chunks_;
  std::byte* current_ = nullptr;
  size_t capacity_ = 0;
  size_t used_ = 0;
  size_t next_chunk_ = kFirstChunk;
};

}  // namespace hcl
