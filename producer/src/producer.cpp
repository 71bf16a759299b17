// The producer loop: bounded-window submission, outcome collection, de-duplication by id.
#include "ferry/producer/producer.hpp"

#include "ferry/wire/codec.hpp"

#include <fmt/format.h>
#include <random>
#include <spdlog/spdlog.h>
#include <unistd.h>
#include <utility>

namespace ferry::producer {
namespace {

constexpr auto status_interval = std::chrono::seconds(1);

// 64 random bits: what tells this producer process apart from any other claiming the same name.
std::string fresh_session() {
    std::random_device random;
    return fmt::format("{:08x}{:08x}", random(), random());
}

} // namespace

std::string fresh_client_name() {
    char host[256] = {};
    ::gethostname(host, sizeof(host) - 1);
    std::random_device random;
    return fmt::format("{}:{}:{:08x}", host, ::getpid(), random());
}

Producer::Producer(zmq::context_t& context, ProducerOptions options, JobSource& input,
                   OutputWriter& output, RunSummary& summary)
    : socket_(context, zmq::socket_type::dealer), options_(std::move(options)),
      handshakes_(context, socket_, options_.curve), session_(fresh_session()), input_(input),
      output_(output), summary_(summary) {
    if (options_.client.empty())
        options_.client = fresh_client_name();
    socket_.set(zmq::sockopt::linger, 0);
    socket_.set(zmq::sockopt::sndhwm, 0); // the window bounds what we queue, not the HWM
    socket_.set(zmq::sockopt::rcvhwm, 0);
    security::apply_client_curve(socket_, options_.curve);
    socket_.connect(options_.endpoint);
    outstanding_.reserve(options_.window);
    if (options_.stages) {
        stage_run_.emplace(options_.stages);
        std::vector<std::string> names;
        for (const auto& stage : options_.stages->stages())
            names.push_back(stage.name);
        summary_.declare_stages(names);
    }
}

// Each pass: claim (HELLO), submit what the window allows, read the broker, then acknowledge
// every outcome the pass wrote, once the output has it.
ProducerEnd Producer::run(const std::atomic<bool>& stop,
                          const std::function<void(const ProgressSnapshot&)>& on_progress) {
    const auto started = Clock::now();
    run_started_ = started;
    auto next_status = started;
    last_heard_ = started;
    while (!finished()) {
        if (stop.load()) {
            say_goodbye(false);
            return ProducerEnd::interrupted;
        }
        keep_claim();
        if (welcomed_) {
            fill_window();
            resend_due_batches();
        }
        if (Clock::now() >= next_status) {
            request_status();
            next_status = Clock::now() + status_interval;
            on_progress(snapshot(started));
            check_key_refused();
            warn_if_broker_silent();
        }
        if (wait_readable(std::chrono::milliseconds(50)))
            receive_all();
        acknowledge_written();
    }
    say_goodbye(true);
    on_progress(snapshot(started));
    return ProducerEnd::finished;
}

ProgressSnapshot Producer::snapshot(Clock::time_point started) const {
    const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
    return ProgressSnapshot{done_,   failed_,  submitted_, workers_alive_,
                            elapsed, waiting_, unserved_};
}

bool Producer::finished() const {
    return input_done_ && building_.empty() && outstanding_.empty();
}

// In input order the window counts every job from the oldest unwritten one, so the reorder
// buffer of the output can never hold more than `window` records.
bool Producer::window_full() const {
    return outstanding_.size() + output_.buffered() >= options_.window;
}

void Producer::fill_window() {
    while (!input_done_ && !window_full()) {
        std::optional<InputItem> item = input_.next();
        if (!item) {
            input_done_ = true;
            break;
        }
        take_item(std::move(*item));
        if (building_.size() >= options_.submit_batch)
            flush_batch();
    }
    flush_batch();
}

void Producer::take_item(InputItem item) {
    if (auto* problem = std::get_if<InputProblem>(&item)) {
        if (!options_.skip_invalid)
            throw InputError(problem->describe());
        spdlog::warn("skipping invalid record: {}", problem->describe());
        JobOutcome outcome;
        outcome.index = problem->index;
        outcome.id = problem->id;
        outcome.error = wire::Error{
            wire::code_name(wire::ErrorCode::invalid_argument), problem->describe(), {}, {}, {}};
        record_outcome(outcome, {});
        return;
    }
    auto& record = std::get<InputRecord>(item);
    if (options_.done_ids.contains(record.id)) {
        output_.skip(record.index);
        summary_.count_resumed(1);
        return;
    }
    if (stage_run_) {
        start_item(std::move(record));
        return;
    }
    building_.push_back(record.id);
    wire::SubmitJob job{record.id,         options_.job_type,   std::move(record.payload),
                        options_.priority, options_.timeout_ms, options_.max_attempts};
    outstanding_.emplace(std::move(record.id),
                         Outstanding{record.index, std::move(record.captured), std::move(job)});
}

void Producer::flush_batch() {
    if (building_.empty())
        return;
    submitted_ += building_.size();
    send_batch(std::move(building_));
    building_.clear();
}

// Sends the jobs of `ids` that still await their outcome, as one SUBMIT. The message borrows
// the kept jobs and is encoded into reused frames: nothing of a job is copied to send it.
void Producer::send_batch(std::vector<std::string> ids) {
    submit_view_.client = options_.client;
    submit_view_.session = session_;
    submit_view_.seq = next_seq_++;
    submit_view_.jobs.clear();
    for (const auto& id : ids) {
        if (auto it = outstanding_.find(id); it != outstanding_.end()) {
            const wire::SubmitJob& job = it->second.job;
            submit_view_.jobs.push_back(
                {job.id, job.type, job.payload, job.priority, job.timeout_ms, job.max_attempts});
        }
    }
    if (submit_view_.jobs.empty())
        return;
    wire::encode_into(submit_view_, frames_);
    send_frames();
    unacknowledged_.emplace(submit_view_.seq, Batch{std::move(ids), {}});
}

// Every job without an outcome is sent again. Jobs the broker still holds are absorbed as
// duplicates (and an outcome it kept for us comes back); jobs a restarted broker lost run again.
void Producer::resubmit_outstanding(const std::string& why) {
    spdlog::warn("{}: resubmitting {} jobs that have no outcome yet", why, outstanding_.size());
    unacknowledged_.clear();
    rejected_.clear();
    std::vector<std::string> ids;
    for (const auto& [id, job] : outstanding_) {
        ids.push_back(id);
        if (ids.size() >= options_.submit_batch)
            send_batch(std::exchange(ids, {}));
    }
    if (!ids.empty())
        send_batch(std::move(ids));
}

void Producer::resend_due_batches() {
    auto now = Clock::now();
    std::vector<Batch> waiting;
    for (auto& batch : rejected_) {
        if (batch.not_before <= now) {
            send_batch(std::move(batch.ids));
        } else {
            waiting.push_back(std::move(batch));
        }
    }
    rejected_ = std::move(waiting);
}

// Every job's one outcome goes through here: output record, summary, progress counts.
void Producer::record_outcome(const JobOutcome& outcome, const std::vector<FieldValue>& expected) {
    output_.write(outcome);
    summary_.record(outcome, expected,
                    std::chrono::duration<double>(Clock::now() - run_started_).count());
    ++done_;
    if (!outcome.ok)
        ++failed_;
}

} // namespace ferry::producer
