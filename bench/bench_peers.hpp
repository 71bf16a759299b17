// Native fake peers for the broker benchmark: a windowed producer and an echo worker.
#pragma once

#include "ferry/security/client_keys.hpp"

#include <cstdint>
#include <string>
#include <zmq.hpp>

namespace ferry::bench {

// What one producer run measured.
struct ProducerReport {
    std::uint64_t outcomes = 0; // outcomes received
    std::uint64_t failed = 0;   // outcomes that were failures
    std::uint64_t rejected = 0; // SUBMITs refused (resent)
    double seconds = 0;         // first submit to last outcome
};

// Submits `jobs` jobs of `payload_bytes` in SUBMITs of `batch`, keeping at most `window` jobs
// without an outcome, and waits for every outcome.
ProducerReport run_producer(zmq::context_t& context, const std::string& endpoint,
                            std::uint64_t jobs, std::size_t payload_bytes, std::size_t batch,
                            std::uint64_t window, const security::ClientCurve& curve = {});

// Serves echo jobs until told to stop by DISCONNECT (the broker shutting down).
void run_echo_worker(zmq::context_t& context, const std::string& endpoint, std::uint64_t credit,
                     std::uint64_t max_batch, const security::ClientCurve& curve = {});

// Raw libzmq PUSH/PULL of `messages` messages of `bytes` over loopback tcp: messages per second.
double raw_push_pull(zmq::context_t& context, std::uint64_t messages, std::size_t bytes);

} // namespace ferry::bench
