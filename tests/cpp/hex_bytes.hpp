// Bytes from the hex text the golden vectors write them as.
#pragma once

#include <string>
#include <string_view>

namespace ferry::test {

inline std::string from_hex(std::string_view hex) {
    std::string bytes;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        bytes.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    return bytes;
}

} // namespace ferry::test
