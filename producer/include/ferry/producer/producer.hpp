// The producer: streams the input to the broker within a bounded window and collects outcomes.
#pragma once

#include "ferry/producer/broker_status.hpp"
#include "ferry/producer/input_item.hpp"
#include "ferry/producer/output_writer.hpp"
#include "ferry/producer/resume_scan.hpp"
#include "ferry/producer/run_summary.hpp"
#include "ferry/producer/stage_run.hpp"
#include "ferry/security/client_keys.hpp"
#include "ferry/wire/codec.hpp"
#include "ferry/wire/messages.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>
#include <zmq.hpp>

namespace ferry::producer {

// How the producer talks to the broker and what it sends.
struct ProducerOptions {
    std::string endpoint;                      // broker producer endpoint
    std::string client;                        // stable client name (empty: host:pid)
    std::string job_type;                      // type given to every input record
    std::size_t window = 10000;                // jobs submitted but not yet written out
    std::size_t submit_batch = 256;            // jobs per SUBMIT message
    std::uint64_t heartbeat_ms = 1000;         // HELLO interval (keeps the client name claimed)
    bool skip_invalid = false;                 // on_invalid: skip (else a bad record stops the run)
    std::optional<std::int64_t> priority;      // per-job priority, if set
    std::optional<std::uint64_t> timeout_ms;   // per-job timeout override
    std::optional<std::uint64_t> max_attempts; // per-job attempts override
    FinishedIds done_ids;                      // ids already in the output (--resume)
    std::shared_ptr<const StagePlan> stages;   // multi-stage pipeline (null: one job per record)
    security::ClientCurve curve;               // CURVE keys (disabled: plain connection)
};

// Progress as the display sees it.
struct ProgressSnapshot {
    std::uint64_t done = 0;                     // outcomes written (this run)
    std::uint64_t failed = 0;                   // of which failed
    std::uint64_t submitted = 0;                // jobs sent to the broker
    std::optional<std::uint64_t> workers_alive; // from the broker's STATUS, when known
    double elapsed_s = 0;                       // since the start
    std::string waiting;                // why no progress is being made, when the broker said
    std::vector<UnservedType> unserved; // from STATUS: types no live worker serves
};

// Why run() returned.
enum class ProducerEnd { finished, interrupted };

// The client name belongs to another live producer session and did not come free: two runs
// share an output (or a configured producer.client). Nothing of this run was submitted.
class ClientInUseError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Drives one run: read, submit, receive, write, acknowledge. Single-threaded; `stop` may be set
// from a signal handler to end the run early (outstanding jobs are abandoned, what finished is
// kept). The broker keeps each outcome until the producer acknowledges (ACK) that it is in the
// output, so a run killed at any moment loses nothing that a resumed run cannot get back.
class Producer {
  public:
    Producer(zmq::context_t& context, ProducerOptions options, JobSource& input,
             OutputWriter& output, RunSummary& summary);

    // Runs until every input record has its outcome, or `stop` becomes true.
    // Throws std::runtime_error on a broker ERROR or an input problem when not skipping,
    // security::KeyError when the broker refuses our CURVE key at the handshake, and
    // ClientInUseError when another live producer holds the client name.
    ProducerEnd run(const std::atomic<bool>& stop,
                    const std::function<void(const ProgressSnapshot&)>& on_progress);

  private:
    using Clock = std::chrono::steady_clock;
    // A sent SUBMIT's job ids; the jobs themselves stay in `outstanding_` until their outcome.
    struct Batch {
        std::vector<std::string> ids; // jobs of the batch
        Clock::time_point not_before; // resend time after REJECTED
    };
    // A job submitted (or about to be) whose outcome has not arrived. The job is kept whole so
    // it can be resubmitted to a restarted broker; the window bounds how many are kept.
    struct Outstanding {
        std::uint64_t index;              // input position
        std::vector<FieldValue> captured; // input values for the aggregates
        wire::SubmitJob job;              // what was submitted
    };
    // Hashes ids kept as strings and received as views alike (no string is built to find one).
    struct IdHashing {
        using is_transparent = void;
        std::size_t operator()(std::string_view id) const noexcept {
            return std::hash<std::string_view>{}(id);
        }
    };
    using OutstandingJobs =
        std::unordered_map<std::string, Outstanding, IdHashing, std::equal_to<>>;

