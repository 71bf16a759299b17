// The broker of `ferry run` and `ferry broker`, bound in the constructor and run on its own thread.
#include "ferry/app/embedded_broker.hpp"

#include "ferry/broker/broker.hpp"

#include <atomic>
#include <spdlog/spdlog.h>
#include <thread>

namespace ferry::app {
namespace {

// Journal and bind problems at start are the user's to fix (exit 2), not internal errors.
std::unique_ptr<broker::Broker> start_broker(const broker::BrokerConfig& config) {
    try {
        return std::make_unique<broker::Broker>(config);
    } catch (const broker::JournalError& error) {
        throw BrokerStartError(error.what());
    } catch (const broker::BindError& error) {
        throw BrokerStartError(error.what());
    }
}

} // namespace

struct EmbeddedBroker::State {
    State(const broker::BrokerConfig& config, std::shared_ptr<broker::AdminService> admin)
        : broker(start_broker(config)) {
        broker->set_admin_service(std::move(admin)); // before the loop's thread starts
    }
    std::unique_ptr<broker::Broker> broker; // binds both endpoints
    std::thread loop;                       // runs broker->run()
    std::atomic<bool> ended{false};         // run() returned or threw
    std::string failure;                    // what it threw; read after join
};

EmbeddedBroker::EmbeddedBroker(const broker::BrokerConfig& config,
                               std::shared_ptr<broker::AdminService> admin)
    : state_(std::make_unique<State>(config, std::move(admin))) {
    producers_endpoint_ = state_->broker->endpoints().producers;
    workers_endpoint_ = state_->broker->endpoints().workers;
    state_->loop = std::thread([state = state_.get()] {
        try {
            state->broker->run();
        } catch (const std::exception& error) {
            spdlog::critical("broker stopped: {}", error.what());
            state->failure = error.what();
        }
        state->ended.store(true);
    });
}

EmbeddedBroker::~EmbeddedBroker() {
    stop();
}

zmq::context_t& EmbeddedBroker::context() {
    return state_->broker->context();
}

bool EmbeddedBroker::ended() const {
    return state_->ended.load();
}

std::string EmbeddedBroker::stop() {
    if (!state_ || !state_->loop.joinable())
        return state_ ? state_->failure : std::string{};
    state_->broker->request_stop();
    state_->loop.join();
    return state_->failure;
}

} // namespace ferry::app
