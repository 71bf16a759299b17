// A native worker process's session with the broker: READY, jobs in, batches through the
// models, results out, heartbeats, CANCEL and timeouts, reconnects. FJP as the Python worker.
#pragma once

#include "ferry/security/client_keys.hpp"
#include "ferry/wire/codec.hpp"
#include "ferry/worker/inference_thread.hpp"
#include "ferry/worker/model_runner.hpp"
#include "ferry/worker/running_board.hpp"
#include "ferry/worker/worker_spec.hpp"

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>
#include <zmq.hpp>

namespace ferry::worker {

// Who this process is and where it connects.
struct SessionIdentity {
    std::string broker; // the broker's workers endpoint
    std::string worker; // READY name, host:pid
    std::string host;
    std::uint64_t pid = 0;
    security::ClientCurve curve; // CURVE keys (disabled: plain connection)
};

class WorkerSession {
  public:
    using Clock = std::chrono::steady_clock;

    WorkerSession(const WorkerSpec& spec, SessionIdentity identity,
                  std::vector<std::unique_ptr<ModelRunner>> runners, RunningBoard& board);
    ~WorkerSession();

    // Serves until drained (after `drain` is set: answers what it holds, then DISCONNECT) or
    // until it must leave; returns the process's exit code (exit_codes.hpp).
    [[nodiscard]] int run(const std::atomic<bool>& drain);

  private:
    void step(const std::atomic<bool>& drain);
    void receive_all();
    void dispatch(const wire::Message& message);
    void accept_jobs(std::vector<wire::Job> jobs);
    void cancel(const std::vector<std::string>& ids, const std::string& code);
    void collect();
    // The jobs inside the forward pass now (key -> timeout_ms), from the running board.
    [[nodiscard]] std::unordered_map<std::string, std::optional<std::uint64_t>> inside_now() const;
    void start_next();
    void check_overrun();
    void abandon(const std::vector<std::string>& ids, const std::string& code,
                 const std::string& why);
    void maintain_link();
    void flush();
    void maybe_leave();
    void open_link();
    void close_link(const std::string& why);
    bool send(const wire::Message& message);
    void answer(wire::Result result);
    void leave_for_good(const std::string& why, int code);
    void leave(const std::string& why, int code);
    [[nodiscard]] wire::Ready ready_body() const;

    const WorkerSpec& spec_;
    SessionIdentity identity_;
    std::unordered_map<std::string, std::unique_ptr<ModelRunner>> runners_; // by job type
    RunningBoard& board_;
    InferenceThread inference_;
    zmq::context_t context_;
    std::unique_ptr<zmq::socket_t> socket_; // null while waiting to reconnect
    std::unique_ptr<security::HandshakeWatch> watch_;
    std::deque<wire::Job> queued_;         // arrived, not started, in arrival order
    std::unordered_set<std::string> held_; // keys given to us and not answered yet
    // Handed to the model thread and not answered yet: key -> timeout_ms.
    std::unordered_map<std::string, std::optional<std::uint64_t>> handed_;
    wire::Frames frames_scratch_;      // reused by every send
    std::vector<wire::Result> outbox_; // answers not sent yet
    bool announced_ = false;           // READY sent on this socket
    bool welcomed_ = false;            // the broker answered it
    Clock::duration dead_after_{};     // broker silence that means it is gone
    Clock::time_point last_sent_{}, last_recv_{};
    Clock::time_point retry_at_{}; // when to reconnect
    std::chrono::milliseconds backoff_{100};
    bool draining_ = false;
    std::string drain_reason_;
    std::optional<int> exit_; // set once the session is over
};

} // namespace ferry::worker
