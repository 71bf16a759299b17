// A scheduler wired to a recording sink, with a hand-driven clock, for the logic tests.
#pragma once

#include "ferry/broker/scheduler.hpp"
#include "ferry/wire/codec.hpp"

#include <map>

namespace ferry::broker::testing {

namespace wire = ferry::wire;

// Records every message the scheduler emits; can pretend a worker is unreachable.
class RecordingSink : public SchedulerSink {
  public:
    JobsSent send_jobs(WorkerRecord& worker, wire::Jobs& jobs) override {
        if (unreachable == worker.name) {
            return JobsSent::gone;
        }
        sent[worker.name].push_back(jobs);
        return JobsSent::sent;
    }
    void send_cancel(WorkerRecord& worker, wire::Cancel&& cancel) override {
        cancels[worker.name].push_back(std::move(cancel));
    }
    // Decodes the kept outcome record the way a producer would, inside an OUTCOMES message.
    void deliver(std::string_view client, std::uint32_t session, JobRef job,
                 std::string_view outcome) override {
        wire::Frames frames;
        wire::encode_outcomes(outcome, 1, frames);
        auto decoded = wire::decode(frames.header, frames.body);
        auto& message = std::get<wire::Outcomes>(std::get<wire::Message>(decoded));
        outcomes[std::string(client)].push_back(std::move(message.outcomes.at(0)));
        sessions[std::string(client)].push_back(session);
        delivered[std::string(client)].push_back(job);
    }
    void kept_changed(std::string_view client, int delta) override {
        kept[std::string(client)] += delta;
    }
    std::map<std::string, std::vector<wire::Jobs>> sent;        // worker -> JOBS sent
    std::map<std::string, std::vector<wire::Cancel>> cancels;   // worker -> CANCELs sent
    std::map<std::string, std::vector<wire::Outcome>> outcomes; // client -> outcomes
    std::map<std::string, std::vector<std::uint32_t>> sessions; // client -> session of each
    std::map<std::string, std::vector<JobRef>> delivered;       // client -> job of each
    std::map<std::string, int> kept;                            // client -> outcomes kept
    std::string unreachable;                                    // worker whose sends fail
};

// A job of a previous broker life as the journal hands it back: client c1, type echo, at most
// 3 attempts.
inline RestoredJob restored_job(const std::string& id, std::uint32_t attempts, bool in_flight,
                                std::optional<std::string> outcome = std::nullopt) {
    RestoredJob job;
    job.client = "c1";
    job.id = id;
    job.type = "echo";
    job.payload = "\xa2hi";
    job.max_attempts = 3;
    job.attempts = attempts;
    job.in_flight = in_flight;
    job.outcome = std::move(outcome);
    return job;
}

// A scheduler, its sink, its config and a clock that moves only when told.
struct SchedulerFixture {
    explicit SchedulerFixture(BrokerConfig cfg = {})
        : config(std::move(cfg)), scheduler(config, sink, 42) {}

    void submit(const std::string& id, std::int64_t priority = 0,
                const std::string& type = "echo") {
        wire::SubmitJob job{id, type, "\xa1x", priority, std::nullopt, std::nullopt};
        scheduler.submit("client", std::move(job), now);
    }
    // A worker serving `echo` whose handler announces max_batch and, if given, max_delay_ms.
    WorkerRecord& ready(const std::string& name, std::uint64_t credit, std::uint64_t max_batch = 64,
                        std::optional<std::uint64_t> max_delay_ms = std::nullopt) {
        wire::Ready message{name, "host", 1, {{"echo", max_batch, max_delay_ms}}, credit, 100};
        return scheduler.worker_ready(message, "route-" + name, now);
    }
    void answer(const std::string& worker, const std::string& key, bool ok,
                const std::string& code = "HANDLER_ERROR") {
        wire::Result result{key, ok, std::nullopt, std::nullopt, std::nullopt};
        if (ok) {
            result.result.emplace(1, '\xc0');
        } else {
            result.error = wire::Error{code, std::string(4, 'b'), std::string(9, 't'), std::nullopt,
                                       std::nullopt};
        }
        scheduler.worker_results(scheduler.workers().by_name(worker),
                                 wire::Results{{std::move(result)}, std::nullopt}, now);
    }
    // Ids (keys) of every job sent to a worker, in order.
    std::vector<std::string> sent_keys(const std::string& worker) {
        std::vector<std::string> keys;
        for (const auto& jobs : sink.sent[worker]) {
            for (const auto& job : jobs.jobs) {
                keys.push_back(job.id);
            }
        }
        return keys;
    }
    void advance(long long ms) {
        now += Millis(ms);
        scheduler.tick(now);
        scheduler.dispatch(now);
    }

    BrokerConfig config; // settings under test
    RecordingSink sink;  // what went out
    Scheduler scheduler; // the unit under test
    TimePoint now{};     // the fake clock
};

inline std::string key(const std::string& id) {
    return make_job_key("client", id);
}

} // namespace ferry::broker::testing
