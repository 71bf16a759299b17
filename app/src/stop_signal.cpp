// SIGINT/SIGTERM -> one atomic flag, for every command; SIGHUP -> a reload flag, for services.
#include "ferry/app/stop_signal.hpp"

#include <csignal>

namespace ferry::app {
namespace {

std::atomic<bool> stop_requested{false};   // set by a stop signal
std::atomic<bool> reload_requested{false}; // set by SIGHUP

extern "C" void on_stop_signal(int /*signal*/) {
    stop_requested.store(true);
}

extern "C" void on_reload_signal(int /*signal*/) {
    reload_requested.store(true);
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

void install_reload_signal() {
    struct sigaction action {};
    action.sa_handler = on_reload_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGHUP, &action, nullptr);
}

bool take_reload_request() {
    return reload_requested.exchange(false);
}

const std::atomic<bool>& stop_flag() {
    return stop_requested;
}

} // namespace ferry::app
