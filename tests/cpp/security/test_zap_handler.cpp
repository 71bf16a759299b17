// The ZAP handler over real CURVE sockets: each endpoint admits only its roles' keys, and a
// reload takes effect for the next handshake.
#include "ferry/security/client_keys.hpp"
#include "ferry/security/zap_handler.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

using namespace ferry::security;

namespace {

// A CURVE server ROUTER on 127.0.0.1 (port picked by the OS) in `domain`.
zmq::socket_t curve_server(zmq::context_t& context, const KeyPair& keys, const char* domain) {
    zmq::socket_t socket(context, zmq::socket_type::router);
    socket.set(zmq::sockopt::linger, 0);
    socket.set(zmq::sockopt::curve_server, 1);
    socket.set(zmq::sockopt::curve_secretkey, keys.secret_key);
    socket.set(zmq::sockopt::zap_domain, domain);
    socket.bind("tcp://127.0.0.1:*");
    return socket;
}

// Whether a client with `keys` gets a message through to `server` (and its User-Id), within 2 s;
// a refused client is told so by its handshake watch.
std::string reaches(zmq::context_t& context, zmq::socket_t& server, const KeyPair& server_keys,
                    const KeyPair& keys) {
    zmq::socket_t client(context, zmq::socket_type::dealer);
    client.set(zmq::sockopt::linger, 0);
    const ClientCurve curve{server_keys.public_key, keys};
    apply_client_curve(client, curve);
    HandshakeWatch watch(context, client, curve);
    client.connect(server.get(zmq::sockopt::last_endpoint));
    (void)client.send(zmq::str_buffer("hello"), zmq::send_flags::dontwait);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (std::chrono::steady_clock::now() < deadline) {
        zmq::pollitem_t item{server.handle(), 0, ZMQ_POLLIN, 0};
        if (zmq::poll(&item, 1, std::chrono::milliseconds(20)) > 0) {
            zmq::message_t routing;
            zmq::message_t body;
            (void)server.recv(routing);
            (void)server.recv(body);
            return std::string("admitted as ") + body.gets("User-Id");
        }
        if (!watch.refusal().empty()) {
            return "refused";
        }
    }
    return "silent";
}

} // namespace

TEST_CASE("each endpoint admits only the keys of its roles, named by their key") {
    zmq::context_t context(1);
    const KeyPair server_keys = generate_key_pair();
    const KeyPair producer = generate_key_pair();
    const KeyPair worker = generate_key_pair();
    const KeyPair admin = generate_key_pair();
    KeyRing ring;
    ring.grant(producer.public_key, role_producer);
    ring.grant(worker.public_key, role_worker);
    ring.grant(admin.public_key, role_admin);
    auto holder = std::make_shared<KeyRingHolder>(ring);
    ZapHandler zap(context, holder);
    auto producers = curve_server(context, server_keys, producers_domain);
    auto workers = curve_server(context, server_keys, workers_domain);

    CHECK(reaches(context, producers, server_keys, producer) ==
          "admitted as " + producer.public_key);
    CHECK(reaches(context, producers, server_keys, admin) == "admitted as " + admin.public_key);
    CHECK(reaches(context, producers, server_keys, worker) == "refused");
    CHECK(reaches(context, workers, server_keys, worker) == "admitted as " + worker.public_key);
    CHECK(reaches(context, workers, server_keys, producer) == "refused");
    CHECK(reaches(context, workers, server_keys, generate_key_pair()) == "refused");
    const ZapCounts counts = zap.counts();
    CHECK(counts.admitted == 3);
    CHECK(counts.wrong_role == 2);
    CHECK(counts.unknown_key == 1);

    holder->set(KeyRing{}); // everyone revoked
    CHECK(reaches(context, producers, server_keys, producer) == "refused");
}
