// Unserved job types: queued jobs with no live worker, timed with a hand-driven clock.
#include "ferry/broker/type_coverage.hpp"

#include <catch2/catch.hpp>

using namespace ferry::broker;
using namespace std::chrono_literals;

namespace {

// A registry, queues and a clock that moves only when told.
struct CoverageFixture {
    TimePoint now{};            // the clock
    WorkerRegistry workers;     // live workers
    JobQueues queues;           // queued jobs by type
    TypeCoverage coverage{now}; // started at `now`

    void queue(const std::string& type, int jobs) {
        for (int i = 0; i < jobs; ++i) {
            queues.of(type).push(0, QueuedJob{JobRef{static_cast<std::uint32_t>(i), 0}, now});
        }
    }
    std::uint32_t worker(const std::string& name, const std::string& type) {
        ferry::wire::Ready ready{name, "host", 7, {{type, 8, std::nullopt}}, 8, 100};
        return workers.add(ready, "route-" + name, now).first->id;
    }
    std::vector<UnservedType> unserved() const {
        return coverage.unserved(queues, workers, now, 5s);
    }
};

} // namespace

TEST_CASE("A type no worker has served since the broker started is listed with its queue") {
    CoverageFixture f;
    f.now += 10s;
    f.queue("nope", 3);
    const auto listed = f.unserved();
    REQUIRE(listed.size() == 1);
    CHECK(listed[0].type == "nope");
    CHECK(listed[0].queued == 3);
    CHECK(listed[0].seconds == Approx(10.0));
}

TEST_CASE("A type a live worker serves is never listed, however long its jobs wait") {
    CoverageFixture f;
    f.worker("w1", "echo");
    f.queue("echo", 5);
    f.now += 60s;
    CHECK(f.unserved().empty());
}

TEST_CASE("A type whose last worker left is listed only once it has waited five seconds") {
    CoverageFixture f;
    const auto id = f.worker("w1", "echo");
    f.now += 20s;
    f.coverage.observe(f.workers, f.now);
    (void)f.workers.remove(id);
    f.queue("echo", 2);
    f.now += 4s;
    CHECK(f.unserved().empty());
    f.now += 1s;
    const auto listed = f.unserved();
    REQUIRE(listed.size() == 1);
    CHECK(listed[0].seconds == Approx(5.0));
}

TEST_CASE("A type without queued jobs is not listed, and the list is sorted by type") {
    CoverageFixture f;
    f.now += 6s;
    f.queue("zeta", 1);
    f.queue("alpha", 1);
    (void)f.queues.of("empty");
    const auto listed = f.unserved();
    REQUIRE(listed.size() == 2);
    CHECK(listed[0].type == "alpha");
    CHECK(listed[1].type == "zeta");
}
