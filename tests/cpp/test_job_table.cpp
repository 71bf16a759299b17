// The job table: keys per client, stale handles, memory of finished keys, dead letters.
#include <catch2/catch.hpp>

#include "ferry/broker/job_table.hpp"

using namespace ferry::broker;

namespace {
JobRecord record_for(const std::string& client, const std::string& id) {
    JobRecord record;
    record.key = make_job_key(client, id);
    record.client = client;
    record.id = id;
    record.type = "echo";
    return record;
}
} // namespace

TEST_CASE("The same job id from two clients is two jobs") {
    JobTable table(10, 10);
    table.insert(record_for("a", "1"));
    CHECK_FALSE(table.known(make_job_key("b", "1")));
    table.insert(record_for("b", "1"));
    CHECK(table.size() == 2);
}

TEST_CASE("A finished job's handle goes stale and its key stays known") {
    JobTable table(10, 10);
    const auto ref = table.insert(record_for("a", "1"));
    const auto finished = table.finish(ref);
    CHECK(finished.id == "1");
    CHECK(table.get(ref) == nullptr);
    CHECK(table.known(make_job_key("a", "1")));
    const auto reused = table.insert(record_for("a", "2"));
    CHECK(reused.slot == ref.slot);
    CHECK(table.get(ref) == nullptr);
    CHECK(table.get(reused) != nullptr);
}

TEST_CASE("The memory of finished keys is bounded, oldest forgotten first") {
    JobTable table(2, 10);
    for (const auto* id : {"1", "2", "3"}) {
        table.finish(table.insert(record_for("a", id)));
    }
    CHECK_FALSE(table.known(make_job_key("a", "1")));
    CHECK(table.known(make_job_key("a", "2")));
    CHECK(table.known(make_job_key("a", "3")));
}

TEST_CASE("Dead letters are capped but counted") {
    JobTable table(10, 2);
    for (int i = 0; i < 3; ++i) {
        table.add_dead_letter(DeadLetter{std::to_string(i), "a", "echo", {}});
    }
    CHECK(table.dead_letters().size() == 2);
    CHECK(table.dead_letters().front().id == "1");
    CHECK(table.dead_letters_total() == 3);
}
