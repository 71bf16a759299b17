// Outcomes waiting for their producer, kept encoded in OUTCOMES-sized chunks.
#pragma once

#include "ferry/wire/messages.hpp"

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>

namespace ferry::broker {

// Why encoded and not as Outcome structs: an outcome is encoded once, when it is settled, from
// views into the record and the RESULTS frame, so holding it costs its wire bytes and no
// allocation of its own; sending a chunk is one frame around bytes already there.
class Outbox {
  public:
    // Outcomes in one OUTCOMES message, at most.
    static constexpr std::size_t per_message = 1024;

    // Adds an outcome encoded as one OUTCOMES record (wire::append_outcome) at the back, with
    // its delivery number: one more than the previous outcome's, or any number after clear().
    void add(std::string_view record, std::uint64_t delivery);
    // The oldest chunk: its records encoded back to back, how many there are, and the delivery
    // number of the first (the others follow it one by one).
    struct Chunk {
        std::string_view records; // encoded outcome records
        std::size_t count = 0;    // records in it
        std::uint64_t first = 0;  // delivery number of its first record
    };
    [[nodiscard]] Chunk front() const noexcept;
    // Drops the oldest chunk (it was sent).
    void pop_front() noexcept;

    // Drops everything unsent (the producer session it was for is gone).
    void clear() noexcept;

    [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    // Bytes kept, the sent prefix included (it stays within twice the unsent bytes).
    [[nodiscard]] std::size_t buffer_bytes() const noexcept { return bytes_.size(); }

  private:
    struct Bounds {
        std::size_t end = 0;     // offset past its last record in bytes_
        std::size_t count = 0;   // records in it
        std::uint64_t first = 0; // delivery number of its first record
    };
    std::string bytes_;         // encoded records; bytes before head_ were sent
    std::size_t head_ = 0;      // start of the oldest unsent chunk
    std::deque<Bounds> chunks_; // unsent chunks, oldest first; the last may still grow
    std::size_t size_ = 0;      // unsent records
};

} // namespace ferry::broker
