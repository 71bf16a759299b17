// Integration over real sockets: a broker restarted on the same journal keeps every accepted job,
// compaction keeps the journal small, and an unreadable journal stops the broker from starting.
#include "fake_peers.hpp"
#include "ferry/broker/journal_reader.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>

using namespace ferry::broker;
using namespace ferry::broker::testing;
namespace fs = std::filesystem;

namespace {

// A test config journaling into a fresh directory, removed afterwards.
struct JournaledConfig {
    JournaledConfig() {
        config.journal.path = dir;
        config.shutdown_grace_s = 0; // a stop leaves held jobs in the journal at once
    }
    ferry::test::TempDir scratch;        // owns the directory
    std::string dir = scratch.root();    // the journal directory
    BrokerConfig config = test_config(); // settings with the journal on
};

wire::Submit resubmission(const std::string& client, std::uint64_t seq,
                          const std::vector<std::string>& ids) {
    wire::Submit submit{client, "session-1", seq, {}};
    for (const auto& id : ids) {
        submit.jobs.push_back({id, "echo", "\xa2hi", std::nullopt, std::nullopt, std::nullopt});
    }
    return submit;
}

} // namespace

TEST_CASE(
    "A broker restarted on its journal loses no accepted job and counts interrupted attempts") {
    JournaledConfig setup;
    std::map<std::string, wire::Outcome> first_life;
    std::set<std::string> held_by_worker;
    {
        RunningBroker broker(setup.config);
        zmq::context_t context;
        FakeProducer producer(context, broker.endpoints().producers);
        FakeWorker worker(context, broker.endpoints().workers, "w1", 10);
        REQUIRE(producer.submit("job", 20));
        std::size_t answered = 0;
        const auto answer_six = [&](const wire::Job& job) -> std::optional<wire::Result> {
            if (answered++ < 6) {
                return FakeWorker::echo(job);
            }
            held_by_worker.insert(job.id);
            return std::nullopt;
        };
        worker.serve(milliseconds(3000), answer_six, [&] { return worker.received.size() >= 10; });
        producer.collect(6);
        first_life = producer.outcomes;
        broker.stop();
    }
    REQUIRE(first_life.size() == 6);
    REQUIRE(held_by_worker.size() == 4);

    RunningBroker broker(setup.config);
    zmq::context_t context;
    FakeProducer producer(context, broker.endpoints().producers);
    std::vector<std::string> unanswered;
    for (int i = 0; i < 20; ++i) {
        if (first_life.count("job" + std::to_string(i)) == 0) {
            unanswered.push_back("job" + std::to_string(i));
        }
    }
    const auto answer = producer.send_submit(resubmission("p1", 1, unanswered));
    REQUIRE(answer);
    const auto& accepted = std::get<wire::Accepted>(*answer);
    CHECK(accepted.duplicates == 14); // every one is still held: absorbed, not run twice
    CHECK(accepted.accepted == 0);
    FakeWorker worker(context, broker.endpoints().workers, "w2", 16);
    worker.serve(milliseconds(3000), FakeWorker::echo,
                 [&] { return worker.received.size() >= 14; });
    producer.collect(14);
    REQUIRE(producer.outcomes.size() == 14);
    CHECK(producer.outcome_messages == 14);
    // Jobs sent in the first life (held by the worker, or on their way to it) were in flight:
    // that attempt counts; jobs still queued then start their first attempt now.
    for (const auto& [id, outcome] : producer.outcomes) {
        CHECK(first_life.count(id) == 0);
        CHECK(outcome.ok);
        if (held_by_worker.count(make_job_key("p1", id)) == 1) {
            CHECK(outcome.attempts == 2);
        }
        REQUIRE(outcome.causes.size() == outcome.attempts - 1);
        if (!outcome.causes.empty()) {
            CHECK(outcome.causes[0].message == "broker restarted during attempt 1");
        }
    }
}

TEST_CASE("Compaction keeps the journal within a few segments while thousands of jobs pass") {
    JournaledConfig setup;
    setup.config.journal.segment_bytes = 4096;
    setup.config.types["echo"].batch = {32, 0};
    RunningBroker broker(setup.config);
    zmq::context_t context;
    FakeProducer producer(context, broker.endpoints().producers);
    FakeWorker worker(context, broker.endpoints().workers, "w1", 64);
    for (int round = 0; round < 10; ++round) {
        REQUIRE(producer.submit("r" + std::to_string(round) + "-", 200));
        worker.serve(milliseconds(3000), FakeWorker::echo,
                     [&] { return worker.received.size() >= 200u * (round + 1); });
    }
    producer.collect(2000);
    REQUIRE(producer.outcomes.size() == 2000);
    REQUIRE(wait_for_counter(context, broker.endpoints().producers, "outcomes_kept", 0));
    broker.stop();
    const JournalWriter* journal = broker.broker().journal();
    REQUIRE(journal != nullptr);
    CHECK(journal->active_segment() > 20); // it rolled many times
    CHECK(journal->total_bytes() <= 2 * 4096 + 4096);
    CHECK(list_segments(setup.dir).size() <= 3);
    CHECK(read_journal(setup.dir).jobs.empty());
}

TEST_CASE("A broker refuses to start on an unreadable journal and leaves the file in place") {
    JournaledConfig setup;
    fs::create_directories(setup.dir);
    const std::string path = segment_path(setup.dir, 1);
    std::ofstream(path, std::ios::binary) << "NOTAJOURNALFILE_____xxxxxxxx";
    try {
        Broker broker(setup.config);
        FAIL("the broker started on an unreadable journal");
    } catch (const JournalError& error) {
        CHECK_THAT(error.what(), Catch::Contains(path));
        CHECK_THAT(error.what(), Catch::Contains("bad magic"));
    }
    CHECK(fs::file_size(path) == 28);
}
