// The server's share of file descriptors. Every connection costs one, so the
// soft RLIMIT_NOFILE (often 1024) would cap the server far below what it can
// serve; the hard limit is what the administrator allows.
//
// Thread-safety: call it from main() before threads start.
#pragma once

#include <cstddef>

namespace server {

// Raises the soft RLIMIT_NOFILE to the hard limit; returns the soft limit
// now in force (unchanged when it cannot be raised).
std::size_t raise_open_file_limit();

}  // namespace server
