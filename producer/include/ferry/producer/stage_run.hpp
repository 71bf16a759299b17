// Items in flight through a multi-stage pipeline: each stage's outcome becomes the next stage's
// jobs (one, or one per element of a fan-out), and an item's record once every branch ended.
#pragma once

#include "ferry/producer/field_value.hpp"
#include "ferry/producer/input_item.hpp"
#include "ferry/producer/job_outcome.hpp"
#include "ferry/producer/stage_plan.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace ferry::producer {

// One job to submit for a stage.
struct StageJob {
    std::string id;          // wire id: "<stage>:<item>", unique per (run, stage, item)
    std::string type;        // the stage's job type
    std::string payload;     // MessagePack
    std::uint64_t index = 0; // the input record's position
};

// A stage job's outcome, as the producer received it (strings borrowed for the call).
struct StageOutcome {
    bool ok = false;                  // succeeded
    std::string_view result;          // encoded result, when ok
    wire::Error error;                // last error, when failed
    std::vector<wire::Error> causes;  // every failed attempt's error
    std::uint64_t attempts = 0;       // attempts the broker made
    double ms = 0;                    // submit -> outcome, broker-measured
    std::string_view worker;          // who produced it
    std::optional<Delivery> delivery; // to acknowledge once the item's record is written
};

// An item whose every branch ended: its output record. Call bound() for the record: it points
// the outcome's borrowed strings at this object (wherever it has been moved to).
struct FinishedItem {
    JobOutcome outcome;                  // the record (ok only if every branch succeeded)
    std::string id;                      // the input record's id
    std::string worker;                  // the last worker that answered
    std::string result;                  // encoded: the last result, or a list per fan-out
    std::string failed_stage;            // the stage of the first failure
    bool fanned = false;                 // the item fanned out (failures then name branches)
    std::vector<BranchFailure> failures; // every failed branch
    std::vector<FieldValue> captured;    // the input values the aggregates compare against
    std::vector<Delivery> deliveries;    // every stage outcome of the item, to acknowledge

    [[nodiscard]] const JobOutcome& bound();
};

// What one step produced: jobs to submit, and the item's record when it ended.
struct StageStep {
    std::vector<StageJob> jobs;           // the next stage's jobs
    std::optional<FinishedItem> finished; // the item ended with this step
    std::string_view stage;               // the stage whose outcome this step took (advance)
    const std::vector<FieldValue>* captured = nullptr; // the open item's captured input values

    // The item's captured input values, for the stage's aggregates.
    [[nodiscard]] const std::vector<FieldValue>& captured_values() const {
        return finished ? finished->captured : *captured;
    }
};

// Tracks every item between its first job and its record. Each job id maps to one branch of one
// item, so an outcome delivered twice finds nothing the second time (the caller drops it).
class StageRun {
  public:
    using Clock = std::chrono::steady_clock;
    explicit StageRun(std::shared_ptr<const StagePlan> plan);

    // A new input record: its first stage's job, or its record when that payload fails.
    [[nodiscard]] StageStep start(InputRecord record, Clock::time_point now);
    // The outcome of job `id` (which start or advance returned): the next jobs, or the record.
    // Returns nullopt for an id it does not know (a duplicate outcome).
    [[nodiscard]] std::optional<StageStep> advance(std::string_view id, const StageOutcome& outcome,
                                                   Clock::time_point now);

    [[nodiscard]] std::size_t items() const { return items_.size(); }
    [[nodiscard]] const StagePlan& plan() const { return *plan_; }

  private:
    // A branch of an item's tree: a result, a failure, or the children a fan-out made.
    struct Branch {
        std::string result;           // encoded result of its last stage so far
        bool failed = false;          // this branch failed (its result is nil)
        bool fanned = false;          // `children` hold its elements
        std::vector<Branch> children; // one per element after a fan-out
    };
    // One input record on its way through the stages.
    struct Item {
        std::string id;                   // the record's id
        std::uint64_t index = 0;          // input position
        std::vector<FieldValue> captured; // for the aggregates
        std::string input;                // the input payload, kept when a stage reads it
        Branch root;                      // the branch tree
        std::uint64_t open = 0;           // jobs in flight
        std::uint64_t attempts = 0;       // attempts over every job of the item
        Clock::time_point started;        // its first job was made
        std::string worker;               // the last worker that answered
        std::vector<BranchFailure> failures;
        std::vector<Delivery> deliveries;
    };
    // Where a job's outcome goes.
    struct JobPlace {
        std::uint64_t index = 0;         // the item
        std::size_t stage = 0;           // the stage the job ran
        std::vector<std::uint32_t> path; // child positions from the root branch
        std::string item_id;             // "<id>" or "<id>/k/..."
    };

    [[nodiscard]] bool passes_result_on(std::size_t index) const;
    void make_jobs(Item& item, Branch& branch, const JobPlace& from, const msgpack::object* result,
                   StageStep& step);
    void add_job(Item& item, JobPlace place, const StageValues& values, Branch& branch,
                 StageStep& step);
    void add_built_job(Item& item, JobPlace place, std::string payload, StageStep& step);
    void fail_branch(Item& item, Branch& branch, const JobPlace& place, std::string_view stage,
                     wire::Error error, std::vector<wire::Error> causes);
    [[nodiscard]] Branch& branch_at(Item& item, const std::vector<std::uint32_t>& path);
    [[nodiscard]] FinishedItem finish(Item& item, Clock::time_point now);

    std::shared_ptr<const StagePlan> plan_;          // the stages
    std::unordered_map<std::uint64_t, Item> items_;  // by input position
    std::unordered_map<std::string, JobPlace> jobs_; // by wire id
};

} // namespace ferry::producer
