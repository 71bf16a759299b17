// Counts, latencies and per-worker tallies of a run, printed and written as JSON.
#pragma once

#include "ferry/producer/aggregates.hpp"
#include "ferry/producer/job_outcome.hpp"
#include "ferry/producer/latency_histogram.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ferry::producer {

// Latency percentiles in milliseconds.
struct Percentiles {
    double p50 = 0; // median
    double p95 = 0; // 95th percentile
    double p99 = 0; // 99th percentile
    double max = 0; // slowest
};

// Everything the summary reports, in memory that does not grow with the job count: latencies go
// into a fixed-size histogram (percentiles within LatencyHistogram's stated precision).
class RunSummary {
  public:
    explicit RunSummary(std::vector<AggregateSpec> aggregates = {})
        : aggregates_(std::move(aggregates)) {}

    // Counts an outcome; `expected` holds its input's captured values for the aggregates. `at_s`
    // is when it arrived, in seconds since the session started (negative: not from a broker);
    // with the outcome's ms and queue_ms it places the job's dispatch in time.
    void record(const JobOutcome& outcome, const std::vector<FieldValue>& expected = {},
                double at_s = -1);
    // Counts one job of a stage of a multi-stage pipeline: per-stage counts, the stage's
    // aggregates, queue and handler times, and when the workers worked. `record` then takes
    // each item's record (its ms is the item's whole time through the stages).
    // Makes this the summary of a multi-stage pipeline with these stages, in order.
    void declare_stages(const std::vector<std::string>& names);
    void record_stage(std::string_view stage, const JobOutcome& job,
                      const std::vector<FieldValue>& expected, double at_s);
    [[nodiscard]] std::vector<std::vector<std::string>> input_paths() const {
        return aggregates_.input_paths();
    }
    void count_duplicate() { ++duplicates_dropped_; }
    void count_resumed(std::uint64_t jobs) { resumed_ += jobs; }
    void set_wall_seconds(double seconds) { wall_s_ = seconds; }
    // Seconds spent before the session started waiting for workers (ferry run's pools).
    void set_startup_offset(double seconds) { startup_offset_s_ = seconds; }
    // The whole run: the pools' wait (ferry run) and the session, so it is never below startup.
    [[nodiscard]] double wall_seconds() const;
    // Until the first job was dispatched to a worker: the pools' wait, then the session's.
    [[nodiscard]] double startup_seconds() const;
    // From the first dispatch to the last outcome: the time the workers worked.
    [[nodiscard]] double work_seconds() const;

    [[nodiscard]] std::uint64_t jobs() const { return succeeded_ + failed_; }
    [[nodiscard]] std::uint64_t succeeded() const { return succeeded_; }
    [[nodiscard]] std::uint64_t failed() const { return failed_; }
    [[nodiscard]] std::uint64_t duplicates_dropped() const { return duplicates_dropped_; }
    [[nodiscard]] std::uint64_t resumed() const { return resumed_; }
    [[nodiscard]] std::uint64_t retries() const { return retries_; }
    [[nodiscard]] Percentiles latency() const;
    [[nodiscard]] Percentiles queue_latency() const;   // accept -> start of the last attempt
    [[nodiscard]] Percentiles handler_latency() const; // the last attempt's handler time

    // The summary as one JSON object (the `--summary-json` file and `--json` output).
    [[nodiscard]] std::string to_json() const;
    // The summary for people: a few aligned lines.
    [[nodiscard]] std::string to_text() const;

  private:
    // Counts by name, found by a borrowed name without making a string.
    using Counts = std::map<std::string, std::uint64_t, std::less<>>;
    // One stage's jobs.
    struct StageCounts {
        std::uint64_t succeeded = 0; // jobs ok
        std::uint64_t failed = 0;    // jobs failed
        std::uint64_t retries = 0;   // attempts beyond the first
    };
    void record_timing(const JobOutcome& job, double at_s);

    std::uint64_t succeeded_ = 0;                           // outcomes ok
    std::uint64_t failed_ = 0;                              // outcomes failed
    std::uint64_t duplicates_dropped_ = 0;                  // outcomes seen twice, second dropped
    std::uint64_t retries_ = 0;                             // attempts beyond the first
    std::uint64_t resumed_ = 0;                             // jobs already in the output (--resume)
    double wall_s_ = 0;                                     // run wall time
    double startup_offset_s_ = 0;                           // pools' wait before the session
    double first_dispatch_s_ = -1;                          // earliest dispatch (-1: none yet)
    double last_outcome_s_ = -1;                            // latest outcome arrival
    std::uint64_t timed_ = 0;                               // outcomes inside the work window
    LatencyHistogram latency_;                              // every outcome's ms
    LatencyHistogram queue_latency_;                        // outcomes' queue_ms
    LatencyHistogram handler_latency_;                      // outcomes' handler_ms
    Counts per_worker_;                                     // outcomes by worker
    std::map<std::string, std::uint64_t> failures_by_code_; // failed outcomes by error code
    Aggregates aggregates_;                                 // configured reductions
    std::vector<std::pair<std::string, StageCounts>> stages_; // multi-stage: jobs per stage
};

} // namespace ferry::producer
