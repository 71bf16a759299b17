// ROUTER socket wrapper: non-blocking whole-message receive and loss-aware send.
#include "ferry/broker/peer_socket.hpp"

#include <cerrno>

namespace ferry::broker {

RouterSocket::RouterSocket(zmq::context_t& context, const std::string& endpoint,
                           const CurveServer& curve)
    : socket_(context, zmq::socket_type::router) {
    if (!curve.secret_key.empty()) {
        socket_.set(zmq::sockopt::curve_server, 1);
        socket_.set(zmq::sockopt::curve_secretkey, curve.secret_key);
        socket_.set(zmq::sockopt::zap_domain, curve.zap_domain);
    }
    socket_.set(zmq::sockopt::router_mandatory, 1);
    socket_.set(zmq::sockopt::sndhwm, 100000);
    socket_.set(zmq::sockopt::rcvhwm, 100000);
    socket_.set(zmq::sockopt::linger, 0);
    socket_.bind(endpoint);
    endpoint_ = socket_.get(zmq::sockopt::last_endpoint);
}

// A message is always read to its last frame, so a peer sending too many frames cannot
// desynchronise the stream; the frame count lets the caller refuse it.
std::optional<Incoming> RouterSocket::receive() {
    Incoming incoming;
    if (!socket_.recv(incoming.routing, zmq::recv_flags::dontwait)) {
        return std::nullopt;
    }
    bool more = incoming.routing.more();
    while (more) {
        zmq::message_t frame;
        (void)socket_.recv(frame, zmq::recv_flags::none); // the rest of a message is already here
        more = frame.more();
        if (incoming.frames == 0) {
            incoming.header = std::move(frame);
        } else if (incoming.frames == 1) {
            incoming.body = std::move(frame);
        }
        ++incoming.frames;
    }
    return incoming;
}

// With ROUTER_MANDATORY an unknown peer fails the first frame with EHOSTUNREACH and a full pipe
// with EAGAIN; both are reported, never dropped. Once the first frame is accepted, the rest of
// the message is accepted too (ZeroMQ queues multipart messages atomically).
SendStatus RouterSocket::send(std::string_view routing_id, const wire::Frames& frames) {
    try {
        const auto flags = zmq::send_flags::sndmore | zmq::send_flags::dontwait;
        if (!socket_.send(zmq::buffer(routing_id.data(), routing_id.size()), flags)) {
            return SendStatus::would_block;
        }
    } catch (const zmq::error_t& error) {
        if (error.num() == EHOSTUNREACH) {
            return SendStatus::unroutable;
        }
        throw;
    }
    (void)socket_.send(zmq::buffer(frames.header), zmq::send_flags::sndmore);
    (void)socket_.send(zmq::buffer(frames.body), zmq::send_flags::none);
    return SendStatus::sent;
}

} // namespace ferry::broker
