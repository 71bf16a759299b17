// Integration over real sockets: STATUS on both endpoints reports workers, queues and counters.
#include "fake_peers.hpp"

#include <catch2/catch.hpp>
#include <msgpack.hpp>

using namespace ferry::broker;
using namespace ferry::broker::testing;

namespace {
std::map<std::string, msgpack::object> as_map(const msgpack::object& object) {
    std::map<std::string, msgpack::object> fields;
    for (std::uint32_t i = 0; i < object.via.map.size; ++i) {
        fields.emplace(object.via.map.ptr[i].key.as<std::string>(), object.via.map.ptr[i].val);
    }
    return fields;
}
} // namespace

TEST_CASE("STATUS reports workers, queue depths, counters and dead letters") {
    auto config = test_config();
    config.default_type.max_attempts = 1;
    RunningBroker broker(config);
    zmq::context_t context;
    FakeWorker worker(context, broker.endpoints().workers, "w1", 2);
    FakeProducer producer(context, broker.endpoints().producers);
    REQUIRE(producer.submit("job", 2));
    REQUIRE(producer.submit("queued", 3, "ocr"));
    const auto fail_first = [](const wire::Job& job) -> std::optional<wire::Result> {
        if (job.id.find("job0") != std::string::npos) {
            return wire::Result{
                job.id, false, std::nullopt,
                wire::Error{"INVALID_ARGUMENT", "bad", std::nullopt, std::nullopt, std::nullopt},
                std::nullopt};
        }
        return FakeWorker::echo(job);
    };
    worker.serve(milliseconds(2000), fail_first, [&] { return worker.received.size() >= 2; });
    producer.collect(2);
    for (const auto* endpoint : {&broker.endpoints().producers, &broker.endpoints().workers}) {
        Peer admin(context, *endpoint);
        admin.send(wire::Status{});
        auto reply = admin.expect<wire::StatusReply>();
        REQUIRE(reply);
        const auto handle = msgpack::unpack(reply->status.data(), reply->status.size());
        auto status = as_map(handle.get());
        CHECK(status.at("done").as<std::uint64_t>() == 1);
        CHECK(status.at("failed").as<std::uint64_t>() == 1);
        CHECK(status.at("pending").as<std::uint64_t>() == 3);
        CHECK(as_map(status.at("queues")).at("ocr").as<std::uint64_t>() == 3);
        REQUIRE(status.at("workers").via.array.size == 1);
        auto worker_fields = as_map(status.at("workers").via.array.ptr[0]);
        CHECK(worker_fields.at("worker").as<std::string>() == "w1");
        CHECK(worker_fields.at("pid").as<std::uint64_t>() == 1);
        REQUIRE(status.at("dead_letters").via.array.size == 1);
        auto letter = as_map(status.at("dead_letters").via.array.ptr[0]);
        CHECK(letter.at("id").as<std::string>() == "job0");
        for (const char* key : {"broker", "uptime_s", "in_flight", "duplicates_dropped",
                                "malformed_messages", "rates"}) {
            CHECK(status.count(key) == 1);
        }
    }
}
