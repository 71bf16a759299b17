// The producer: streams the input to the broker within a bounded window and collects outcomes.
#pragma once

#include "ferry/broker/type_coverage.hpp"
#include "ferry/producer/input_reader.hpp"
#include "ferry/producer/output_writer.hpp"
#include "ferry/producer/run_summary.hpp"
#include "ferry/wire/messages.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
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
    bool skip_invalid = false;                 // on_invalid: skip (else a bad record stops the run)
    std::optional<std::int64_t> priority;      // per-job priority, if set
    std::optional<std::uint64_t> timeout_ms;   // per-job timeout override
    std::optional<std::uint64_t> max_attempts; // per-job attempts override
    std::unordered_set<std::string> done_ids;  // ids already in the output (--resume)
};

// Progress as the display sees it.
struct ProgressSnapshot {
    std::uint64_t done = 0;                     // outcomes written (this run)
    std::uint64_t failed = 0;                   // of which failed
    std::uint64_t submitted = 0;                // jobs sent to the broker
    std::optional<std::uint64_t> workers_alive; // from the broker's STATUS, when known
    double elapsed_s = 0;                       // since the start
    std::vector<broker::UnservedType> unserved; // from STATUS: types no live worker serves
};

// Why run() returned.
enum class ProducerEnd { finished, interrupted };

// Drives one run: read, submit, receive, write. Single-threaded; `stop` may be set from a
// signal handler to end the run early (outstanding jobs are abandoned, what finished is kept).
class Producer {
  public:
    Producer(zmq::context_t& context, ProducerOptions options, InputReader& input,
             OutputWriter& output, RunSummary& summary);

    // Runs until every input record has its outcome, or `stop` becomes true.
    // Throws std::runtime_error on a broker ERROR or an input problem when not skipping.
    ProducerEnd run(const std::atomic<bool>& stop,
                    const std::function<void(const ProgressSnapshot&)>& on_progress);

  private:
    // A sent SUBMIT's job ids; the jobs themselves stay in `outstanding_` until their outcome.
    struct Batch {
        std::vector<std::string> ids;                     // jobs of the batch
        std::chrono::steady_clock::time_point not_before; // resend time after REJECTED
    };
    // A job submitted (or about to be) whose outcome has not arrived. The job is kept whole so
    // it can be resubmitted to a restarted broker; the window bounds how many are kept.
    struct Outstanding {
        std::uint64_t index;              // input position
        std::vector<FieldValue> captured; // input values for the aggregates
        wire::SubmitJob job;              // what was submitted
    };

    void fill_window();
    void take_item(InputItem item);
    void flush_batch();
    void send_batch(std::vector<std::string> ids);
    void resubmit_outstanding(const std::string& new_broker);
    void warn_if_broker_silent();
    void resend_due_batches();
    void receive_all();
    void handle(wire::Message message);
    void handle_outcomes(wire::Outcomes& outcomes);
    void record_outcome(const JobOutcome& outcome, const std::vector<FieldValue>& expected);
    void handle_rejected(const wire::Rejected& rejected);
    void handle_status(const wire::StatusReply& reply);
    void request_status();
    void send(const wire::Message& message);
    [[nodiscard]] bool window_full() const;
    [[nodiscard]] bool wait_readable(std::chrono::milliseconds timeout);
    [[nodiscard]] bool finished() const;

    zmq::socket_t socket_;                                     // DEALER to the broker
    ProducerOptions options_;                                  // settings
    InputReader& input_;                                       // where jobs come from
    OutputWriter& output_;                                     // where outcomes go
    RunSummary& summary_;                                      // tallies
    bool input_done_ = false;                                  // input exhausted
    std::uint64_t next_seq_ = 1;                               // next SUBMIT seq
    std::vector<std::string> building_;                        // ids of the batch being filled
    std::map<std::uint64_t, Batch> unacknowledged_;            // seq -> batch awaiting ACCEPTED
    std::vector<Batch> rejected_;                              // batches waiting to be resent
    std::unordered_map<std::string, Outstanding> outstanding_; // id -> job awaiting its outcome
    std::string broker_id_;                            // from STATUS_REPLY; changes on restart
    std::chrono::steady_clock::time_point last_heard_; // last message from the broker
    std::chrono::steady_clock::time_point next_silence_warning_{}; // rate limit of the warning
    std::uint64_t submitted_ = 0;                                  // jobs sent
    std::uint64_t done_ = 0;                                       // outcomes written this run
    std::uint64_t failed_ = 0;                                     // of which failed
    std::optional<std::uint64_t> workers_alive_;                   // from STATUS_REPLY
    std::vector<broker::UnservedType> unserved_;                   // from STATUS_REPLY
};

// A fresh client name for a run: host, pid and a random part, so a new run never collides with
// the finished ids of an earlier one at a long-lived broker.
[[nodiscard]] std::string fresh_client_name();

} // namespace ferry::producer
