// Exit codes a native worker process uses to tell its supervisor why it left (the same numbers
// as the Python worker's, so both pools read them alike).
#pragma once

namespace ferry::worker::exits {

inline constexpr int drained = 0;           // drained on SIGTERM: everything answered
inline constexpr int abandoned = 11;        // a forward pass overran or was cancelled: answered
inline constexpr int setup_failed = 12;     // the model did not load or fit before READY
inline constexpr int orphaned = 13;         // the supervisor died
inline constexpr int version_mismatch = 14; // the broker speaks another protocol: pool stops
inline constexpr int forbidden = 15;        // the broker refused this worker's key: pool stops

// Whether the supervisor restarts the slot at once without reporting a crash.
[[nodiscard]] inline bool planned(int code) {
    return code == drained || code == abandoned;
}

} // namespace ferry::worker::exits
