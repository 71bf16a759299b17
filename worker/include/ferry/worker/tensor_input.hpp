// From job payloads to input rows: a payload field, typed array or list of numbers, checked
// against one job's shape and written as float32 into its row of the batch blob.
#pragma once

#include "ferry/worker/worker_spec.hpp"

#include <memory>
#include <msgpack.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace ferry::worker {

// One job's payload, decoded once for all of its inputs.
class Payload {
  public:
    // Decodes `bytes` into `zone` (one zone serves a whole batch, so a payload costs no
    // allocation of its own); on failure `problem()` says why (the job fails with
    // INVALID_ARGUMENT). The payload is valid while `zone` and `bytes` are.
    Payload(std::string_view bytes, msgpack::zone& zone);
    // The same with a zone of its own, into which the payload's strings are copied.
    explicit Payload(std::string_view bytes);

    [[nodiscard]] const std::string& problem() const { return problem_; }
    // The value at `path` (a chain of map keys), or nullptr when any step is missing.
    [[nodiscard]] const msgpack::object* find(const std::vector<std::string>& path) const;
    // Whether the payload is a map with the top-level key `key`.
    [[nodiscard]] bool has_key(std::string_view key) const;
    // What the payload is, for messages ("a str", "a map", ...).
    [[nodiscard]] std::string describe() const;

  private:
    void decode(std::string_view bytes, msgpack::zone& zone, bool reference);

    std::unique_ptr<msgpack::zone> own_zone_; // only for the one-argument form
    msgpack::object object_;                  // the decoded value
    std::string problem_;                     // "" when decoded
};

// What a job's value for `input` lacks ("" when it fits): the message of its INVALID_ARGUMENT,
// naming the field, the shape it has and the shape the model input expects.
[[nodiscard]] std::string check_input(const InputSpec& input, const Payload& payload);

// Writes the value of a payload that passed check_input as product(shape) float32 at `row`: a
// float32 typed array is one memcpy, other dtypes one widening loop, lists element by element.
void fill_row(const InputSpec& input, const Payload& payload, float* row);

// "[8, 8]": a shape as messages show it.
[[nodiscard]] std::string shape_text(const std::vector<std::uint32_t>& shape);

// The number of elements of one row of `shape`.
[[nodiscard]] std::size_t row_elements(const std::vector<std::uint32_t>& shape);

} // namespace ferry::worker
