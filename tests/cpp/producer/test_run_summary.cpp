// The run summary's latency percentiles: a fixed-size histogram held to its stated precision.
#include "ferry/producer/latency_histogram.hpp"
#include "ferry/producer/run_summary.hpp"
#include "heap_usage.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <vector>

using namespace ferry::producer;

namespace {

// The nearest-rank percentile of the samples, the definition the summary has always used.
double exact_percentile(std::vector<double> samples, double fraction) {
    std::sort(samples.begin(), samples.end());
    auto rank = static_cast<std::size_t>(std::ceil(fraction * double(samples.size())));
    return samples[std::clamp<std::size_t>(rank, 1, samples.size()) - 1];
}

// The bound LatencyHistogram states: 1/256 of the value plus half a microsecond of rounding.
void check_within_precision(const std::vector<double>& samples) {
    LatencyHistogram histogram;
    for (double ms : samples)
        histogram.record(ms);
    for (double fraction : {0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1.0}) {
        const double exact = exact_percentile(samples, fraction);
        const double bound = exact * LatencyHistogram::relative_precision + 0.0005 + 1e-12;
        INFO("fraction " << fraction << ": exact " << exact << " ms, histogram "
                         << histogram.percentile(fraction) << " ms");
        CHECK(std::abs(histogram.percentile(fraction) - exact) <= bound);
    }
    CHECK(histogram.max_ms() == *std::max_element(samples.begin(), samples.end()));
}

} // namespace

TEST_CASE("histogram percentiles are within their stated precision of the exact ones") {
    std::mt19937_64 random(7);
    SECTION("latencies spread from 10 microseconds to a minute") {
        std::lognormal_distribution<double> spread(std::log(5.0), 2.5);
        std::vector<double> samples(200'000);
        for (double& ms : samples)
            ms = std::clamp(spread(random), 0.01, 60'000.0);
        check_within_precision(samples);
    }
    SECTION("fast jobs under a millisecond, where buckets are single microseconds") {
        std::uniform_real_distribution<double> fast(0.0, 0.9);
        std::vector<double> samples(50'000);
        for (double& ms : samples)
            ms = fast(random);
        check_within_precision(samples);
    }
    SECTION("a handful of very slow jobs among fast ones") {
        std::vector<double> samples(1000, 1.25);
        samples.push_back(3'600'000.0);       // an hour
        samples.push_back(86'400'000.0 * 20); // twenty days: past the last bucket's bound
        check_within_precision(samples);
    }
}

TEST_CASE("an empty histogram reports zeros") {
    LatencyHistogram histogram;
    CHECK(histogram.percentile(0.5) == 0);
    CHECK(histogram.max_ms() == 0);
}

TEST_CASE("a run summary's memory does not grow with the number of outcomes") {
    RunSummary summary;
    JobOutcome outcome;
    outcome.ok = true;
    summary.record(outcome); // any first-use allocation happens here
    const std::size_t before = ferry::test::heap_bytes_in_use();
    for (int i = 0; i < 500'000; ++i) {
        outcome.ms = 0.5 + (i % 1000) * 0.01;
        summary.record(outcome);
    }
    const std::size_t after = ferry::test::heap_bytes_in_use();
    CHECK(after - before < 4096);
    CHECK(summary.jobs() == 500'001);
    CHECK(std::abs(summary.latency().p50 - 5.49) <= 5.49 / 256 + 0.0005);
    CHECK_THAT(summary.to_json(), Catch::Contains("\"latency_ms\":{\"p50\":"));
}

TEST_CASE("The summary tells start-up from work: throughput over first dispatch to last outcome") {
    RunSummary summary;
    summary.set_startup_offset(2.0); // the pools took 2 s to come up
    // Three jobs accepted at 0 s; the first dispatched at 1 s, the last outcome at 3 s.
    const auto outcome = [](double ms, double queue_ms, double handler_ms) {
        JobOutcome job;
        job.ok = true;
        job.ms = ms;
        job.queue_ms = queue_ms;
        job.handler_ms = handler_ms;
        return job;
    };
    summary.record(outcome(1500, 1000, 400), {}, 1.5);
    summary.record(outcome(2500, 2000, 400), {}, 2.5);
    summary.record(outcome(3000, 2800, 100), {}, 3.0);
    CHECK(summary.startup_seconds() == Approx(3.0));
    CHECK(summary.work_seconds() == Approx(2.0));
    CHECK(summary.queue_latency().p50 == Approx(2000).epsilon(0.01));
    CHECK(summary.handler_latency().max == Approx(400));
    const std::string json = summary.to_json();
    CHECK_THAT(json, Catch::Contains("\"startup_s\":3.000"));
    CHECK_THAT(json, Catch::Contains("\"work_s\":2.000"));
    CHECK_THAT(json, Catch::Contains("\"jobs_per_s\":1.5"));
    CHECK_THAT(json, Catch::Contains("\"queue_ms\":{\"p50\":"));
    CHECK_THAT(json, Catch::Contains("\"handler_ms\":{\"p50\":"));
    CHECK_THAT(summary.to_text(), Catch::Contains("startup 3.00 s"));
}

TEST_CASE("The wall time counts the pools' wait, so it is never shorter than the start-up") {
    RunSummary summary;
    summary.set_startup_offset(2.0); // the pools took 2 s to come up
    JobOutcome job;
    job.ok = true;
    job.ms = 500;
    job.queue_ms = 100;
    summary.record(job, {}, 0.5);
    summary.set_wall_seconds(0.6); // the session alone
    CHECK(summary.wall_seconds() == Approx(2.6));
    CHECK(summary.wall_seconds() >= summary.startup_seconds());
    CHECK_THAT(summary.to_json(), Catch::Contains("\"wall_s\":2.600"));
    CHECK_THAT(summary.to_text(), Catch::Contains("wall 2.60 s"));
}
