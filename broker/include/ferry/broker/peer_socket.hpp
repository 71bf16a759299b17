// A broker ROUTER socket: bind, receive whole messages without blocking, send without dropping.
#pragma once

#include "ferry/wire/codec.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <zmq.hpp>

namespace ferry::broker {

// One message as received: routing id plus up to two frames (more are counted, not kept).
struct Incoming {
    zmq::message_t routing; // ROUTER identity of the sender
    zmq::message_t header;  // first frame after the routing id
    zmq::message_t body;    // second frame
    std::size_t frames = 0; // frames after the routing id
    [[nodiscard]] std::string_view routing_view() const noexcept {
        return {routing.data<char>(), routing.size()};
    }
};

// What became of a send.
enum class SendStatus : std::uint8_t {
    sent,        // queued in ZeroMQ for the peer
    unroutable,  // the peer is gone (EHOSTUNREACH with ROUTER_MANDATORY)
    would_block, // the peer's pipe is full (high-water mark): try again later
};

// A CURVE server's settings for one socket; empty secret_key: plain.
struct CurveServer {
    std::string secret_key; // the broker's secret key (Z85)
    std::string zap_domain; // the ZAP domain naming this endpoint to the handler
};

class RouterSocket {
  public:
    // Binds a ROUTER with ROUTER_MANDATORY (a CURVE server when `curve` has a key); throws
    // zmq::error_t naming nothing, so the caller wraps it with the endpoint.
    RouterSocket(zmq::context_t& context, const std::string& endpoint,
                 const CurveServer& curve = {});

    // The endpoint actually bound (resolves ":0" and "*" ports).
    [[nodiscard]] const std::string& endpoint() const noexcept { return endpoint_; }
    // The next whole message, or empty when none is waiting.
    [[nodiscard]] std::optional<Incoming> receive();
    // Sends header and body to a peer, never blocking.
    [[nodiscard]] SendStatus send(std::string_view routing_id, const wire::Frames& frames);
    // For zmq_poll.
    [[nodiscard]] void* handle() noexcept { return socket_.handle(); }
    // Binds one more endpoint (an inproc one for a gateway in the same process).
    void also_bind(const std::string& endpoint) { socket_.bind(endpoint); }
    // Sets how long queued messages may still go out when the socket closes.
    void set_linger(int ms) { socket_.set(zmq::sockopt::linger, ms); }

  private:
    zmq::socket_t socket_; // the ROUTER
    std::string endpoint_; // bound endpoint
};

} // namespace ferry::broker
