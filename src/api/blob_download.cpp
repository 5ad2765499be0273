#include "api/blob_download.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>

namespace api {

namespace {

constexpr std::size_t kBlock = 512;
constexpr std::uint64_t kPieceSize = 1 << 20;
constexpr std::uint64_t kLargestUstarSize = 077777777777;  // 11 octal digits

std::string padding(std::uint64_t size) { return std::string((kBlock - size % kBlock) % kBlock, '\0'); }

// `width` - 1 octal digits, zero-padded, and a NUL: the value must fit.
void put_octal(char* field, std::size_t width, std::uint64_t value) {
  field[width - 1] = '\0';
  for (std::size_t i = width - 1; i-- > 0; value >>= 3) field[i] = static_cast<char>('0' + (value & 7));
}

// A ustar header block: the name cut to 100 bytes (a pax header before it
// holds the whole one), regular file, mode 0644, no owner.
std::string ustar_header(std::string_view name, std::uint64_t size, std::int64_t mtime, char type) {
  std::string block(kBlock, '\0');
  std::memcpy(block.data(), name.data(), std::min<std::size_t>(name.size(), 100));
  put_octal(&block[100], 8, 0644);
  put_octal(&block[108], 8, 0);
  put_octal(&block[116], 8, 0);
  put_octal(&block[124], 12, std::min(size, kLargestUstarSize));
  put_octal(&block[136], 12, static_cast<std::uint64_t>(std::max<std::int64_t>(mtime, 0)));
  block[156] = type;
  std::memcpy(&block[257], "ustar", 6);
  std::memcpy(&block[263], "00", 2);
  std::memset(&block[148], ' ', 8);
  unsigned checksum = 0;
  for (char c : block) checksum += static_cast<unsigned char>(c);
  put_octal(&block[148], 7, checksum);  // six digits and a NUL; the space after stays
  return block;
}

// A pax record, "<length> <key>=<value>\n", its length counting itself.
std::string pax_record(std::string_view key, std::string_view value) {
  const std::size_t rest = key.size() + value.size() + 3;  // ' ', '=', '\n'
  std::size_t length = rest + 1;
  while (std::to_string(length).size() + rest != length) length = std::to_string(length).size() + rest;
  return std::to_string(length) + " " + std::string{key} + "=" + std::string{value} + "\n";
}

// Sends one piece after another, each once the connection drained the last.
class Pump : public std::enable_shared_from_this<Pump> {
 public:
  Pump(std::shared_ptr<http::EventStream> stream, std::vector<DownloadPiece> pieces, blobs::Store& blobs)
      : stream_{std::move(stream)}, pieces_{std::move(pieces)}, blobs_{blobs} {}

  void next() {
    std::string bytes;
    while (bytes.empty() && at_ < pieces_.size()) {
      DownloadPiece& piece = pieces_[at_];
      if (piece.digest.empty()) {
        bytes = std::move(piece.bytes);
        ++at_;
        continue;
      }
      const std::uint64_t length = std::min(kPieceSize, piece.length - done_);
      const blobs::Status read = blobs_.read_range(piece.digest, piece.offset + done_, length, [&](std::string_view p) {
        bytes.append(p);
        return true;
      });
      if (!read || bytes.size() != length) {
        std::fprintf(stderr, "api: download of blob %s stopped: %s\n", piece.digest.c_str(),
                     read ? "it is shorter than recorded" : read.error().message.c_str());
        stream_->close();
        return;
      }
      done_ += length;
      if (done_ == piece.length) {
        done_ = 0;
        ++at_;
      }
    }
    if (bytes.empty()) {
      stream_->on_drained([stream = stream_] { stream->close(); });
      return;
    }
    if (!stream_->send_bytes(std::move(bytes))) return;  // the client went away
    stream_->on_drained([self = shared_from_this()] { self->next(); });
  }

 private:
  std::shared_ptr<http::EventStream> stream_;
  std::vector<DownloadPiece> pieces_;
  blobs::Store& blobs_;
  std::size_t at_ = 0;
  std::uint64_t done_ = 0;  // of the current blob piece
};

}  // namespace

void add_tar_member(std::vector<DownloadPiece>& pieces, std::string_view path, std::string digest,
                    std::uint64_t size, std::int64_t mtime_seconds) {
  std::string head;
  if (path.size() > 100 || size > kLargestUstarSize) {
    std::string records = pax_record("path", path);
    if (size > kLargestUstarSize) records += pax_record("size", std::to_string(size));
    head = ustar_header("././@PaxHeader", records.size(), mtime_seconds, 'x') + records + padding(records.size());
  }
  head += ustar_header(path, size, mtime_seconds, '0');
  pieces.push_back({std::move(head), {}, 0, 0});
  if (size > 0) pieces.push_back({{}, std::move(digest), 0, size});
  if (size % kBlock != 0) pieces.push_back({padding(size), {}, 0, 0});
}

void end_tar(std::vector<DownloadPiece>& pieces) { pieces.push_back({std::string(2 * kBlock, '\0'), {}, 0, 0}); }

http::Response stream_pieces(int status, http::Headers headers, std::vector<DownloadPiece> pieces,
                             blobs::Store& blobs) {
  std::uint64_t length = 0;
  for (const DownloadPiece& piece : pieces) length += piece.size();
  headers.set("Content-Length", std::to_string(length));
  return http::Response::streamed(status, std::move(headers),
                                  [pieces = std::move(pieces), &blobs](std::shared_ptr<http::EventStream> stream) mutable {
                                    std::make_shared<Pump>(std::move(stream), std::move(pieces), blobs)->next();
                                  });
}

}  // namespace api
