// Caches and artifacts as streamed archives: tar (POSIX pax, by libarchive)
// compressed with zstd (libzstd), written to a Sink and read from a Source in
// pieces of at most a few hundred KiB, so memory stays bounded whatever the
// tree's size.
//
//   auto packed = blobs::pack({"node_modules", "~/.npm"}, {.root = workspace, .home = home}, sink);
//   // packed->digest names the compressed stream, as a blobs::Store addresses it
//   auto unpacked = blobs::unpack(source, {.target = workspace, .home = home});
//
// Entries keep their mode (permission bits, without setuid/setgid), mtime and
// symlinks (never followed: a symlink is stored as one). Owners are not kept:
// entries are written as uid/gid 0 with no names and extracted as the
// extracting user. A path with a leading "~/" is taken from `home` and stored
// as "~/..." so that unpacking puts it back under the unpacker's home.
//
// Digest stability: the digest is of the compressed bytes, which depend on
// the paths, contents, modes, symlink targets and mtimes of what is packed
// (walked in sorted order) and on the zstd level. The same tree with the same
// mtimes gives the same digest; touching a file changes it. So does the
// thread count: zstd with worker threads writes other (valid) frames.
//
// Unpacking takes hostile input: see UnpackOptions. Thread-safety: pack and
// unpack share no state; run any number at once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "blobs/result.h"
#include "blobs/stream.h"

namespace blobs {

struct PackOptions {
  std::filesystem::path root;  // what relative paths are relative to
  std::filesystem::path home;  // what a leading "~/" means; empty: such paths are Invalid
  int level = 1;               // zstd level
  int threads = 0;             // zstd worker threads; 0: compress on the calling thread
};

struct PackResult {
  std::string digest;            // SHA-256 hex of the compressed stream
  std::uint64_t compressed_size = 0;
  std::uint64_t files = 0;       // entries written: files, directories and symlinks
  std::uint64_t raw_size = 0;    // bytes of the tar stream before compression
  std::vector<std::string> missing;  // given paths that did not exist (skipped)
};

// Packs each path (a file, a symlink, or a directory with everything under
// it) into the sink. Paths are relative to `root` or start with "~/"; an
// absolute path or one with a ".." component is Invalid. Sockets, FIFOs and
// devices inside a directory are skipped. Io when a file cannot be read or
// the sink stops.
Result<PackResult> pack(const std::vector<std::string>& paths, const PackOptions& options, const Sink& sink);

struct UnpackOptions {
  std::filesystem::path target;  // where relative entries go; must exist
  std::filesystem::path home;    // where "~/" entries go; empty: they are Refused
  std::uint64_t max_entries = 1'000'000;
  std::uint64_t max_bytes = std::uint64_t{16} << 30;  // sum of the files' sizes
  std::uint32_t max_window_log = 27;  // zstd window (128 MiB), bounds decompression memory
};

struct UnpackResult {
  std::uint64_t entries = 0;
  std::uint64_t bytes = 0;  // file contents written
};

// Extracts a stream that pack() made. Refused, naming the entry, for: an
// absolute name, a ".." component, a "~/" entry with no home, a hard link,
// a device, FIFO or socket, a path through a symlink (existing or extracted
// before), more than max_entries entries or more than max_bytes of contents.
// Nothing is written outside target and home; on any error what was
// extracted before it stays inside them, for the caller to clear.
// Corrupt when the stream is not zstd-compressed tar.
Result<UnpackResult> unpack(const Source& source, const UnpackOptions& options);

}  // namespace blobs
