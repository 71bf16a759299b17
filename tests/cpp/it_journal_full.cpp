// Integration over real sockets: a broker whose journal disk fills up (a real tmpfs) refuses new
// jobs with JOURNAL_FULL, keeps serving the ones it holds, and recovers by itself.
#include "fake_peers.hpp"
#include "tmpfs_mount.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

using namespace ferry::broker;
using namespace ferry::broker::testing;
namespace fs = std::filesystem;

namespace {

void fill_disk(const std::string& path) {
    std::ofstream filler(path, std::ios::binary);
    const std::string block(4096, '\0');
    while (filler.write(block.data(), static_cast<std::streamsize>(block.size()))) {
    }
}

wire::Submit batch(const FakeProducer& producer, std::uint64_t seq, const std::string& prefix,
                   std::size_t count) {
    wire::Submit submit{producer.client(), producer.session(), seq, {}};
    for (std::size_t i = 0; i < count; ++i) {
        submit.jobs.push_back({prefix + std::to_string(i), "echo", std::string(200, 'x'),
                               std::nullopt, std::nullopt, std::nullopt});
    }
    return submit;
}

// The next ACCEPTED or REJECTED for `seq`, taking outcomes that arrive meanwhile.
std::optional<wire::Message> answer_to(FakeProducer& producer, std::uint64_t seq) {
    const auto deadline = std::chrono::steady_clock::now() + milliseconds(5000);
    while (std::chrono::steady_clock::now() < deadline) {
        auto message = producer.peer().receive(milliseconds(10));
        if (!message) {
            continue;
        }
        if (const auto* accepted = std::get_if<wire::Accepted>(&*message);
            accepted && accepted->seq == seq) {
            return message;
        }
        if (const auto* rejected = std::get_if<wire::Rejected>(&*message);
            rejected && rejected->seq == seq) {
            return message;
        }
    }
    return std::nullopt;
}

} // namespace

TEST_CASE(
    "A full journal disk refuses new jobs, serves held ones, and recovers when space returns") {
    ferry::test::TmpfsMount disk(1 << 20);
    if (!disk.mounted()) {
        WARN(disk.why() << ": not run (needs root)");
        return;
    }
    auto config = test_config();
    config.journal.path = disk.path("journal");
    config.journal.fsync = FsyncPolicy::off;
    config.shutdown_grace_s = 0;
    RunningBroker broker(config);
    zmq::context_t context;
    FakeProducer producer(context, broker.endpoints().producers, "p1", "s1");
    producer.peer().send(batch(producer, 1, "held", 10));
    REQUIRE(answer_to(producer, 1));

    fill_disk(disk.path("filler"));
    producer.peer().send(batch(producer, 2, "first", 50)); // its records meet the full disk
    REQUIRE(wait_for_counter(context, broker.endpoints().producers, "journal_full", 1));
    producer.peer().send(batch(producer, 3, "later", 5));
    const auto refused = answer_to(producer, 3);
    REQUIRE(refused);
    REQUIRE(std::holds_alternative<wire::Rejected>(*refused));
    CHECK(std::get<wire::Rejected>(*refused).code == "JOURNAL_FULL");

    FakeWorker worker(context, broker.endpoints().workers, "w1", 100);
    worker.serve(milliseconds(3000), FakeWorker::echo,
                 [&] { return worker.received.size() >= 60; });
    producer.collect(60); // held jobs, and the batch whose ACCEPTED waits for the disk, still run
    CHECK(producer.outcomes.size() == 60);

    fs::remove(disk.path("filler"));
    const auto accepted = answer_to(producer, 2); // its ACCEPTED leaves once written
    REQUIRE(accepted);
    CHECK(std::get<wire::Accepted>(*accepted).accepted == 50);
    producer.peer().send(batch(producer, 4, "later", 5));
    const auto taken = answer_to(producer, 4);
    REQUIRE(taken);
    CHECK(std::holds_alternative<wire::Accepted>(*taken));
    CHECK(status_counter(context, broker.endpoints().producers, "journal_full_rejects") >= 1u);
}
