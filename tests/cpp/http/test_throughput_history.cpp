// The throughput history behind the status page's chart.
#include "ferry/http/throughput_history.hpp"

#include <catch2/catch.hpp>
#include <msgpack.hpp>

using namespace ferry::http;
using namespace std::chrono_literals;

namespace {

// A broker that never answers: the sampler records nothing, the test feeds record() itself.
class SilentBroker : public BrokerLink {
  public:
    std::string status() override { throw LinkError("not running"); }
    AdminReply admin(const std::string&, const std::string&) override {
        throw LinkError("not running");
    }
};

std::string status_with(std::uint64_t done, std::uint64_t failed) {
    msgpack::sbuffer buffer;
    msgpack::packer packer(buffer);
    packer.pack_map(3);
    packer.pack(std::string("done"));
    packer.pack(done);
    packer.pack(std::string("failed"));
    packer.pack(failed);
    packer.pack(std::string("workers"));
    packer.pack_array(0);
    return {buffer.data(), buffer.size()};
}

} // namespace

TEST_CASE("finished jobs are read from the status map's counters") {
    CHECK(finished_jobs(status_with(40, 2)) == std::optional<std::uint64_t>(42));
    CHECK_FALSE(finished_jobs("\x90"));        // an array, not a map
    CHECK_FALSE(finished_jobs("\xc1garbage")); // not MessagePack
}

TEST_CASE("rates are finished jobs per second between samples, never negative") {
    SilentBroker broker;
    ThroughputHistory history(broker);
    const auto start = std::chrono::steady_clock::time_point{} + 1h;
    history.record(100, start, 1000);
    CHECK(history.json() == R"({"interval_s":2,"samples":[]})");
    history.record(300, start + 2s, 3000);
    history.record(50, start + 4s, 5000); // the broker restarted: counts from zero again
    CHECK(
        history.json() ==
        R"({"interval_s":2,"samples":[{"t":3000,"done_per_s":100.000},{"t":5000,"done_per_s":0.000}]})");
}

TEST_CASE("the history keeps the last fifteen minutes") {
    SilentBroker broker;
    ThroughputHistory history(broker);
    const auto start = std::chrono::steady_clock::time_point{} + 1h;
    for (std::size_t i = 0; i <= ThroughputHistory::kept + 10; ++i) {
        history.record(i, start + std::chrono::seconds(2 * i), static_cast<std::int64_t>(i));
    }
    const std::string json = history.json();
    CHECK(json.find(R"({"t":10,)") == std::string::npos);
    CHECK(json.find(R"({"t":11,)") != std::string::npos);
    CHECK(json.find(R"({"t":460,)") != std::string::npos);
}
