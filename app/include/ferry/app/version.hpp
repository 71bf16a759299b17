// What `ferry --version` prints: the release, the wire protocol and the commit of the build.
#pragma once

#include <string>

namespace ferry::app {

// "ferry <version> (protocol FJP/<n>, commit <sha>)": the version from the VERSION file, the
// wire protocol version, and the git commit read when the build was configured ("unknown"
// outside a checkout). `python3 -m ferry_worker --version` prints the same form.
[[nodiscard]] std::string version_line();
// The release alone ("0.4.0") and the commit alone, for ferry_build_info.
[[nodiscard]] std::string version_number();
[[nodiscard]] std::string commit_id();

} // namespace ferry::app
