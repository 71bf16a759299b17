// The broker of `ferry run`: the same code as `ferry broker`, on a thread of this process.
#pragma once

#include "ferry/broker/broker_config.hpp"

#include <memory>
#include <string>

namespace ferry::producer {

// Binds the broker's sockets in the constructor (so the endpoints are known, with OS-picked
// ports resolved) and runs its poll loop on a thread until stop() or destruction.
class EmbeddedBroker {
  public:
    explicit EmbeddedBroker(const broker::BrokerConfig& config);
    ~EmbeddedBroker();
    EmbeddedBroker(const EmbeddedBroker&) = delete;
    EmbeddedBroker& operator=(const EmbeddedBroker&) = delete;

    [[nodiscard]] const std::string& producers_endpoint() const { return producers_endpoint_; }
    [[nodiscard]] const std::string& workers_endpoint() const { return workers_endpoint_; }

    // Asks the loop to shut down (DISCONNECT to workers) and joins the thread.
    void stop();

  private:
    struct State;
    std::unique_ptr<State> state_;   // broker, context, thread
    std::string producers_endpoint_; // bound producer endpoint
    std::string workers_endpoint_;   // bound worker endpoint
};

} // namespace ferry::producer
