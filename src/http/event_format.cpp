#include <string_view>

#include "http/event_stream.h"

namespace http {

namespace {

// Field values end at a line break, so any CR, LF or CRLF inside `data`
// starts a new "data:" line; for one-line fields they are dropped.
void append_field(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ": ";
  for (char c : value) {
    if (c != '\n' && c != '\r') out += c;
  }
  out += '\n';
}

void append_data(std::string& out, std::string_view data) {
  std::size_t start = 0;
  while (true) {
    const auto end = data.find_first_of("\r\n", start);
    append_field(out, "data", data.substr(start, end - start));
    if (end == std::string_view::npos) return;
    start = end + ((data[end] == '\r' && end + 1 < data.size() && data[end + 1] == '\n') ? 2 : 1);
  }
}

}  // namespace

std::string format_event(const Event& event) {
  std::string out;
  out.reserve(event.data.size() + event.event.size() + event.id.size() + 32);
  if (!event.id.empty()) append_field(out, "id", event.id);
  if (!event.event.empty()) append_field(out, "event", event.event);
  if (event.retry) append_field(out, "retry", std::to_string(event.retry->count()));
  append_data(out, event.data);
  out += '\n';
  return out;
}

}  // namespace http
