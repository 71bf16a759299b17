// Status and admin round trips to the broker over its internal endpoint.
#include "ferry/http/socket_broker_link.hpp"

#include "ferry/wire/codec.hpp"

#include <optional>
#include <zmq_addon.hpp>

namespace ferry::http {
namespace {

// Sends `request` on a new DEALER and returns the first reply that `accept` takes, or throws
// LinkError when none comes in time. A socket per call: handlers run on many threads, and a
// ZeroMQ socket must not be shared between them.
template <typename Reply, typename Accept>
Reply round_trip(zmq::context_t& context, const std::string& endpoint,
                 std::chrono::milliseconds timeout, const wire::Message& request, Accept accept) {
    zmq::socket_t socket(context, zmq::socket_type::dealer);
    socket.set(zmq::sockopt::linger, 0);
    socket.connect(endpoint);
    const auto frames = wire::encode(request);
    (void)socket.send(zmq::buffer(frames.header), zmq::send_flags::sndmore);
    (void)socket.send(zmq::buffer(frames.body), zmq::send_flags::none);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (auto now = std::chrono::steady_clock::now(); now < deadline;
         now = std::chrono::steady_clock::now()) {
        zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
        if (zmq::poll(&item, 1, std::max(left, std::chrono::milliseconds(1))) == 0) {
            continue;
        }
        std::vector<zmq::message_t> parts;
        (void)zmq::recv_multipart(socket, std::back_inserter(parts));
        if (parts.size() != 2) {
            continue;
        }
        auto decoded = wire::decode(parts[0].to_string_view(), parts[1].to_string_view());
        if (auto* message = std::get_if<wire::Message>(&decoded)) {
            if (std::optional<Reply> reply = accept(*message)) {
                return std::move(*reply);
            }
        }
    }
    throw LinkError("the broker did not answer within " + std::to_string(timeout.count()) +
                    " ms (stopping, or overloaded)");
}

} // namespace

std::string SocketBrokerLink::status() {
    return round_trip<std::string>(context_, endpoint_, timeout_, wire::Status{},
                                   [](wire::Message& message) -> std::optional<std::string> {
                                       if (auto* reply = std::get_if<wire::StatusReply>(&message)) {
                                           return std::move(reply->status);
                                       }
                                       return std::nullopt;
                                   });
}

AdminReply SocketBrokerLink::admin(const std::string& command, const std::string& args_json) {
    return round_trip<AdminReply>(
        context_, endpoint_, timeout_, wire::Admin{command, args_json},
        [](wire::Message& message) -> std::optional<AdminReply> {
            if (auto* reply = std::get_if<wire::AdminReply>(&message)) {
                return AdminReply{reply->ok, std::move(reply->reply), reply->code.value_or("")};
            }
            if (auto* error = std::get_if<wire::ErrorReply>(&message)) {
                return AdminReply{false, error->message, error->code};
            }
            return std::nullopt;
        });
}

} // namespace ferry::http
