// `ferry runs/trigger/pause/resume/backfill`: the ADMIN round trip and the arguments' JSON.
#include "ferry/app/admin_client.hpp"

#include "ferry/producer/msgpack_json.hpp"
#include "ferry/wire/codec.hpp"

#include <zmq.hpp>
#include <zmq_addon.hpp>

namespace ferry::app {
namespace {

constexpr auto poll_step = std::chrono::milliseconds(50); // longest single wait for a reply

// The answer in one received message: ADMIN_REPLY, or the ERROR a broker sends for a request it
// cannot read (a broker older than ADMIN sees an unknown command). Anything else is ignored.
std::optional<AdminReplyText> as_admin_reply(const std::vector<zmq::message_t>& parts) {
    if (parts.size() != 2) {
        return std::nullopt;
    }
    auto decoded = wire::decode(parts[0].to_string_view(), parts[1].to_string_view());
    auto* message = std::get_if<wire::Message>(&decoded);
    if (message == nullptr) {
        return std::nullopt;
    }
    if (auto* reply = std::get_if<wire::AdminReply>(message)) {
        return AdminReplyText{reply->ok, std::move(reply->reply), reply->code.value_or("")};
    }
    if (auto* error = std::get_if<wire::ErrorReply>(message)) {
        if (error->code == wire::code_name(wire::ErrorCode::forbidden)) {
            return AdminReplyText{false, error->message, error->code};
        }
        return AdminReplyText{false,
                              "the broker could not read the request (" + error->code + ": " +
                                  error->message + "); is it an older ferry?",
                              error->code};
    }
    return std::nullopt;
}

} // namespace

std::optional<AdminReplyText> request_admin(const std::string& endpoint, const std::string& command,
                                            const std::string& args_json,
                                            std::chrono::milliseconds timeout,
                                            const security::ClientCurve& curve) {
    zmq::context_t context(1);
    zmq::socket_t socket(context, zmq::socket_type::dealer);
    socket.set(zmq::sockopt::linger, 0);
    security::apply_client_curve(socket, curve);
    security::HandshakeWatch watch(context, socket, curve);
    socket.connect(endpoint);
    const auto frames = wire::encode(wire::Admin{command, args_json});
    (void)socket.send(zmq::buffer(frames.header), zmq::send_flags::sndmore);
    (void)socket.send(zmq::buffer(frames.body), zmq::send_flags::none);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
        if (zmq::poll(&item, 1, poll_step) == 0) {
            if (std::string refusal = watch.refusal(); !refusal.empty()) {
                return AdminReplyText{false, std::move(refusal),
                                      wire::code_name(wire::ErrorCode::forbidden)};
            }
            continue;
        }
        std::vector<zmq::message_t> parts;
        (void)zmq::recv_multipart(socket, std::back_inserter(parts));
        if (auto reply = as_admin_reply(parts)) {
            return reply;
        }
    }
    return std::nullopt;
}

AdminArgs& AdminArgs::text(std::string_view name, std::string_view value) {
    key(name);
    producer::append_json_string(value, body_);
    return *this;
}

AdminArgs& AdminArgs::number(std::string_view name, long long value) {
    key(name);
    body_ += std::to_string(value);
    return *this;
}

AdminArgs& AdminArgs::flag(std::string_view name, bool value) {
    key(name);
    body_ += value ? "true" : "false";
    return *this;
}

void AdminArgs::key(std::string_view name) {
    if (body_.size() > 1) {
        body_ += ", ";
    }
    producer::append_json_string(name, body_);
    body_ += ": ";
}

} // namespace ferry::app