    // Submitting (producer.cpp)
    void fill_window();
    void take_item(InputItem item);
    void flush_batch();
    void send_batch(std::vector<std::string> ids);
    void resubmit_outstanding(const std::string& why);
    void resend_due_batches();
    [[nodiscard]] bool window_full() const;
    [[nodiscard]] bool finished() const;
    void record_outcome(const JobOutcome& outcome, const std::vector<FieldValue>& expected);
    // Multi-stage (producer_stages.cpp)
    void start_item(InputRecord record);
    void advance_item(const std::string& id, const wire::OutcomeView& outcome,
                      std::optional<Delivery> delivery);
    void take_step(StageStep step);
    [[nodiscard]] ProgressSnapshot snapshot(Clock::time_point started) const;

    // The broker link (producer_link.cpp)
    void keep_claim();
    void acknowledge_written();
    void send_ack(wire::AckView& ack);
    void say_goodbye(bool finished);
    void warn_if_broker_silent();
    void check_key_refused();
    void receive_all();
    [[nodiscard]] bool receive_outcomes(std::string_view header, std::string_view body);
    void handle(wire::Message message);
    void handle_welcome(const wire::Welcome& welcome);
    void handle_outcomes(const wire::OutcomesView& outcomes);
    void handle_rejected(const wire::Rejected& rejected);
    void handle_claim_refused(const wire::Rejected& rejected);
    void handle_status(const wire::StatusReply& reply);
    void request_status();
    void send(const wire::Message& message);
    void send_frames();
    void send_frames(const wire::Frames& frames);
    [[nodiscard]] bool wait_readable(std::chrono::milliseconds timeout);

    zmq::socket_t socket_;                           // DEALER to the broker
    ProducerOptions options_;                        // settings
    security::HandshakeWatch handshakes_;            // CURVE: notices the broker refusing our key
    std::string session_;                            // this process's claim on the name
    JobSource& input_;                               // where jobs come from
    OutputWriter& output_;                           // where outcomes go
    RunSummary& summary_;                            // tallies
    bool input_done_ = false;                        // input exhausted
    std::uint64_t next_seq_ = 1;                     // next SUBMIT seq
    std::vector<std::string> building_;              // ids of the batch being filled
    std::map<std::uint64_t, Batch> unacknowledged_;  // seq -> batch awaiting ACCEPTED
    std::vector<Batch> rejected_;                    // batches waiting to be resent
    OutstandingJobs outstanding_;                    // id -> job awaiting its outcome
    bool welcomed_ = false;                          // the broker accepted our claim
    Clock::time_point next_hello_{};                 // when HELLO goes next
    std::optional<Clock::time_point> owner_free_at_; // when the refusing owner's claim lapses,
                                                     // if it stays silent
    std::string waiting_;                            // why we wait, for the progress line
    std::string broker_id_;                          // from WELCOME; changes on restart
    std::uint64_t broker_life_ = 0;                  // broker lives seen before this one
    Clock::time_point run_started_{};            // when run() began: outcome times count from it
    Clock::time_point last_heard_;               // last message from the broker
    Clock::time_point next_silence_warning_{};   // rate limit of the warning
    std::uint64_t submitted_ = 0;                // jobs sent
    std::uint64_t done_ = 0;                     // outcomes written this run
    std::uint64_t failed_ = 0;                   // of which failed
    std::optional<std::uint64_t> workers_alive_; // from STATUS_REPLY
    bool status_forbidden_ = false; // the key may not read STATUS (not an admin key): not asked
    std::vector<UnservedType> unserved_; // from STATUS_REPLY: types no live worker serves
    wire::SubmitView submit_view_;       // the SUBMIT being sent (borrows outstanding_)
    wire::OutcomesView outcomes_view_;   // the OUTCOMES being read (borrows the frame)
    wire::Frames frames_;                // encoded messages, capacity reused
    std::optional<StageRun> stage_run_;  // items between stages (multi-stage only)
};

// A fresh client name for a run: host, pid and a random part, so a new run never collides with
// the finished ids of an earlier one at a long-lived broker.
[[nodiscard]] std::string fresh_client_name();

} // namespace ferry::producer
