// One job as the HTTP API takes it: {type, payload, id?, priority?, timeout_s?, max_attempts?}.
#pragma once

#include "ferry/wire/messages.hpp"

#include <optional>
#include <simdjson.h>
#include <string>

namespace ferry::http {

// Why a job object was refused: the field and what is wrong with it.
struct JobRequestError {
    std::string field;
    std::string detail;
};

// Reads a parsed job object into `job` (its id stays empty when none was given; the payload is
// encoded as MessagePack, losslessly: integers stay integers up to 64 bits, floats stay
// doubles). Unknown fields are refused, so a misspelt one is not silently ignored.
[[nodiscard]] std::optional<JobRequestError> read_job(simdjson::dom::element value,
                                                      wire::SubmitJob& job);

// Whether `id` can be a job id: 1 to 256 bytes, no control characters (the broker joins client
// and id with 0x1F).
[[nodiscard]] std::optional<std::string> check_job_id(std::string_view id);

} // namespace ferry::http
