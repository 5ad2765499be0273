#include "blobs/result.h"

namespace blobs {

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::NotFound: return "not_found";
    case ErrorKind::Corrupt: return "corrupt";
    case ErrorKind::Refused: return "refused";
    case ErrorKind::Conflict: return "conflict";
    case ErrorKind::Invalid: return "invalid";
    case ErrorKind::Io: return "io";
  }
  return "unknown";
}

}  // namespace blobs
