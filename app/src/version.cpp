// The version line, from what CMake read at configure time (VERSION, git) and the wire constant.
#include "ferry/app/version.hpp"

#include "ferry/wire/protocol.hpp"

#include <fmt/format.h>

namespace ferry::app {

std::string version_line() {
    return fmt::format("ferry {} (protocol FJP/{}, commit {})", FERRY_VERSION,
                       static_cast<unsigned>(wire::version), FERRY_COMMIT);
}

} // namespace ferry::app
