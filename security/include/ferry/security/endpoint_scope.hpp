// Whether an endpoint can be reached from other machines: what decides if CURVE is required.
#pragma once

#include <string_view>

namespace ferry::security {

// True for tcp:// on a loopback address (127.0.0.0/8, ::1, localhost), ipc:// and inproc://;
// false for every other address, wildcards and interface names included.
[[nodiscard]] bool is_local_endpoint(std::string_view endpoint) noexcept;

} // namespace ferry::security
