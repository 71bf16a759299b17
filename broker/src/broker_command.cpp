// `ferry broker CONFIG`: config, signals, the endpoints line, the loop.
#include "ferry/broker/broker_command.hpp"

#include "ferry/broker/broker.hpp"

#include <atomic>
#include <csignal>
#include <iostream>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace ferry::broker {
namespace {

std::atomic<Broker*> signalled_broker{nullptr}; // the broker a signal stops

// Only an atomic store happens here: async-signal-safe.
extern "C" void on_stop_signal(int) {
    if (Broker* broker = signalled_broker.load()) {
        broker->request_stop();
    }
}

void install_stop_handlers() {
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
}

} // namespace

void log_to_stderr() {
    if (!spdlog::get("ferry")) {
        spdlog::set_default_logger(spdlog::stderr_color_mt("ferry"));
    }
}

int run_broker_command(const std::string& config_path) {
    log_to_stderr();
    const BrokerConfig config = load_broker_config(config_path);
    Broker broker(config);
    signalled_broker.store(&broker);
    install_stop_handlers();
    std::cout << "ferry broker: producers=" << broker.endpoints().producers
              << " workers=" << broker.endpoints().workers << std::endl;
    broker.run();
    signalled_broker.store(nullptr);
    return 0;
}

} // namespace ferry::broker
