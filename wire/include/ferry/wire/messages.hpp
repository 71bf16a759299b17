// Message structs of the Ferry wire protocol (schemas/protocol.yaml), one per command.
#pragma once

#include "ferry/wire/protocol.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ferry::wire {

// A job error as it travels: code name, text, and where it came from.
struct Error {
    std::string code;                     // a name from error_codes (kept verbatim if unknown)
    std::string message;                  // what went wrong, for humans
    std::optional<std::string> traceback; // handler traceback, when there is one
    std::optional<std::uint64_t> retry_after_ms;   // with RETRY: earliest rerun
    std::optional<std::string> worker;             // which worker reported it
    bool operator==(const Error&) const = default; // field-wise, for tests
};

// One job type a worker serves, and the largest batch it takes of it.
struct JobTypeCapacity {
    std::string type;                          // job type name, e.g. "digits.classify"
    std::uint64_t max_batch;                   // jobs of this type per JOBS message, >= 1
    std::optional<std::uint64_t> max_delay_ms; // longest wait for a batch to fill, if it says
    bool operator==(const JobTypeCapacity&) const = default; // field-wise, for tests
};

// Why the hot records and messages are templates over the string type: decoding them with
// std::string_view fields points into the received frame instead of copying (the broker's hot
// path reads a SUBMIT or RESULTS and keeps only what it stores), while the std::string form owns
// its bytes. Both forms encode and decode alike; `...View` names the borrowed form.

// A job as the broker hands it to a worker.
template <class S> struct BasicJob {
    S id;                                    // unique per producer run
    S type;                                  // job type
    S payload;                               // one encoded MessagePack value, carried opaque
    std::uint64_t attempt = 1;               // 1 on the first run
    std::optional<std::uint64_t> timeout_ms; // hard limit of this attempt
    bool operator==(const BasicJob&) const = default; // field-wise, for tests
};

// A job as a producer submits it.
template <class S> struct BasicSubmitJob {
    S id;                                                   // unique per client
    S type;                                                 // job type
    S payload;                                              // one encoded MessagePack value
    std::optional<std::int64_t> priority;                   // higher runs first; default 0
    std::optional<std::uint64_t> timeout_ms;                // overrides the type's timeout
    std::optional<std::uint64_t> max_attempts;              // overrides the type's max_attempts
    bool operator==(const BasicSubmitJob&) const = default; // field-wise, for tests
};

// One job's answer from a worker: a result or an error.
template <class S> struct BasicResult {
    S id;                                                // job id
    bool ok = false;                                     // true: `result` holds the value
    std::optional<S> result;                             // one encoded MessagePack value
    std::optional<Error> error;                          // when !ok
    std::optional<double> ms;                            // handler time for this job
    bool operator==(const BasicResult&) const = default; // field-wise, for tests
};

// A job's final word to the producer, after retries.
template <class S> struct BasicOutcome {
    S id;                             // job id
    bool ok = false;                  // succeeded
    std::optional<S> result;          // one encoded MessagePack value
    std::optional<Error> error;       // the last attempt's error
    std::uint64_t attempts = 0;       // attempts made
    std::vector<Error> causes;        // every failed attempt, oldest first (omitted when empty)
    std::optional<double> ms;         // accept -> final outcome
    std::optional<S> worker;          // worker that produced it
    std::optional<double> queue_ms;   // accept -> start of the last attempt
    std::optional<double> handler_ms; // the last attempt's handler time, as the worker measured
    bool operator==(const BasicOutcome&) const = default; // field-wise, for tests
};

using Job = BasicJob<std::string>;
using JobView = BasicJob<std::string_view>;
using SubmitJob = BasicSubmitJob<std::string>;
using SubmitJobView = BasicSubmitJob<std::string_view>;
using Result = BasicResult<std::string>;
using ResultView = BasicResult<std::string_view>;
using Outcome = BasicOutcome<std::string>;
using OutcomeView = BasicOutcome<std::string_view>;

