#include "hcl/arena.h"

namespace hcl {

void* Arena::allocate_slow(size_t size, size_t align) {
  // A big array (the top-level blocks of a big file) gets a chunk of its
  // own, so that the free rest of the current chunk is not abandoned.
  // (new[] aligns it for any fundamental type.)
  if (size > kMaxChunk / 4) {
    chunks_.push_back(std::make_unique<std::byte[]>(size));
    return chunks_.back().get();
  }
  size_t chunk = next_chunk_;
  if (next_chunk_ < kMaxChunk) next_chunk_ *= 2;
  if (chunk < size + align) chunk = size + align;
  chunks_.push_back(std::make_unique<std::byte[]>(chunk));
  current_ = chunks_.back().get();
  capacity_ = chunk;
  used_ = 0;
  return allocate(size, align);
}

}  // namespace hcl
