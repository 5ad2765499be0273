#include "store/result.h"

namespace store {

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::NotFound: return "not_found";
    case ErrorKind::Conflict: return "conflict";
    case ErrorKind::Invalid: return "invalid";
    case ErrorKind::Unavailable: return "unavailable";
    case ErrorKind::Internal: return "internal";
  }
  return "internal";
}

}  // namespace store
