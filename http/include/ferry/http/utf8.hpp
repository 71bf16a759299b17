// Text from producers and workers (job types, ids, messages) may hold any bytes; JSON and the
// Prometheus format need UTF-8.
#pragma once

#include <string>
#include <string_view>

namespace ferry::http {

// `text` with every byte that does not belong to a well-formed UTF-8 sequence replaced by U+FFFD
// (the text itself when it is valid, the common case, checked at SIMD speed).
[[nodiscard]] std::string valid_utf8(std::string_view text);

} // namespace ferry::http
