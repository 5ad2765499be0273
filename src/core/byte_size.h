// Sizes for people, as GitHub and browsers show them: decimal units, three
// significant digits ("512 B", "1.20 kB", "34.5 MB", "2.00 GB").
// A pure function; safe from any thread.
#pragma once

#include <cstdint>
#include <string>

namespace core {

std::string byte_size_text(std::uint64_t bytes);

}  // namespace core
