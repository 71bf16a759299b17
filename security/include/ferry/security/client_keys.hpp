// The client side of CURVE: a program that connects to the broker (producer, admin tools) with
// its own key pair and the broker's public key.
#pragma once

#include "ferry/security/curve_keys.hpp"

#include <string>
#include <zmq.hpp>

namespace ferry::security {

// What a client connects with; empty server_key: plain (no CURVE).
struct ClientCurve {
    std::string server_key; // the broker's public key (Z85)
    KeyPair keys;           // the client's own pair
    [[nodiscard]] bool enabled() const noexcept { return !server_key.empty(); }
};

// Reads --key-file and --server-key, each falling back to FERRY_KEY_FILE and FERRY_SERVER_KEY
// when empty. Neither given: plain. Only one given: KeyError saying which is missing.
[[nodiscard]] ClientCurve client_curve_from(const std::string& key_file,
                                            const std::string& server_key);

// Makes `socket` a CURVE client (before it connects); nothing when `curve` is not enabled.
void apply_client_curve(zmq::socket_t& socket, const ClientCurve& curve);

} // namespace ferry::security

namespace ferry::security {

// Notices the broker refusing a CURVE client's key at the handshake, so that a client can say so
// at once instead of waiting out its timeout. Create it before the socket connects; inactive for
// a plain socket.
class HandshakeWatch {
  public:
    // `admitting_lists` names the allow-lists that would admit the client, for the message.
    HandshakeWatch(zmq::context_t& context, zmq::socket_t& socket, const ClientCurve& curve,
                   std::string admitting_lists = "security.curve.producers or admins");
    ~HandshakeWatch();
    HandshakeWatch(const HandshakeWatch&) = delete;
    HandshakeWatch& operator=(const HandshakeWatch&) = delete;

    // What to tell the user once the broker refused the key (never blocks); empty before that.
    [[nodiscard]] std::string refusal();

  private:
    zmq::socket_t* socket_ = nullptr; // the watched client socket
    zmq::socket_t events_;            // PAIR receiving its handshake failures
    std::string key_label_;           // the client's key, shortened, for the message
    std::string admitting_lists_;     // the allow-lists that would admit it, for the message
};

} // namespace ferry::security
