// The broker inside the `ferry` process, for `ferry run` and `ferry broker` alike.
#pragma once

#include "ferry/broker/admin_service.hpp"
#include "ferry/broker/broker_config.hpp"

#include <memory>
#include <stdexcept>
#include <string>
#include <zmq.hpp>

namespace ferry::app {

// The broker refused to start on its journal (unreadable segment, locked by another broker):
// the user must fix it, nothing ran.
class BrokerStartError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Binds the broker's sockets in the constructor (so the endpoints are known, with OS-picked
// ports resolved) and runs its poll loop on a thread until stop() or destruction. Throws
// BrokerStartError when the journal cannot be used. `admin` answers ADMIN requests on the
// producers endpoint (`ferry serve`'s scheduler); without one they are refused.
class EmbeddedBroker {
  public:
    explicit EmbeddedBroker(const broker::BrokerConfig& config,
                            std::shared_ptr<broker::AdminService> admin = nullptr);
    ~EmbeddedBroker();
    EmbeddedBroker(const EmbeddedBroker&) = delete;
    EmbeddedBroker& operator=(const EmbeddedBroker&) = delete;

    [[nodiscard]] const std::string& producers_endpoint() const { return producers_endpoint_; }
    [[nodiscard]] const std::string& workers_endpoint() const { return workers_endpoint_; }
    // The broker's ZeroMQ context, for a peer of this process on the internal endpoint.
    [[nodiscard]] zmq::context_t& context();

    // Whether the poll loop has ended on its own (it failed: see stop()).
    [[nodiscard]] bool ended() const;

    // Asks the loop to shut down (DISCONNECT to workers, the configured shutdown grace) and
    // joins the thread. Returns what ended the loop with an error, if anything ("" otherwise).
    std::string stop();

  private:
    struct State;
    std::unique_ptr<State> state_;   // broker, context, thread
    std::string producers_endpoint_; // bound producer endpoint
    std::string workers_endpoint_;   // bound worker endpoint
};

} // namespace ferry::app
