// The run summary: counts, throughput, latency percentiles, per-worker tallies.
#include "ferry/producer/run_summary.hpp"

#include "ferry/producer/json_msgpack.hpp"

#include <fmt/format.h>

namespace ferry::producer {
namespace {

void append_counts(const std::map<std::string, std::uint64_t>& counts, std::string& out) {
    out += "{";
    bool first = true;
    for (const auto& [key, count] : counts) {
        if (!first)
            out += ",";
        first = false;
        append_json_string(key, out);
        fmt::format_to(std::back_inserter(out), ":{}", count);
    }
    out += "}";
}

} // namespace

void RunSummary::record(const JobOutcome& outcome, const std::vector<FieldValue>& expected) {
    aggregates_.record(outcome, expected);
    if (outcome.ok) {
        ++succeeded_;
    } else {
        ++failed_;
        ++failures_by_code_[outcome.error.code];
    }
    if (outcome.attempts > 1)
        retries_ += outcome.attempts - 1;
    latency_.record(outcome.ms);
    if (!outcome.worker.empty())
        ++per_worker_[outcome.worker];
}

Percentiles RunSummary::latency() const {
    return {latency_.percentile(0.50), latency_.percentile(0.95), latency_.percentile(0.99),
            latency_.max_ms()};
}

std::string RunSummary::to_json() const {
    Percentiles lat = latency();
    double rate = wall_s_ > 0 ? double(jobs()) / wall_s_ : 0;
    std::string out = fmt::format(
        "{{\"jobs\":{},\"succeeded\":{},\"failed\":{},\"duplicates_dropped\":{},\"retries\":{},"
        "\"resumed\":{},\"wall_s\":{:.3f},\"jobs_per_s\":{:.1f},"
        "\"latency_ms\":{{\"p50\":{:.3f},\"p95\":{:.3f},\"p99\":{:.3f},\"max\":{:.3f}}},"
        "\"per_worker\":",
        jobs(), succeeded_, failed_, duplicates_dropped_, retries_, resumed_, wall_s_, rate,
        lat.p50, lat.p95, lat.p99, lat.max);
    append_counts(per_worker_, out);
    out += ",\"failures_by_code\":";
    append_counts(failures_by_code_, out);
    out += ",\"aggregates\":" + aggregates_.to_json() + "}";
    return out;
}

std::string RunSummary::to_text() const {
    Percentiles lat = latency();
    double rate = wall_s_ > 0 ? double(jobs()) / wall_s_ : 0;
    std::string out =
        fmt::format("jobs {}  succeeded {}  failed {}  retries {}  duplicates dropped {}\n"
                    "wall {:.2f} s  throughput {:.0f} jobs/s\n"
                    "latency ms  p50 {:.2f}  p95 {:.2f}  p99 {:.2f}  max {:.2f}\n",
                    jobs(), succeeded_, failed_, retries_, duplicates_dropped_, wall_s_, rate,
                    lat.p50, lat.p95, lat.p99, lat.max);
    if (resumed_ > 0)
        out += fmt::format("resumed: {} jobs were already in the output\n", resumed_);
    for (const auto& [code, count] : failures_by_code_) {
        out += fmt::format("failed with {}: {}\n", code, count);
    }
    out += aggregates_.to_text();
    for (const auto& [worker, count] : per_worker_) {
        out += fmt::format("worker {}: {} jobs\n", worker, count);
    }
    return out;
}

} // namespace ferry::producer
