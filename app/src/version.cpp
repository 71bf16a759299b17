// The version line: the release (VERSION), the wire constant and the commit stamped at build time.
#include "ferry/app/version.hpp"

#include "ferry/app/commit.hpp"
#include "ferry/wire/protocol.hpp"

#include <fmt/format.h>

namespace ferry::app {

std::string version_line() {
    return fmt::format("ferry {} (protocol FJP/{}, commit {})", FERRY_VERSION,
                       static_cast<unsigned>(wire::version), FERRY_COMMIT);
}

std::string version_number() {
    return FERRY_VERSION;
}

std::string commit_id() {
    return FERRY_COMMIT;
}

} // namespace ferry::app
