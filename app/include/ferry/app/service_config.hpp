// The service file of `ferry serve`: its state directory, its broker and pools, and the
// pipeline files it schedules.
#pragma once

#include "ferry/app/pipeline_config.hpp"
#include "ferry/broker/broker_config.hpp"
#include "ferry/http/http_config.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ferry::app {

// One pipeline of the service: its name (the file's stem) and its file's settings.
struct ServicePipeline {
    std::string name;      // [A-Za-z0-9_.-]+: run ids and commands use it
    PipelineConfig config; // input, output, stages, schedule ... (paths resolved)
};

struct ServiceConfig {
    std::string source;                     // the service file, or the pipeline directory
    std::string state_dir;                  // run history, the journal (by default), the lock
    std::uint64_t shutdown_grace_s = 30;    // SIGTERM: how long running runs may finish
    broker::BrokerConfig broker;            // the embedded broker (journal on by default)
    std::vector<WorkerPoolConfig> workers;  // local pools: the service's and its pipelines'
    std::vector<ServicePipeline> pipelines; // in file order
    std::optional<http::HttpConfig> http;   // the service file's `http` section, when on
};

// Reads a service file (with a `service` section naming pipeline files or globs) or a directory
// of pipeline files (*.yaml, *.yml). Every problem is a ConfigError naming file:line:col: a
// missing pipeline file, two pipelines of one name or one output template, a scheduled
// pipeline without an input or whose output has no {run_id}/{date}/% field.
[[nodiscard]] ServiceConfig load_service_config(const std::string& path);

} // namespace ferry::app
