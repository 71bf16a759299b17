// A job's final outcome as the producer records it: one output record.
#pragma once

#include "ferry/wire/messages.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::producer {

// How the broker numbered an outcome it sent: the ACK names outcomes by these numbers, which
// hold within one broker life (the producer counts the lives it has seen).
struct Delivery {
    std::uint64_t life = 0;   // the broker life that sent it
    std::uint64_t number = 0; // its delivery number in that life
};

// A branch of a multi-stage item that failed: which job, at which stage, and why.
struct BranchFailure {
    std::string id;                  // the branch's item id ("<id>", or "<id>/k" after a fan-out)
    std::string stage;               // the stage whose job failed
    wire::Error error;               // its last error
    std::vector<wire::Error> causes; // every failed attempt's error, oldest first
};

// What the output file gets for one job. The strings are borrowed (from the received message or
// the input record), valid while the outcome is being recorded.
struct JobOutcome {
    std::uint64_t index = 0;          // input position (output order)
    std::string_view id;              // job id
    bool ok = false;                  // succeeded
    std::string_view result;          // encoded MessagePack result, when ok
    wire::Error error;                // last error, when failed
    std::vector<wire::Error> causes;  // every failed attempt's error, oldest first
    std::uint64_t attempts = 0;       // attempts the broker made (0: never submitted)
    double ms = 0;                    // submit -> outcome, as the broker measured it
    std::string_view worker;          // worker that produced the outcome
    std::optional<Delivery> delivery; // a broker outcome: kept there until acknowledged
    std::optional<double> queue_ms;   // accept -> start of the last attempt, from the broker
    std::optional<double> handler_ms; // the last attempt's handler time, as the worker measured
    // Multi-stage pipelines only: the stage that failed, the failed branches of a fan-out (the
    // record then carries the other branches' results in `result`, nil for each failed one),
    // and every stage outcome of the item beyond `delivery`, acknowledged with it.
    std::string_view stage;
    const std::vector<BranchFailure>* branches = nullptr;
    const std::vector<Delivery>* more_deliveries = nullptr;
};

} // namespace ferry::producer
