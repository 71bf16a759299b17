// The broker's ZeroMQ throughput with the HTTP server on and /metrics scraped every second,
// beside the same run with it off: pairs of runs alternate the order, and each pair gives a ratio.
#include "bench_peers.hpp"
#include "ferry/broker/broker.hpp"
#include "ferry/http/http_service.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <httplib.h>
#include <spdlog/spdlog.h>
#include <thread>
#include <vector>

namespace {

struct Options {
    std::uint64_t jobs = 1000000;      // jobs per run
    std::size_t payload = 100;         // payload bytes per job
    std::size_t submit_batch = 1000;   // jobs per SUBMIT
    std::uint64_t window = 50000;      // producer jobs without outcome, at most
    std::uint64_t worker_batch = 1024; // jobs per JOBS
    std::uint64_t credit = 8192;       // worker credit
    int pairs = 5;                     // (off, on) pairs
    double scrape_s = 1.0;             // seconds between scrapes
};

// Scrapes /metrics (and /v1/status) every `period` until stopped; counts the scrapes.
class Scraper {
  public:
    Scraper(int port, double period_s) : thread_([this, port, period_s] { run(port, period_s); }) {}
    ~Scraper() {
        {
            const std::lock_guard lock(mutex_);
            stop_ = true;
        }
        wake_.notify_all();
        thread_.join();
    }
    [[nodiscard]] int scrapes() const { return scrapes_; }

  private:
    void run(int port, double period_s) {
        httplib::Client client("127.0.0.1", port);
        std::unique_lock lock(mutex_);
        while (!stop_) {
            lock.unlock();
            const auto metrics = client.Get("/metrics");
            const auto status = client.Get("/v1/status");
            if (metrics && metrics->status == 200 && status && status->status == 200) {
                ++scrapes_;
            }
            lock.lock();
            wake_.wait_for(lock, std::chrono::duration<double>(period_s), [this] { return stop_; });
        }
    }

    std::mutex mutex_;
    std::condition_variable wake_;
    bool stop_ = false;
    std::atomic<int> scrapes_{0};
    std::thread thread_;
};

double run(const Options& options, bool http) {
    ferry::broker::BrokerConfig config;
    config.producers_endpoint = "tcp://127.0.0.1:*";
    config.workers_endpoint = "tcp://127.0.0.1:*";
    config.internal_producers_endpoint = "inproc://bench-http";
    config.max_pending = options.window * 2;
    config.types["echo"].batch = {static_cast<std::uint32_t>(options.worker_batch), 0};
    ferry::broker::Broker broker(config);
    std::thread loop([&broker] { broker.run(); });
    std::unique_ptr<ferry::http::HttpService> server;
    std::unique_ptr<Scraper> scraper;
    if (http) {
        ferry::http::HttpConfig settings;
        settings.enabled = true;
        server = std::make_unique<ferry::http::HttpService>(
            settings, broker.context(), config.internal_producers_endpoint,
            ferry::http::ServiceInfo{"bench", "bench", "broker"});
        scraper = std::make_unique<Scraper>(server->port(), options.scrape_s);
    }
    zmq::context_t context(1);
    std::thread worker([&] {
        ferry::bench::run_echo_worker(context, broker.endpoints().workers, options.credit,
                                      options.worker_batch);
    });
    const auto report =
        ferry::bench::run_producer(context, broker.endpoints().producers, options.jobs,
                                   options.payload, options.submit_batch, options.window);
    const int scrapes = scraper ? scraper->scrapes() : 0;
    scraper.reset();
    if (server) {
        server->stop();
    }
    broker.request_stop();
    loop.join();
    worker.join();
    const double rate = static_cast<double>(report.outcomes) / report.seconds;
    std::printf("  http %-3s %llu jobs in %.3f s = %.0f jobs/s (scrapes %d)\n", http ? "on" : "off",
                static_cast<unsigned long long>(report.outcomes), report.seconds, rate, scrapes);
    return rate;
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

} // namespace

int main(int argc, char** argv) {
    Options options;
    CLI::App app{"Broker throughput with the HTTP server on and scraped, beside it off"};
    app.add_option("--jobs", options.jobs, "jobs per run")->capture_default_str();
    app.add_option("--pairs", options.pairs, "(off, on) pairs of runs")->capture_default_str();
    app.add_option("--scrape-s", options.scrape_s, "seconds between scrapes")
        ->capture_default_str();
    CLI11_PARSE(app, argc, argv);
    spdlog::set_level(spdlog::level::warn);
    std::vector<double> off;
    std::vector<double> on;
    std::vector<double> ratios;
    for (int pair = 0; pair < options.pairs; ++pair) {
        const bool on_first = pair % 2 == 1; // alternate, so drift does not favour one side
        const double first = run(options, on_first);
        const double second = run(options, !on_first);
        off.push_back(on_first ? second : first);
        on.push_back(on_first ? first : second);
        ratios.push_back(on.back() / off.back());
    }
    std::printf("http off: median %.0f jobs/s (min %.0f, max %.0f)\n", median(off),
                *std::min_element(off.begin(), off.end()),
                *std::max_element(off.begin(), off.end()));
    std::printf("http on, scraped every %.1f s: median %.0f jobs/s (min %.0f, max %.0f)\n",
                options.scrape_s, median(on), *std::min_element(on.begin(), on.end()),
                *std::max_element(on.begin(), on.end()));
    std::printf("ratio on/off per pair: median %.3f (min %.3f, max %.3f)\n", median(ratios),
                *std::min_element(ratios.begin(), ratios.end()),
                *std::max_element(ratios.begin(), ratios.end()));
    return 0;
}
