// A job's final outcome as the JSON the HTTP API returns.
#pragma once

#include "ferry/wire/messages.hpp"

#include <string>

namespace ferry::http {

// {"id", "status": "ok" | "failed" | "cancelled", "result" (ok) | "error" and "causes" (every
// failed attempt, oldest first), "attempts", "ms", "queue_ms", "handler_ms", "worker"}. The
// result is the handler's value as JSON: MessagePack bin as a base64 string, typed arrays as
// nested lists, NaN and infinities as null.
[[nodiscard]] std::string outcome_json(const wire::OutcomeView& outcome);

} // namespace ferry::http
