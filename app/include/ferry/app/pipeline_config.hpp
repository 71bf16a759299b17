// The pipeline sections of a Ferry YAML file: input, output, producer, and local worker pools.
#pragma once

#include "ferry/app/config_error.hpp"
#include "ferry/app/schedule_config.hpp"
#include "ferry/producer/aggregates.hpp"
#include "ferry/producer/output_writer.hpp"
#include "ferry/producer/stage_plan.hpp"
#include "ferry/producer/typed_array.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ferry::app {

// Where jobs come from.
struct InputConfig {
    std::string path;             // JSONL file, directory (one job per file), or "-"
    std::string type = "echo";    // job type given to every record
    bool skip_invalid = false;    // on_invalid: skip (true) or fail (false)
    producer::ArrayFields arrays; // payload fields packed as typed arrays, with their dtypes
    std::uint64_t wait_s = 0;     // a scheduled run waits this long for a missing input
};

// Where outcomes go.
struct OutputConfig {
    std::string path = "results.jsonl";                            // output file, or "-" for stdout
    producer::OutputOrder order = producer::OutputOrder::input;    // input (default) or completion
    producer::OutputFormat format = producer::OutputFormat::jsonl; // jsonl or msgpack
};

// How the producer submits.
struct ProducerConfig {
    std::string client;                    // stable client name; empty: host:pid
    std::uint64_t window = 10000;          // jobs submitted but not yet written out
    std::uint64_t submit_batch = 256;      // jobs per SUBMIT message
    std::uint64_t progress_interval_s = 5; // log-line interval when not on a terminal
    std::uint64_t heartbeat_ms = 1000;     // HELLO interval: how fast the broker sees it gone
};

// One local worker pool started by `ferry run`: Python (`handlers`) or native (`native`).
struct WorkerPoolConfig {
    std::string handlers;              // module name or path of a .py file
    std::string native;                // a native pool's WORKER.yaml (resolved); "" for Python
    bool processes_set = false;        // `processes` given (a native pool keeps its file's else)
    std::uint64_t processes = 2;       // worker processes
    std::string python;                // interpreter; empty: FERRY_PYTHON, then candidates
    std::string python_at;             // file:line:col of `python`, for messages
    std::uint64_t max_jobs = 0;        // recycle a process after this many jobs (0: never)
    std::uint64_t max_rss_mb = 0;      // recycle a process above this RSS (0: never)
    std::uint64_t prefetch = 2;        // batches a process may hold beyond the running one
    std::uint64_t max_credit = 256;    // cap of the credit a process raises itself (0: prefetch)
    std::string inline_mode = "auto";  // handlers on the socket thread: auto, always or never
    std::uint64_t heartbeat_ms = 1000; // worker heartbeat interval
    std::string log_level;             // worker log level; empty: as `ferry --log-level`
    std::string start_method = "fork"; // fork (from a warm template) or spawn (fresh interpreters)

    [[nodiscard]] bool is_native() const { return !native.empty(); }
    // What messages call the pool: its handlers, or its worker file.
    [[nodiscard]] const std::string& name() const { return is_native() ? native : handlers; }
};

struct PipelineConfig {
    std::string source;                              // the file it was read from
    InputConfig input;                               // `input`
    OutputConfig output;                             // `output`
    ProducerConfig producer;                         // `producer`
    std::vector<WorkerPoolConfig> workers;           // `workers`
    std::vector<producer::AggregateSpec> aggregates; // `aggregates`
    std::vector<producer::StageSpec> stages;         // `stages` (empty: one job per record)
    std::optional<ScheduleConfig> schedule;          // `schedule` (ferry serve fires runs)
    std::string schedule_at;                         // file:line:col of `schedule`
};

// Reads the pipeline sections and checks every top-level key; throws ConfigError
// naming file:line:col and the key on any problem.
[[nodiscard]] PipelineConfig load_pipeline_config(const std::string& path);
// The same from the file's text, already read once for all sections (see read_config_file).
[[nodiscard]] PipelineConfig load_pipeline_config(const std::string& path, const std::string& text);
[[nodiscard]] PipelineConfig parse_pipeline_config(const std::string& yaml_text,
                                                   const std::string& origin);

} // namespace ferry::app
