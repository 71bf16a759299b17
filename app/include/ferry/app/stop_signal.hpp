// The one stop mechanism of every command: SIGINT and SIGTERM set one flag that commands poll.
#pragma once

#include <atomic>

namespace ferry::app {

// Installs the SIGINT/SIGTERM handler (it only stores to the flag: async-signal-safe) and
// ignores SIGPIPE (a closed pipe shows up as a write error instead of killing the process).
void install_stop_signals();

// Makes SIGHUP request a reload (broker and serve: the allow-lists) instead of ending the process.
void install_reload_signal();

// True once per SIGHUP received since the last call.
[[nodiscard]] bool take_reload_request();

// The flag the handler sets; commands and their loops poll it and wind down when it is set.
[[nodiscard]] const std::atomic<bool>& stop_flag();

} // namespace ferry::app
