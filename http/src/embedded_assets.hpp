// The status page's files, compiled into the binary (cmake/embed_assets.cmake writes the table
// from http/assets at build time).
#pragma once

#include <cstddef>
#include <string_view>

namespace ferry::http {

struct EmbeddedAsset {
    const char* name;          // file name in http/assets
    const char* content_type;  // by extension
    const unsigned char* data; // its bytes
    std::size_t size;          // how many
};

// The asset of that file name; null when there is none.
[[nodiscard]] const EmbeddedAsset* find_asset(std::string_view name);

} // namespace ferry::http
