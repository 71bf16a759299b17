// Writes one record per job to the output, in input order or in completion order.
#pragma once

#include "ferry/producer/job_outcome.hpp"

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <unordered_set>
#include <vector>

namespace ferry::producer {

enum class OutputOrder { input, completion };
enum class OutputFormat { jsonl, msgpack };

// In input order, an outcome that arrives before its predecessors waits in a reorder buffer.
// The buffer never holds more than the producer's in-flight window, because a job enters the
// window only after every earlier job has been submitted: its size is bounded by `window`.
class OutputWriter {
  public:
    // Opens `path` ("-" is stdout) for writing, or for appending when `append` (resume).
    OutputWriter(const std::string& path, OutputOrder order, OutputFormat format, bool append);
    ~OutputWriter();
    OutputWriter(const OutputWriter&) = delete;
    OutputWriter& operator=(const OutputWriter&) = delete;

    // Records the outcome of the job at `outcome.index`; each index exactly once.
    void write(const JobOutcome& outcome);
    // Marks an index as already present in the output (resume), so order moves past it.
    void skip(std::uint64_t index);
    // Hands what was written to the file (the kernel): after this returns, a crash of this
    // process loses none of it. Throws if the file cannot be written.
    void flush();
    // Writes out what is buffered and flushes; throws if the file cannot be written.
    void finish();

    // Broker outcomes written and flushed since the caller last cleared this: the broker may
    // forget them now.
    [[nodiscard]] std::vector<Delivery>& flushed_deliveries() { return flushed_; }

    // Records held back in input order: rendered ones, and resumed indexes past the next one
    // (both count against the producer's window, so neither grows with the input).
    [[nodiscard]] std::size_t buffered() const { return pending_.size() + skipped_.size(); }
    [[nodiscard]] std::uint64_t written() const { return written_; }

  private:
    // A rendered record waiting for its predecessors (input order).
    struct Pending {
        std::string record;               // the rendered record
        std::optional<Delivery> delivery; // how the broker sent it, if it waits for an ACK
    };
    void emit(std::string record, std::optional<Delivery> delivery);
    void drain_in_order();
    [[nodiscard]] std::string render(const JobOutcome& outcome) const;

    std::FILE* file_ = nullptr;                 // output stream
    bool owns_file_ = false;                    // false for stdout
    std::string path_;                          // for error messages
    OutputOrder order_;                         // input or completion
    OutputFormat format_;                       // jsonl or msgpack
    std::uint64_t next_index_ = 0;              // next index to write in input order
    std::map<std::uint64_t, Pending> pending_;  // records waiting for their predecessors
    std::unordered_set<std::uint64_t> skipped_; // indexes already in the file (resume)
    std::uint64_t written_ = 0;                 // records written
    std::vector<Delivery> unflushed_;           // broker outcomes written, not yet flushed
    std::vector<Delivery> flushed_;             // ... and flushed: ready to acknowledge
};

// Renders an outcome as one JSON object (no newline).
[[nodiscard]] std::string render_json(const JobOutcome& outcome);
// Renders an outcome as one MessagePack map with the same fields.
[[nodiscard]] std::string render_msgpack(const JobOutcome& outcome);

} // namespace ferry::producer
