// The HTTP gateway's producer connection to the broker: one DEALER on the broker's internal
// endpoint, owned by one thread. Handler threads hand it SUBMITs through a queue guarded by a
// mutex and ring an eventfd that the thread polls beside the socket, so a submission waits for
// no timer; the thread claims the client name, keeps it alive (HELLO), files every OUTCOMES in
// the JobStore and acknowledges what the store says was fetched or expired.
#pragma once

#include "ferry/http/http_config.hpp"
#include "ferry/http/job_store.hpp"
#include "ferry/wire/messages.hpp"

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <vector>
#include <zmq.hpp>

namespace ferry::http {

// The broker's answer to one SUBMIT.
struct SubmitAnswer {
    bool accepted = false;
    std::uint64_t duplicates = 0; // ids the broker already held or had finished
    std::string code;             // when refused: QUEUE_FULL, JOURNAL_FULL, UNAVAILABLE, ...
    std::string message;          // when refused: the broker's words
    std::uint64_t retry_after_ms = 0;
};

class GatewayLink {
  public:
    GatewayLink(zmq::context_t& context, std::string endpoint, const HttpConfig& config,
                JobStore& store);
    ~GatewayLink();
    GatewayLink(const GatewayLink&) = delete;
    GatewayLink& operator=(const GatewayLink&) = delete;

    // Queues one SUBMIT of `jobs`; the future holds the broker's answer (ACCEPTED leaves the
    // broker once the jobs are in its journal). UNAVAILABLE when the link is stopping.
    [[nodiscard]] std::future<SubmitAnswer> submit(std::vector<wire::SubmitJob> jobs);
    // The broker welcomed this session and it adopted what the broker held for the name.
    [[nodiscard]] bool ready() const { return ready_.load(); }
    // Stops the thread (idempotent); pending submissions are answered UNAVAILABLE.
    void stop();

  private:
    struct State;
    std::unique_ptr<State> state_;
    std::atomic<bool> ready_{false};
};

} // namespace ferry::http
