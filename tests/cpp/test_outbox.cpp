// The encoded outbox: OUTCOMES-sized chunks, in order, that decode to what was added.
#include "ferry/broker/outbox.hpp"
#include "ferry/wire/codec.hpp"

#include <catch2/catch.hpp>

using namespace ferry::broker;
namespace wire = ferry::wire;

namespace {

// The ids of the front chunk, framed as OUTCOMES and decoded back; each outcome's delivery number
// must be the one it was added with (job-N was added as N + 1).
std::vector<std::string> front_ids(const Outbox& outbox) {
    const auto chunk = outbox.front();
    wire::Frames frames;
    wire::encode_outcomes(chunk.records, chunk.count, frames, chunk.first);
    const auto decoded = wire::decode(frames.header, frames.body);
    REQUIRE(std::holds_alternative<wire::Message>(decoded));
    const auto& message = std::get<wire::Outcomes>(std::get<wire::Message>(decoded));
    std::vector<std::string> ids;
    std::uint64_t number = message.seq.value_or(0);
    for (const auto& outcome : message.outcomes) {
        ids.push_back(outcome.id);
        CHECK(outcome.id == "job-" + std::to_string(number++ - 1));
    }
    CHECK(ids.size() == chunk.count);
    return ids;
}

void add(Outbox& outbox, std::size_t id) {
    const std::string name = "job-" + std::to_string(id);
    const std::string result = "\xa2ok";
    std::string record;
    wire::append_outcome(wire::OutcomeView{name,
                                           true,
                                           std::string_view(result),
                                           std::nullopt,
                                           1,
                                           {},
                                           0.5,
                                           std::string_view("w1"),
                                           std::nullopt,
                                           std::nullopt},
                         record);
    outbox.add(record, id + 1);
}

} // namespace

TEST_CASE("Outcomes leave in chunks of at most per_message, oldest first, intact") {
    Outbox outbox;
    CHECK(outbox.empty());
    const std::size_t total = 2 * Outbox::per_message + 10;
    for (std::size_t i = 0; i < total; ++i) {
        add(outbox, i);
    }
    CHECK(outbox.size() == total);
    std::size_t next = 0;
    while (!outbox.empty()) {
        const auto ids = front_ids(outbox);
        REQUIRE_FALSE(ids.empty());
        CHECK(ids.size() <= Outbox::per_message);
        for (const auto& id : ids) {
            CHECK(id == "job-" + std::to_string(next++));
        }
        outbox.pop_front();
    }
    CHECK(next == total);
    CHECK(outbox.size() == 0);
}

// A producer slower than its results: chunks are sent one at a time while more arrive, so the
// buffer never empties and its sent prefix must be cut for memory to stay bounded.
TEST_CASE("An outbox that never empties keeps order and cuts what was sent") {
    Outbox outbox;
    std::size_t added = 0;
    std::size_t next = 0;
    Outbox one;
    add(one, 1000000); // ids of this test stay below 1000000: at most this long
    const std::size_t record_bytes = one.buffer_bytes();
    for (int round = 0; round < 20; ++round) {
        for (std::size_t i = 0; i < Outbox::per_message + 7; ++i) {
            add(outbox, added++);
        }
        for (const auto& id : front_ids(outbox)) {
            CHECK(id == "job-" + std::to_string(next++));
        }
        outbox.pop_front();
        CHECK(outbox.size() == added - next);
        // Each record of this test encodes to the same size, so bytes follow records.
        CHECK(outbox.buffer_bytes() <= 2 * (added - next) * record_bytes + record_bytes);
    }
    while (!outbox.empty()) {
        for (const auto& id : front_ids(outbox)) {
            CHECK(id == "job-" + std::to_string(next++));
        }
        outbox.pop_front();
    }
    CHECK(next == added);
}

TEST_CASE("Clearing an outbox drops every unsent outcome and numbering starts afresh") {
    Outbox outbox;
    for (std::size_t i = 0; i < Outbox::per_message + 3; ++i) {
        add(outbox, i);
    }
    outbox.clear();
    CHECK(outbox.empty());
    CHECK(outbox.size() == 0);
    CHECK(outbox.buffer_bytes() == 0);
    add(outbox, 41);
    REQUIRE(outbox.front().count == 1);
    CHECK(outbox.front().first == 42);
    CHECK(front_ids(outbox) == std::vector<std::string>{"job-41"});
}
