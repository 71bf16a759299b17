// ZAP (ZeroMQ RFC 27) over inproc: one REP socket; each request names the endpoint's domain and
// the client's CURVE key, and the reply admits it with the key as its User-Id, or refuses it.
#include "ferry/security/zap_handler.hpp"

#include <array>
#include <chrono>
#include <spdlog/spdlog.h>
#include <string>
#include <vector>
#include <zmq_addon.hpp>

namespace ferry::security {
namespace {

constexpr const char* zap_endpoint = "inproc://zeromq.zap.01"; // fixed by libzmq
constexpr const char* stop_endpoint = "inproc://ferry.zap.stop";

std::string z85_of(const zmq::message_t& key) {
    if (key.size() != 32) {
        return {};
    }
    std::array<char, z85_key_length + 1> text{};
    if (zmq_z85_encode(text.data(), key.data<std::uint8_t>(), key.size()) == nullptr) {
        return {};
    }
    return text.data();
}

// The roles an endpoint's domain admits.
std::uint8_t admitted_roles(std::string_view domain) {
    if (domain == producers_domain) {
        return role_producer | role_admin;
    }
    if (domain == workers_domain) {
        return role_worker;
    }
    return 0;
}

void reply(zmq::socket_t& socket, const std::vector<zmq::message_t>& request, const char* status,
           const char* text, const std::string& user_id) {
    std::array<zmq::const_buffer, 6> frames{zmq::str_buffer("1.0"),
                                            zmq::buffer(request[1].data(), request[1].size()),
                                            zmq::buffer(std::string_view(status)),
                                            zmq::buffer(std::string_view(text)),
                                            zmq::buffer(user_id),
                                            zmq::const_buffer()};
    (void)zmq::send_multipart(socket, frames);
}

} // namespace

ZapHandler::ZapHandler(zmq::context_t& context, std::shared_ptr<const KeyRingHolder> keys)
    : context_(context), keys_(std::move(keys)), stop_(context, zmq::socket_type::pair) {
    // Bound here, on the caller's thread, so that no handshake can come before the handler.
    auto requests = std::make_shared<zmq::socket_t>(context_, zmq::socket_type::rep);
    requests->set(zmq::sockopt::linger, 0);
    requests->bind(zap_endpoint);
    stop_.set(zmq::sockopt::linger, 0);
    stop_.bind(stop_endpoint);
    auto stop_peer = std::make_shared<zmq::socket_t>(context_, zmq::socket_type::pair);
    stop_peer->connect(stop_endpoint);
    thread_ = std::thread([this, requests, stop_peer] { run(*requests, *stop_peer); });
}

ZapHandler::~ZapHandler() {
    (void)stop_.send(zmq::str_buffer("stop"), zmq::send_flags::none);
    thread_.join();
}

ZapCounts ZapHandler::counts() const noexcept {
    return {unknown_key_.load(), wrong_role_.load(), admitted_.load()};
}

void ZapHandler::run(zmq::socket_t& requests, zmq::socket_t& stop) {
    while (true) {
        std::array<zmq::pollitem_t, 2> items{zmq::pollitem_t{requests.handle(), 0, ZMQ_POLLIN, 0},
                                             zmq::pollitem_t{stop.handle(), 0, ZMQ_POLLIN, 0}};
        try {
            (void)zmq::poll(items.data(), items.size(), std::chrono::milliseconds(-1));
            if ((items[1].revents & ZMQ_POLLIN) != 0) {
                break;
            }
            if ((items[0].revents & ZMQ_POLLIN) != 0) {
                answer(requests);
            }
        } catch (const zmq::error_t& error) {
            if (error.num() == ETERM) {
                break;
            }
            spdlog::error("ZAP handler: {}", error.what());
        }
    }
    requests.close();
    stop.close();
}

// Frames: version, request id, domain, address, routing id, mechanism, credentials (CURVE: the
// client's 32-byte public key). Anything else is refused.
void ZapHandler::answer(zmq::socket_t& requests) {
    std::vector<zmq::message_t> request;
    (void)zmq::recv_multipart(requests, std::back_inserter(request));
    if (request.size() < 2) {
        return; // not answerable; libzmq never sends this
    }
    if (request.size() != 7 || request[0].to_string_view() != "1.0" ||
        request[5].to_string_view() != "CURVE") {
        reply(requests, request, "400", "Ferry admits CURVE clients only", "");
        return;
    }
    const std::string key = z85_of(request[6]);
    const std::uint8_t roles = keys_->get()->roles_of(key);
    const std::uint8_t wanted = admitted_roles(request[2].to_string_view());
    if ((roles & wanted) != 0) {
        ++admitted_;
        reply(requests, request, "200", "OK", key);
        return;
    }
    const bool unknown = roles == 0;
    ++(unknown ? unknown_key_ : wrong_role_);
    const auto now = std::chrono::steady_clock::now();
    if (now - log_window_ >= std::chrono::seconds(1)) {
        log_window_ = now;
        logged_ = 0;
    }
    if (++logged_ <= 10) { // a flood of handshakes must not flood the log
        spdlog::warn("refused a connection from {} on the {} endpoint: key {}... {}",
                     request[3].to_string_view(),
                     request[2].to_string_view() == workers_domain ? "workers" : "producers",
                     key_label(key),
                     unknown ? "is on no allow-list" : "has role " + role_names(roles) + " only");
    }
    reply(requests, request, "400", unknown ? "unknown key" : "key not allowed here", "");
}

} // namespace ferry::security
