// Broker throughput with native producer and worker, beside raw libzmq PUSH/PULL in the same run.
#include "bench_peers.hpp"
#include "ferry/broker/broker.hpp"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <spdlog/spdlog.h>
#include <thread>

namespace {

struct Options {
    std::uint64_t jobs = 2000000;         // jobs per broker run
    std::size_t payload = 100;            // payload bytes per job
    std::size_t submit_batch = 1000;      // jobs per SUBMIT
    std::uint64_t window = 50000;         // producer jobs without outcome, at most
    std::uint64_t worker_batch = 1024;    // jobs per JOBS (type max_size and worker max_batch)
    std::uint64_t credit = 8192;          // worker credit
    int runs = 3;                         // broker runs (best is reported, all are printed)
    std::uint64_t raw_messages = 5000000; // messages of the raw baseline
    std::uint32_t liveness = 3; // broker liveness; raise it under valgrind, which starves threads
    std::string journal;        // journal directory (empty: off), wiped before each run
    std::string fsync = "interval_ms"; // journal fsync policy: always, interval_ms, off
    bool curve = false;                // CURVE on both endpoints (fresh keys, allow-listed)
};

ferry::broker::FsyncPolicy fsync_policy(const std::string& name) {
    if (name == "always") {
        return ferry::broker::FsyncPolicy::always;
    }
    return name == "off" ? ferry::broker::FsyncPolicy::off
                         : ferry::broker::FsyncPolicy::interval_ms;
}

double broker_run(const Options& options) {
    ferry::broker::BrokerConfig config;
    config.producers_endpoint = "tcp://127.0.0.1:*";
    config.workers_endpoint = "tcp://127.0.0.1:*";
    config.max_pending = options.window * 2;
    config.liveness = options.liveness;
    config.types["echo"].batch = {static_cast<std::uint32_t>(options.worker_batch), 0};
    if (!options.journal.empty()) {
        std::filesystem::remove_all(options.journal);
        config.journal.path = options.journal;
        config.journal.fsync = fsync_policy(options.fsync);
    }
    ferry::security::ClientCurve producer_keys;
    ferry::security::ClientCurve worker_keys;
    if (options.curve) {
        const auto server = ferry::security::generate_key_pair();
        producer_keys = {server.public_key, ferry::security::generate_key_pair()};
        worker_keys = {server.public_key, ferry::security::generate_key_pair()};
        ferry::security::KeyRing ring;
        ring.grant(producer_keys.keys.public_key, ferry::security::role_producer);
        ring.grant(worker_keys.keys.public_key, ferry::security::role_worker);
        config.security.secret_key = server.secret_key;
        config.security.public_key = server.public_key;
        config.security.keys = std::make_shared<ferry::security::KeyRingHolder>(std::move(ring));
    }
    ferry::broker::Broker broker(config);
    std::thread loop([&broker] { broker.run(); });
    zmq::context_t context(1);
    std::thread worker([&] {
        ferry::bench::run_echo_worker(context, broker.endpoints().workers, options.credit,
                                      options.worker_batch, worker_keys);
    });
    const auto report = ferry::bench::run_producer(
        context, broker.endpoints().producers, options.jobs, options.payload, options.submit_batch,
        options.window, producer_keys);
    broker.request_stop();
    loop.join();
    worker.join();
    const double rate = static_cast<double>(report.outcomes) / report.seconds;
    std::printf("  broker run: %llu jobs in %.3f s = %.0f jobs/s (failed %llu, rejected %llu)\n",
                static_cast<unsigned long long>(report.outcomes), report.seconds, rate,
                static_cast<unsigned long long>(report.failed),
                static_cast<unsigned long long>(report.rejected));
    return rate;
}

} // namespace

int main(int argc, char** argv) {
    Options options;
    CLI::App app{"Ferry broker throughput beside raw libzmq PUSH/PULL"};
    app.add_option("--jobs", options.jobs, "jobs per broker run")->capture_default_str();
    app.add_option("--payload", options.payload, "payload bytes per job")->capture_default_str();
    app.add_option("--submit-batch", options.submit_batch, "jobs per SUBMIT")
        ->capture_default_str();
    app.add_option("--window", options.window, "producer in-flight window")->capture_default_str();
    app.add_option("--worker-batch", options.worker_batch, "jobs per JOBS")->capture_default_str();
    app.add_option("--credit", options.credit, "worker credit")->capture_default_str();
    app.add_option("--runs", options.runs, "broker runs")->capture_default_str();
    app.add_option("--raw-messages", options.raw_messages, "raw baseline messages")
        ->capture_default_str();
    app.add_option("--journal", options.journal, "journal directory (wiped per run; empty: off)");
    app.add_option("--fsync", options.fsync, "journal fsync: always, interval_ms (10 ms), off")
        ->capture_default_str();
    app.add_option("--liveness", options.liveness, "missed heartbeats before a worker is purged")
        ->capture_default_str();
    app.add_flag("--curve", options.curve, "CURVE on both endpoints, peers with listed keys");
    CLI11_PARSE(app, argc, argv);
    spdlog::set_level(spdlog::level::warn);

    zmq::context_t raw_context(1);
    const double raw =
        ferry::bench::raw_push_pull(raw_context, options.raw_messages, options.payload);
    std::printf("raw libzmq PUSH/PULL, %zu-byte messages over tcp loopback: %.0f msgs/s\n",
                options.payload, raw);
    double best = 0;
    for (int run = 0; run < options.runs; ++run) {
        best = std::max(best, broker_run(options));
    }
    std::printf("broker (SUBMIT x%zu -> JOBS x%llu -> RESULTS -> OUTCOMES), %zu-byte payloads: "
                "best %.0f jobs/s\n",
                options.submit_batch, static_cast<unsigned long long>(options.worker_batch),
                options.payload, best);
    std::printf("ratio broker jobs/s : raw msgs/s = %.2f\n", best / raw);
    return 0;
}
