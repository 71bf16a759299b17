# Writes a C++ source holding every file of ASSETS_DIR as a byte array, with its name and content
# type, so the status page needs nothing beside the binary. Run in script mode:
#   cmake -DASSETS_DIR=... -DOUTPUT=... -P embed_assets.cmake
file(GLOB assets RELATIVE "${ASSETS_DIR}" "${ASSETS_DIR}/*")
list(SORT assets)
set(arrays "")
set(rows "")
set(index 0)
foreach(name IN LISTS assets)
  if(IS_DIRECTORY "${ASSETS_DIR}/${name}")
    continue()
  endif()
  file(READ "${ASSETS_DIR}/${name}" hex HEX)
  string(LENGTH "${hex}" hex_length)
  math(EXPR size "${hex_length} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
  get_filename_component(extension "${name}" LAST_EXT)
  set(type "application/octet-stream")
  if(extension STREQUAL ".html")
    set(type "text/html; charset=utf-8")
  elseif(extension STREQUAL ".js")
    set(type "text/javascript; charset=utf-8")
  elseif(extension STREQUAL ".css")
    set(type "text/css; charset=utf-8")
  elseif(extension STREQUAL ".svg")
    set(type "image/svg+xml")
  elseif(extension STREQUAL ".png")
    set(type "image/png")
  elseif(extension STREQUAL ".ico")
    set(type "image/x-icon")
  endif()
  string(APPEND arrays "const unsigned char asset_${index}[] = {\n${bytes}0};\n")
  string(APPEND rows "    {\"${name}\", \"${type}\", asset_${index}, ${size}},\n")
  math(EXPR index "${index} + 1")
endforeach()
set(content "// Generated from http/assets by cmake/embed_assets.cmake; do not edit.
#include \"embedded_assets.hpp\"

namespace ferry::http {
namespace {
${arrays}
const EmbeddedAsset table[] = {
${rows}    {nullptr, nullptr, nullptr, 0},
};
} // namespace

const EmbeddedAsset* find_asset(std::string_view name) {
    for (const EmbeddedAsset* asset = table; asset->name != nullptr; ++asset) {
        if (name == asset->name) {
            return asset;
        }
    }
    return nullptr;
}

} // namespace ferry::http
")
# Rewritten only when it changes, so an unchanged page rebuilds nothing.
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" previous)
  if(previous STREQUAL content)
    return()
  endif()
endif()
file(WRITE "${OUTPUT}" "${content}")
