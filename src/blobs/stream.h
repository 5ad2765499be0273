// The two ends every blobs stream passes through, so that no archive or blob
// is ever whole in memory: a Sink takes bytes in order, a Source hands them.
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

namespace blobs {

// Takes the next piece of a stream (never empty). Returning false stops the
// producer, which then fails with ErrorKind::Io ("the sink stopped").
using Sink = std::function<bool(std::string_view piece)>;

// Fills up to `capacity` bytes of `buffer`; returns how many, 0 at the end of
// the stream, or -1 when it cannot read (the consumer fails with Io).
using Source = std::function<std::ptrdiff_t(char* buffer, std::size_t capacity)>;

}  // namespace blobs
