// Client key options: flags first, then the environment; both halves or neither.
#include "ferry/security/client_keys.hpp"

#include "ferry/security/key_files.hpp"

#include <atomic>
#include <cstdint>
#include <cstdlib>

namespace ferry::security {
namespace {

std::string flag_or_environment(const std::string& flag, const char* variable) {
    if (!flag.empty()) {
        return flag;
    }
    const char* value = std::getenv(variable);
    return value != nullptr ? value : "";
}

} // namespace

ClientCurve client_curve_from(const std::string& key_file, const std::string& server_key) {
    const std::string file = flag_or_environment(key_file, "FERRY_KEY_FILE");
    const std::string server = flag_or_environment(server_key, "FERRY_SERVER_KEY");
    if (file.empty() && server.empty()) {
        return {};
    }
    if (file.empty()) {
        throw KeyError("--server-key was given without --key-file (or FERRY_KEY_FILE): a CURVE "
                       "client needs its own key too; make one with `ferry keygen NAME`");
    }
    if (server.empty()) {
        throw KeyError("--key-file was given without --server-key (or FERRY_SERVER_KEY): give the "
                       "broker's public key, its .pub file or its Z85 text");
    }
    return ClientCurve{resolve_public_key(server, "--server-key"), read_secret_key_file(file)};
}

void apply_client_curve(zmq::socket_t& socket, const ClientCurve& curve) {
    if (!curve.enabled()) {
        return;
    }
    socket.set(zmq::sockopt::curve_serverkey, curve.server_key);
    socket.set(zmq::sockopt::curve_publickey, curve.keys.public_key);
    socket.set(zmq::sockopt::curve_secretkey, curve.keys.secret_key);
}

} // namespace ferry::security

namespace ferry::security {

HandshakeWatch::HandshakeWatch(zmq::context_t& context, zmq::socket_t& socket,
                               const ClientCurve& curve, std::string admitting_lists)
    : admitting_lists_(std::move(admitting_lists)) {
    if (!curve.enabled()) {
        return;
    }
    // A fresh inproc name per watch: a closed socket's monitor name is released asynchronously,
    // so a name reused at once could still be taken.
    static std::atomic<std::uint64_t> watches{0};
    const std::string endpoint = "inproc://ferry-handshake-" + std::to_string(++watches);
    if (zmq_socket_monitor(socket.handle(), endpoint.c_str(), ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) !=
        0) {
        return; // without a monitor the client still works; it only waits out its timeout
    }
    socket_ = &socket;
    events_ = zmq::socket_t(context, zmq::socket_type::pair);
    events_.set(zmq::sockopt::linger, 0);
    events_.connect(endpoint);
    key_label_ = key_label(curve.keys.public_key);
}

HandshakeWatch::~HandshakeWatch() {
    if (socket_ != nullptr) {
        (void)zmq_socket_monitor(socket_->handle(), nullptr, 0);
    }
}

std::string HandshakeWatch::refusal() {
    if (socket_ == nullptr) {
        return {};
    }
    zmq::message_t event;
    if (!events_.recv(event, zmq::recv_flags::dontwait)) {
        return {};
    }
    while (event.more()) { // the endpoint frame
        (void)events_.recv(event, zmq::recv_flags::dontwait);
    }
    return "the broker refused this client's key " + key_label_ +
           "... at the CURVE handshake: it is on none of the broker's allow-lists that admit it "
           "(" +
           admitting_lists_ + "), or it was revoked; check --key-file and --server-key";
}

} // namespace ferry::security
