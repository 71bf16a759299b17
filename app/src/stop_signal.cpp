// SIGINT/SIGTERM -> one atomic flag, for every command.
#include "ferry/app/stop_signal.hpp"

#include <csignal>

namespace ferry::app {
namespace {

std::atomic<bool> stop_requested{false}; // set by a stop signal

extern "C" void on_stop_signal(int /*signal*/) {
    stop_requested.store(true);
}

} // namespace

void install_stop_signals() {
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
}

const std::atomic<bool>& stop_flag() {
    return stop_requested;
}

} // namespace ferry::app