struct Ready {
    std::string worker;                            // unique worker name
    std::string host;                              // host name
    std::uint64_t pid = 0;                         // process id
    std::vector<JobTypeCapacity> types;            // job types served
    std::uint64_t credit = 0;                      // free job slots now
    std::uint64_t heartbeat_ms = 0;                // interval the worker keeps
    bool operator==(const Ready&) const = default; // field-wise, for tests
};
template <class S> struct BasicJobs {
    std::vector<BasicJob<S>> jobs;
    bool operator==(const BasicJobs&) const = default; // field-wise, for tests
};
template <class S> struct BasicResults {
    std::vector<BasicResult<S>> results;
    std::optional<std::uint64_t> credit; // slots returned; absent means results.size()
    bool operator==(const BasicResults&) const = default; // field-wise, for tests
};
using Jobs = BasicJobs<std::string>;
using JobsView = BasicJobs<std::string_view>;
using Results = BasicResults<std::string>;
using ResultsView = BasicResults<std::string_view>;
struct Heartbeat {
    bool operator==(const Heartbeat&) const = default; // field-wise, for tests
};
struct Disconnect {
    std::optional<std::string> reason;
    std::optional<bool> finished; // from a producer: its run ended with every outcome written
    bool operator==(const Disconnect&) const = default; // field-wise, for tests
};
struct Cancel {
    std::vector<std::string> ids;                   // jobs to stop
    std::string code;                               // TIMEOUT or CANCELLED
    bool operator==(const Cancel&) const = default; // field-wise, for tests
};
struct Exited {
    std::string worker; // READY name of the dead process
    std::optional<std::int64_t> exit_code;
    std::optional<std::uint64_t> signal;
    std::optional<std::uint64_t> rss_mb;
    std::string reason; // human-readable cause
    // Keys of the jobs inside the handler when the process died; absent: unknown (every job it
    // held is charged), empty: it was running nothing.
    std::optional<std::vector<std::string>> running;
    bool operator==(const Exited&) const = default; // field-wise, for tests
};
struct Welcome {
    std::string broker;                              // broker instance id
    std::uint64_t heartbeat_ms = 0;                  // interval the broker keeps to this peer
    std::uint64_t liveness = 0;                      // missed intervals before a peer is dead
    bool operator==(const Welcome&) const = default; // field-wise, for tests
};
struct ErrorReply {
    std::string code;
    std::string message;
    bool operator==(const ErrorReply&) const = default; // field-wise, for tests
};
template <class S> struct BasicSubmit {
    S client;                                            // stable producer name
    S session;                                           // the producer process that owns the name
    std::uint64_t seq = 0;                               // batch number
    std::vector<BasicSubmitJob<S>> jobs;                 // the batch
    bool operator==(const BasicSubmit&) const = default; // field-wise, for tests
};
using Submit = BasicSubmit<std::string>;
using SubmitView = BasicSubmit<std::string_view>;
struct Accepted {
    std::uint64_t seq = 0;
    std::uint64_t accepted = 0;
    std::uint64_t duplicates = 0;
    std::uint64_t credit = 0;
    bool operator==(const Accepted&) const = default; // field-wise, for tests
};
struct Rejected {
    std::uint64_t seq = 0;
    std::string code;
    std::string message;
    std::uint64_t retry_after_ms = 0;
    bool operator==(const Rejected&) const = default; // field-wise, for tests
};
template <class S> struct BasicOutcomes {
    std::vector<BasicOutcome<S>> outcomes;
    std::optional<std::uint64_t> seq; // delivery number of the first outcome; +1 for each next
    bool operator==(const BasicOutcomes&) const = default; // field-wise, for tests
};
using Outcomes = BasicOutcomes<std::string>;
using OutcomesView = BasicOutcomes<std::string_view>;
// A producer claims its client name and keeps the claim alive (its heartbeat).
struct Hello {
    std::string client;                            // the name claimed
    std::string session;                           // unique per producer process
    std::uint64_t heartbeat_ms = 0;                // interval the producer keeps
    bool operator==(const Hello&) const = default; // field-wise, for tests
};
// Outcomes a producer has written, by delivery number: the broker may forget them.
template <class S> struct BasicAck {
    S client;                                         // the producer's name
    S session;                                        // its session
    std::vector<std::uint64_t> ranges;                // pairs: first delivery number, count
    bool operator==(const BasicAck&) const = default; // field-wise, for tests
};
using Ack = BasicAck<std::string>;
using AckView = BasicAck<std::string_view>;
struct Status {
    bool operator==(const Status&) const = default; // field-wise, for tests
};
struct StatusReply {
    std::string status; // the status map, encoded MessagePack (a map with str keys)
    bool operator==(const StatusReply&) const = default; // field-wise, for tests
};

// Any decoded message; the alternative tells the command.
using Message =
    std::variant<Ready, Jobs, Results, Heartbeat, Disconnect, Cancel, Exited, Welcome, ErrorReply,
                 Submit, Accepted, Rejected, Outcomes, Hello, Ack, Status, StatusReply>;

// The command of a message value.
[[nodiscard]] Command command_of(const Message& message) noexcept;

} // namespace ferry::wire
