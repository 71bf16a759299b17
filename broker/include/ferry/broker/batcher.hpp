// Dynamic batching rules: when a type's queue is due, and how many jobs one JOBS message takes.
#pragma once

#include "ferry/broker/broker_config.hpp"
#include "ferry/broker/clock.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>

namespace ferry::broker {

// Whether a type's queued jobs should go out now: a full batch is waiting, or the oldest job has
// waited max_delay_ms (so a lone job never waits longer than that). Draining (shutdown) flushes.
[[nodiscard]] bool batch_due(const BatchConfig& batch, std::size_t depth,
                             std::optional<TimePoint> oldest, TimePoint now, bool draining);

// When a partial batch falls due if nothing else happens; empty when the queue is empty.
[[nodiscard]] std::optional<TimePoint> batch_deadline(const BatchConfig& batch,
                                                      std::optional<TimePoint> oldest);

// Jobs in one JOBS message: bounded by the type's batch size, the worker's max_batch for the
// type, the worker's credit and the queue depth.
[[nodiscard]] std::size_t batch_size(const BatchConfig& batch, std::uint64_t worker_max_batch,
                                     std::uint64_t worker_credit, std::size_t depth);

} // namespace ferry::broker
