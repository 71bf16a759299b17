// Writes one record per job to the output, in input order or in completion order.
#pragma once

#include "ferry/producer/job_outcome.hpp"

#include <cstdint>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::producer {

// The output file could not be written (a full disk, an I/O error): the records before the
// failing one are in it, and `--resume` completes the rest (exit code 4).
class OutputError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

enum class OutputOrder { input, completion };
enum class OutputFormat { jsonl, msgpack };

// In input order, an outcome that arrives before its predecessors waits in a reorder buffer: a
// ring of slots indexed by input position, whose rendered records keep their capacity, so once
// the ring has grown nothing is allocated per record. The ring never spans more than the
// producer's in-flight window, because a job enters the window only after every earlier job has
// been submitted: its size is bounded by `window`. An outcome that is next in order is rendered
// into one reused buffer and written at once.
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
    // process loses none of it. Throws OutputError if the file cannot be written.
    void flush();
    // Writes out what is buffered and flushes; throws OutputError if the file cannot be written.
    void finish();

    // Broker outcomes written and flushed since the caller last cleared this: the broker may
    // forget them now.
    [[nodiscard]] std::vector<Delivery>& flushed_deliveries() { return flushed_; }

    // Records held back in input order: rendered ones, and resumed indexes past the next one
    // (both count against the producer's window, so neither grows with the input).
    [[nodiscard]] std::size_t buffered() const { return held_; }
    [[nodiscard]] std::uint64_t written() const { return written_; }

  private:
    // One position of the reorder ring: empty, a rendered record, or an index already written.
    struct Slot {
        enum class State : std::uint8_t { empty, record, skipped };
        State state = State::empty;            // what the slot holds
        std::string record;                    // the rendered record (its capacity is reused)
        std::optional<Delivery> delivery;      // how the broker sent it, if it waits for an ACK
        std::vector<Delivery> more_deliveries; // a multi-stage item's other stage outcomes
    };
    void emit(std::string_view record, std::optional<Delivery> delivery,
              const std::vector<Delivery>* more);
    void drain_in_order();
    [[nodiscard]] Slot& slot_for(std::uint64_t index);
    void grow(std::size_t needed);
    void render_into(const JobOutcome& outcome, std::string& out) const;

    std::FILE* file_ = nullptr;       // output stream
    bool owns_file_ = false;          // false for stdout
    std::string path_;                // for error messages
    OutputOrder order_;               // input or completion
    OutputFormat format_;             // jsonl or msgpack
    std::uint64_t next_index_ = 0;    // next index to write in input order
    std::vector<Slot> ring_;          // index i at i % size, for next_index_ <= i < +size
    std::size_t held_ = 0;            // slots holding a record or a skip
    std::string scratch_;             // the record being written straight through
    std::uint64_t written_ = 0;       // records written
    std::vector<Delivery> unflushed_; // broker outcomes written, not yet flushed
    std::vector<Delivery> flushed_;   // ... and flushed: ready to acknowledge
};

// Renders an outcome as one JSON object (no newline).
[[nodiscard]] std::string render_json(const JobOutcome& outcome);
// Appends the same JSON object to `out`.
void append_record_json(const JobOutcome& outcome, std::string& out);
// Renders an outcome as one MessagePack map with the same fields.
[[nodiscard]] std::string render_msgpack(const JobOutcome& outcome);

} // namespace ferry::producer
