// The broker of `ferry run`, bound in the constructor and run on its own thread.
#include "ferry/producer/embedded_broker.hpp"

#include "ferry/broker/broker.hpp"

#include <spdlog/spdlog.h>
#include <thread>

namespace ferry::producer {

struct EmbeddedBroker::State {
    explicit State(const broker::BrokerConfig& config) : broker(config) {}
    broker::Broker broker; // binds both endpoints
    std::thread loop;      // runs broker.run()
};

EmbeddedBroker::EmbeddedBroker(const broker::BrokerConfig& config)
    : state_(std::make_unique<State>(config)) {
    producers_endpoint_ = state_->broker.endpoints().producers;
    workers_endpoint_ = state_->broker.endpoints().workers;
    state_->loop = std::thread([state = state_.get()] {
        try {
            state->broker.run();
        } catch (const std::exception& error) {
            spdlog::critical("embedded broker stopped: {}", error.what());
        }
    });
}

EmbeddedBroker::~EmbeddedBroker() {
    stop();
}

void EmbeddedBroker::stop() {
    if (!state_ || !state_->loop.joinable())
        return;
    state_->broker.request_stop();
    state_->loop.join();
}

} // namespace ferry::producer
