// The broker's ZAP handler: libzmq asks it about every CURVE handshake on the broker's sockets.
// Without one, a CURVE server admits any client that knows the server's public key.
#pragma once

#include "ferry/security/key_ring.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <zmq.hpp>

namespace ferry::security {

// ZAP domains of the broker's two endpoints: the handler admits producer or admin keys on the
// first and worker keys on the second.
inline constexpr const char* producers_domain = "ferry.producers";
inline constexpr const char* workers_domain = "ferry.workers";

// Handshakes refused since start.
struct ZapCounts {
    std::uint64_t unknown_key = 0; // the key is on no allow-list
    std::uint64_t wrong_role = 0;  // listed, but not for this endpoint
    std::uint64_t admitted = 0;    // handshakes let through
};

class ZapHandler {
  public:
    // Binds libzmq's ZAP endpoint in `context` and answers on its own thread until destroyed.
    // Must exist before any CURVE socket of the context binds.
    ZapHandler(zmq::context_t& context, std::shared_ptr<const KeyRingHolder> keys);
    ~ZapHandler();
    ZapHandler(const ZapHandler&) = delete;
    ZapHandler& operator=(const ZapHandler&) = delete;

    [[nodiscard]] ZapCounts counts() const noexcept;

  private:
    void run(zmq::socket_t& requests, zmq::socket_t& stop);
    void answer(zmq::socket_t& requests);

    zmq::context_t& context_;                            // the broker's context
    std::shared_ptr<const KeyRingHolder> keys_;          // the allow-lists in force
    zmq::socket_t stop_;                                 // a PAIR whose message ends the thread
    std::atomic<std::uint64_t> unknown_key_{0};          // see ZapCounts
    std::atomic<std::uint64_t> wrong_role_{0};           // see ZapCounts
    std::atomic<std::uint64_t> admitted_{0};             // see ZapCounts
    std::chrono::steady_clock::time_point log_window_{}; // start of the current log second
    std::uint64_t logged_ = 0;                           // refusals logged in it (at most 10)
    std::thread thread_;                                 // runs run()
};

} // namespace ferry::security
