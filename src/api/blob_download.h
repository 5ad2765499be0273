// Internal to src/api: streaming blobs to people (artifact_routes.cpp). A
// download is a list of pieces, literal bytes or ranges of blobs, sent one
// read at a time as the connection drains (http::Response::streamed), so
// that no blob is ever whole in memory; an archive of several blobs is a
// tar stream (POSIX ustar, with a pax header for a long path or a large
// size) made of such pieces, its length known before the first byte.
// Reads run on the server's I/O threads, a piece of at most 1 MiB at a time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "blobs/store.h"
#include "http/response.h"

namespace api {

struct DownloadPiece {
  std::string bytes;        // literal bytes, or, with a digest, nothing:
  std::string digest;       // a range of this blob
  std::uint64_t offset = 0;
  std::uint64_t length = 0;

  std::uint64_t size() const { return digest.empty() ? bytes.size() : length; }
};

// The pieces of a tar member: its head (with a pax header before it when
// needed), its content (the blob), and the padding to a whole block.
void add_tar_member(std::vector<DownloadPiece>& pieces, std::string_view path, std::string digest,
                    std::uint64_t size, std::int64_t mtime_seconds);
// The two zero blocks that end a tar stream.
void end_tar(std::vector<DownloadPiece>& pieces);

// Sends the pieces as the body of an answer with `status` and `headers`
// (Content-Length is set here). A blob that cannot be read midway ends the
// stream early: the client sees a body shorter than its Content-Length.
// `blobs` must outlive the answer's stream.
http::Response stream_pieces(int status, http::Headers headers, std::vector<DownloadPiece> pieces,
                             blobs::Store& blobs);

}  // namespace api
