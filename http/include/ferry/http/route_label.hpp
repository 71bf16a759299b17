// The route a request path belongs to, as a metrics label: ids replaced by placeholders, and
// paths that match no route collapsed into one label, so labels stay few whatever clients send.
#pragma once

#include <string>
#include <string_view>

namespace ferry::http {

[[nodiscard]] std::string route_label(std::string_view path);

} // namespace ferry::http
