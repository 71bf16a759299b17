// `ferry run`'s start: wait for every local pool to announce itself, then check the input's type.
#pragma once

#include "ferry/app/exit_code.hpp"
#include "ferry/app/local_pools.hpp"
#include "ferry/app/pipeline_config.hpp"
#include "ferry/security/client_keys.hpp"

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

namespace ferry::app {

// Waits, without a time limit (a model may load for minutes), until every pool of `pools` has a
// worker registered at the broker whose producers endpoint is `endpoint`: its handlers were
// imported and set up. Meanwhile a line on the terminal (or a log line every `log_interval`)
// says which pools it waits for. Then checks that a registered worker serves the input's job
// type. Returns ExitCode::ok to go on; ExitCode::usage after saying why not (a pool exited: its
// handlers failed to load or set up; or no worker serves the type, naming the types that are
// served); ExitCode::interrupted when `stop` was set.
[[nodiscard]] ExitCode await_pools(LocalPools& pools, const PipelineConfig& config,
                                   const std::string& endpoint, const std::atomic<bool>& stop,
                                   const security::ClientCurve& curve = {});

// Whether process `pid` is `ancestor` or descends from it (/proc; a worker may be a grandchild
// of its pool's supervisor, e.g. under a fork server).
[[nodiscard]] bool descends_from(long pid, long ancestor);

} // namespace ferry::app
