// Internal to src/webui: the table the build generates from assets/
// (embed_assets.cmake), sorted by name.
#pragma once

#include <string_view>
#include <vector>

namespace webui {

struct EmbeddedAsset {
  std::string_view name;    // file name: "app.js"
  std::string_view bytes;
  std::string_view etag;  // the SHA-256 of the bytes in hex, quoted
};

extern const std::vector<EmbeddedAsset> embedded_assets;

}  // namespace webui
