// The gateway's job store: fetching, acknowledgement, retention, long polls, batch streams.
#include "ferry/http/job_store.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <thread>

using namespace ferry::http;

TEST_CASE("an outcome is acknowledged once fetched, and forgotten after the grace") {
    HttpConfig config;
    config.fetched_grace_s = 0;
    JobStore store(config);
    store.add_pending({"a", "b"}, {"t", "t"}, "");
    REQUIRE(store.find("a"));
    CHECK_FALSE(store.find("a")->done);
    store.complete("a", true, R"({"id":"a"})", 7);
    CHECK(store.take_acks().empty()); // not fetched: the broker keeps it
    store.mark_fetched("a");
    CHECK(store.take_acks() == std::vector<std::uint64_t>{7});
    CHECK(store.sweep(SteadyClock::now() + std::chrono::seconds(1)) == 1);
    CHECK_FALSE(store.find("a"));
    CHECK(store.find("b")); // pending jobs are never swept
}

TEST_CASE("unfetched outcomes expire by age and by count, oldest first, and are acknowledged") {
    HttpConfig config;
    config.retention_s = 60;
    config.retention_count = 2;
    JobStore store(config);
    store.add_pending({"a", "b", "c"}, {"t", "t", "t"}, "");
    store.complete("a", true, "{}", 1);
    store.complete("b", false, "{}", 2);
    store.complete("c", true, "{}", 3);
    CHECK(store.sweep(SteadyClock::now()) == 1); // three kept, two allowed
    CHECK_FALSE(store.find("a"));
    CHECK(store.take_acks() == std::vector<std::uint64_t>{1});
    CHECK(store.sweep(SteadyClock::now() + std::chrono::seconds(61)) == 2);
    auto acks = store.take_acks();
    std::sort(acks.begin(), acks.end());
    CHECK(acks == std::vector<std::uint64_t>{2, 3});
}

TEST_CASE("a long poll wakes when the outcome arrives") {
    HttpConfig config;
    JobStore store(config);
    store.add_pending({"a"}, {"t"}, "");
    std::thread later([&] { store.complete("a", true, R"({"id":"a","status":"ok"})", 1); });
    const auto job = store.wait("a", SteadyClock::now() + std::chrono::seconds(30));
    later.join();
    REQUIRE(job);
    CHECK(job->done);
    CHECK(job->outcome_json == R"({"id":"a","status":"ok"})");
    CHECK_FALSE(store.wait("unknown", SteadyClock::now()));
}

TEST_CASE("a batch streams in input order, stopping at the first job not done") {
    HttpConfig config;
    JobStore store(config);
    store.add_batch("b", {"x", "y", "z"});
    store.add_pending({"x", "y", "z"}, {"t", "t", "t"}, "b");
    store.complete("y", true, "Y", 1);
    std::vector<std::string> out;
    const auto soon = SteadyClock::now() + std::chrono::milliseconds(20);
    CHECK(store.batch_outcomes("b", 0, true, soon, out) == 0); // x is not done
    CHECK(store.batch_outcomes("b", 0, false, soon, out) == 1);
    CHECK(out == std::vector<std::string>{"Y"});
    store.complete("x", false, "X", 2);
    store.complete("z", true, "Z", 3);
    out.clear();
    CHECK(store.batch_outcomes("b", 0, true, soon, out) == 3);
    CHECK(out == std::vector<std::string>{"X", "Y", "Z"});
    const auto counts = store.batch_counts("b");
    REQUIRE(counts);
    CHECK(counts->ok == 2);
    CHECK(counts->failed == 1);
    auto acks = store.take_acks(); // streamed outcomes count as fetched
    std::sort(acks.begin(), acks.end());
    CHECK(acks == std::vector<std::uint64_t>{1, 2, 3});
}

TEST_CASE("a redriven job is pending again and its old outcome is let go") {
    HttpConfig config;
    JobStore store(config);
    store.add_pending({"a"}, {"t"}, "");
    store.complete("a", false, "failed", 4);
    CHECK(store.reopen("a") == 4);
    CHECK_FALSE(store.find("a")->done);
    store.complete("a", true, "ok", 9);
    CHECK(store.find("a")->outcome_json == "ok");
}
