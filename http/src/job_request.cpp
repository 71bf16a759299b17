// Validation of job objects from HTTP bodies, each refusal naming the field.
#include "ferry/http/job_request.hpp"

#include "ferry/producer/json_msgpack.hpp"

#include <cmath>

namespace ferry::http {
namespace {

constexpr std::size_t max_id_bytes = 256;
constexpr double max_timeout_s = 7 * 24 * 3600.0; // a week: longer is surely a unit mistake

} // namespace

std::optional<std::string> check_job_id(std::string_view id) {
    if (id.empty()) {
        return "an id must not be empty";
    }
    if (id.size() > max_id_bytes) {
        return "an id is at most 256 bytes (this one has " + std::to_string(id.size()) + ")";
    }
    for (const char c : id) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
            return "an id must not contain control characters";
        }
    }
    return std::nullopt;
}

std::optional<JobRequestError> read_job(simdjson::dom::element value, wire::SubmitJob& job) {
    simdjson::dom::object object;
    if (value.get(object) != simdjson::SUCCESS) {
        return JobRequestError{"", "a job must be a JSON object {type, payload, id?, priority?, "
                                   "timeout_s?, max_attempts?}"};
    }
    bool has_type = false;
    bool has_payload = false;
    for (auto field : object) {
        const std::string_view key = field.key;
        if (key == "type") {
            std::string_view type;
            if (field.value.get(type) != simdjson::SUCCESS || type.empty()) {
                return JobRequestError{"type", "must be a non-empty string naming a job type"};
            }
            job.type = type;
            has_type = true;
        } else if (key == "payload") {
            job.payload = producer::json_to_msgpack(field.value);
            has_payload = true;
        } else if (key == "id") {
            std::string_view id;
            if (field.value.get(id) != simdjson::SUCCESS) {
                return JobRequestError{"id", "must be a string"};
            }
            if (auto problem = check_job_id(id)) {
                return JobRequestError{"id", *problem};
            }
            job.id = id;
        } else if (key == "priority") {
            std::int64_t priority = 0;
            if (field.value.get(priority) != simdjson::SUCCESS) {
                return JobRequestError{"priority", "must be an integer (higher runs first)"};
            }
            job.priority = priority;
        } else if (key == "timeout_s") {
            double seconds = 0;
            if (field.value.get(seconds) != simdjson::SUCCESS || !std::isfinite(seconds) ||
                seconds <= 0 || seconds > max_timeout_s) {
                return JobRequestError{"timeout_s",
                                       "must be a number of seconds above 0 and at most 604800"};
            }
            job.timeout_ms = static_cast<std::uint64_t>(std::ceil(seconds * 1000));
        } else if (key == "max_attempts") {
            std::uint64_t attempts = 0;
            if (field.value.get(attempts) != simdjson::SUCCESS || attempts < 1 || attempts > 1000) {
                return JobRequestError{"max_attempts", "must be an integer from 1 to 1000"};
            }
            job.max_attempts = attempts;
        } else {
            return JobRequestError{std::string(key),
                                   "is not a job field (type, payload, id, priority, timeout_s, "
                                   "max_attempts)"};
        }
    }
    if (!has_type) {
        return JobRequestError{"type", "is required"};
    }
    if (!has_payload) {
        return JobRequestError{"payload", "is required (any JSON value; null for none)"};
    }
    return std::nullopt;
}

} // namespace ferry::http
