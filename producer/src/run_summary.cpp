// The run summary: counts, throughput, latency percentiles, per-worker tallies.
#include "ferry/producer/run_summary.hpp"

#include "ferry/producer/json_msgpack.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace ferry::producer {
namespace {

template <typename Counts> void append_counts(const Counts& counts, std::string& out) {
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

Percentiles percentiles_of(const LatencyHistogram& histogram) {
    return {histogram.percentile(0.50), histogram.percentile(0.95), histogram.percentile(0.99),
            histogram.max_ms()};
}

std::string json_percentiles(const Percentiles& p) {
    return fmt::format("{{\"p50\":{:.3f},\"p95\":{:.3f},\"p99\":{:.3f},\"max\":{:.3f}}}", p.p50,
                       p.p95, p.p99, p.max);
}

std::string text_percentiles(const char* name, const Percentiles& p) {
    return fmt::format("{:<10}  p50 {:.2f}  p95 {:.2f}  p99 {:.2f}  max {:.2f}\n", name, p.p50,
                       p.p95, p.p99, p.max);
}

} // namespace

double RunSummary::wall_seconds() const {
    return startup_offset_s_ + wall_s_;
}

double RunSummary::startup_seconds() const {
    return startup_offset_s_ + std::max(first_dispatch_s_, 0.0);
}

double RunSummary::work_seconds() const {
    return first_dispatch_s_ < 0 ? 0 : std::max(last_outcome_s_ - first_dispatch_s_, 0.0);
}

Percentiles RunSummary::queue_latency() const {
    return percentiles_of(queue_latency_);
}

Percentiles RunSummary::handler_latency() const {
    return percentiles_of(handler_latency_);
}

// Queue and handler times, and the window in which the workers worked.
void RunSummary::record_timing(const JobOutcome& job, double at_s) {
    if (job.queue_ms)
        queue_latency_.record(*job.queue_ms);
    if (job.handler_ms)
        handler_latency_.record(*job.handler_ms);
    if (at_s >= 0 && job.queue_ms) {
        // The broker's ms runs from accept to outcome; its queue_ms to the last dispatch.
        const double dispatched_s = at_s - std::max(job.ms - *job.queue_ms, 0.0) / 1000;
        if (first_dispatch_s_ < 0 || dispatched_s < first_dispatch_s_)
            first_dispatch_s_ = std::max(dispatched_s, 0.0);
        last_outcome_s_ = std::max(last_outcome_s_, at_s);
    }
}

void RunSummary::declare_stages(const std::vector<std::string>& names) {
    for (const auto& name : names)
        stages_.emplace_back(name, StageCounts{});
}

void RunSummary::record_stage(std::string_view stage, const JobOutcome& job,
                              const std::vector<FieldValue>& expected, double at_s) {
    record_timing(job, at_s);
    auto it = std::find_if(stages_.begin(), stages_.end(),
                           [stage](const auto& entry) { return entry.first == stage; });
    if (it == stages_.end())
        it = stages_.emplace(stages_.end(), std::string(stage), StageCounts{});
    ++(job.ok ? it->second.succeeded : it->second.failed);
    if (job.attempts > 1) {
        it->second.retries += job.attempts - 1;
        retries_ += job.attempts - 1;
    }
    aggregates_.record_stage(stage, job, expected);
}

void RunSummary::record(const JobOutcome& outcome, const std::vector<FieldValue>& expected,
                        double at_s) {
    // A multi-stage item's timing came with its stage jobs; it counts in the rate when the
    // workers worked on it.
    const bool staged = !stages_.empty();
    if (!staged)
        record_timing(outcome, at_s);
    if (at_s >= 0 && (outcome.queue_ms || (staged && first_dispatch_s_ >= 0))) {
        last_outcome_s_ = std::max(last_outcome_s_, at_s);
        ++timed_;
    }
    aggregates_.record(outcome, expected);
    if (outcome.ok) {
        ++succeeded_;
    } else {
        ++failed_;
        ++failures_by_code_[outcome.error.code];
    }
    if (outcome.attempts > 1 && !staged)
        retries_ += outcome.attempts - 1;
    latency_.record(outcome.ms);
    if (outcome.worker.empty())
        return;
    if (auto it = per_worker_.find(outcome.worker); it != per_worker_.end()) {
        ++it->second;
    } else {
        per_worker_.emplace(outcome.worker, 1);
    }
}

Percentiles RunSummary::latency() const {
    return percentiles_of(latency_);
}

// Throughput counts the jobs that ran over the time workers ran them (first dispatch to last
// outcome), so the workers' start-up does not dilute it; startup_s reports that apart.
std::string RunSummary::to_json() const {
    const double work = work_seconds();
    const double rate = work > 0 ? double(timed_) / work : 0;
    std::string out = fmt::format(
        "{{\"jobs\":{},\"succeeded\":{},\"failed\":{},\"duplicates_dropped\":{},\"retries\":{},"
        "\"resumed\":{},\"wall_s\":{:.3f},\"startup_s\":{:.3f},\"work_s\":{:.3f},"
        "\"jobs_per_s\":{:.1f},\"latency_ms\":{},\"queue_ms\":{},\"handler_ms\":{},"
        "\"per_worker\":",
        jobs(), succeeded_, failed_, duplicates_dropped_, retries_, resumed_, wall_seconds(),
        startup_seconds(), work, rate, json_percentiles(latency()),
        json_percentiles(queue_latency()), json_percentiles(handler_latency()));
    append_counts(per_worker_, out);
    out += ",\"failures_by_code\":";
    append_counts(failures_by_code_, out);
    if (!stages_.empty()) {
        out += ",\"stages\":{";
        for (const auto& [name, counts] : stages_) {
            if (out.back() != '{')
                out += ",";
            append_json_string(name, out);
            fmt::format_to(std::back_inserter(out),
                           ":{{\"jobs\":{},\"succeeded\":{},\"failed\":{},\"retries\":{}}}",
                           counts.succeeded + counts.failed, counts.succeeded, counts.failed,
                           counts.retries);
        }
        out += "}";
    }
    out += ",\"aggregates\":" + aggregates_.to_json() + "}";
    return out;
}

std::string RunSummary::to_text() const {
    const double work = work_seconds();
    const double rate = work > 0 ? double(timed_) / work : 0;
    std::string out =
        fmt::format("jobs {}  succeeded {}  failed {}  retries {}  duplicates dropped {}\n"
                    "wall {:.2f} s  startup {:.2f} s  work {:.2f} s  throughput {:.0f} jobs/s\n",
                    jobs(), succeeded_, failed_, retries_, duplicates_dropped_, wall_seconds(),
                    startup_seconds(), work, rate);
    out += text_percentiles("latency ms", latency());
    out += text_percentiles("queue ms", queue_latency());
    out += text_percentiles("handler ms", handler_latency());
    if (resumed_ > 0)
        out += fmt::format("resumed: {} jobs were already in the output\n", resumed_);
    for (const auto& [code, count] : failures_by_code_) {
        out += fmt::format("failed with {}: {}\n", code, count);
    }
    for (const auto& [name, counts] : stages_) {
        out += fmt::format("stage {}: {} jobs  succeeded {}  failed {}  retries {}\n", name,
                           counts.succeeded + counts.failed, counts.succeeded, counts.failed,
                           counts.retries);
    }
    out += aggregates_.to_text();
    for (const auto& [worker, count] : per_worker_) {
        out += fmt::format("worker {}: {} jobs\n", worker, count);
    }
    return out;
}

} // namespace ferry::producer
