// The socket thread of a native worker process: one poll loop over the broker socket and the
// inference thread's eventfd, in the shape of the Python worker's session.
#include "ferry/worker/worker_session.hpp"

#include "ferry/wire/protocol.hpp"
#include "ferry/worker/exit_codes.hpp"

#include <algorithm>
#include <cstdlib>
#include <spdlog/spdlog.h>
#include <unordered_set>

namespace ferry::worker {
namespace {

using namespace std::chrono_literals;

constexpr auto backoff_max = 5000ms;
constexpr int linger_ms = 2000; // how long a leaving process waits to deliver its last messages

bool recv_frames(zmq::socket_t& socket, std::vector<zmq::message_t>& frames) {
    frames.clear();
    do {
        zmq::message_t frame;
        if (!socket.recv(frame, zmq::recv_flags::dontwait))
            return !frames.empty();
        frames.push_back(std::move(frame));
    } while (frames.back().more());
    return true;
}

} // namespace

WorkerSession::WorkerSession(const WorkerSpec& spec, SessionIdentity identity,
                             std::vector<std::unique_ptr<ModelRunner>> runners, RunningBoard& board)
    : spec_(spec), identity_(std::move(identity)), board_(board), inference_(board) {
    for (auto& runner : runners) {
        const std::string type = runner->spec().type;
        runners_.emplace(type, std::move(runner));
    }
    dead_after_ = std::chrono::milliseconds(spec.heartbeat_ms) * 3;
}

WorkerSession::~WorkerSession() = default;

int WorkerSession::run(const std::atomic<bool>& drain) {
    open_link();
    while (!exit_)
        step(drain);
    return *exit_;
}

void WorkerSession::step(const std::atomic<bool>& drain) {
    if (drain.load() && !draining_) {
        draining_ = true;
        drain_reason_ = "asked to stop (SIGTERM)";
        spdlog::info("{}: draining: answering the {} jobs held, taking nothing more",
                     identity_.worker, held_.size());
    }
    std::vector<zmq::pollitem_t> items{{nullptr, inference_.wake_fd(), ZMQ_POLLIN, 0}};
    if (socket_)
        items.push_back({static_cast<void*>(*socket_), 0, ZMQ_POLLIN, 0});
    const auto timeout =
        (socket_ && !announced_)
            ? 2ms
            : std::chrono::milliseconds(std::clamp<long>(spec_.heartbeat_ms / 2, 5, 100));
    try {
        zmq::poll(items.data(), items.size(), timeout);
    } catch (const zmq::error_t& error) {
        if (error.num() != EINTR)
            throw;
        return; // a signal (SIGTERM: drain); the next step reads the flag
    }
    if (socket_)
        receive_all();
    collect();
    start_next();
    check_overrun();
    maintain_link();
    flush();
    maybe_leave();
}

// ---- receiving ---------------------------------------------------------------------------

void WorkerSession::receive_all() {
    std::vector<zmq::message_t> frames;
    while (socket_ && !exit_ && recv_frames(*socket_, frames)) {
        last_recv_ = Clock::now();
        if (frames.size() != 2) {
            spdlog::warn("{}: dropped a message of {} frames from the broker", identity_.worker,
                         frames.size());
            continue;
        }
        auto decoded = wire::decode(frames[0].to_string_view(), frames[1].to_string_view());
        if (auto* error = std::get_if<wire::DecodeError>(&decoded)) {
            if (error->kind == wire::DecodeErrorKind::version_mismatch && !welcomed_) {
                leave_for_good(fmt::format("the broker at {} speaks another protocol version ({}); "
                                           "run the worker and the broker from the same Ferry "
                                           "release; not retrying",
                                           identity_.broker, error->detail),
                               exits::version_mismatch);
                return;
            }
            spdlog::warn("{}: dropped a malformed message from the broker: {}", identity_.worker,
                         error->detail);
            continue;
        }
        dispatch(std::get<wire::Message>(decoded));
    }
}

void WorkerSession::dispatch(const wire::Message& message) {
    if (const auto* jobs = std::get_if<wire::Jobs>(&message)) {
        accept_jobs(jobs->jobs);
    } else if (const auto* welcome = std::get_if<wire::Welcome>(&message)) {
        dead_after_ = std::chrono::milliseconds(welcome->heartbeat_ms) *
                      std::max<std::uint64_t>(1, welcome->liveness);
        welcomed_ = true;
        backoff_ = 100ms;
        spdlog::info("{}: registered with broker {}", identity_.worker, welcome->broker);
    } else if (const auto* cancelled = std::get_if<wire::Cancel>(&message)) {
        cancel(cancelled->ids, cancelled->code);
    } else if (const auto* disconnect = std::get_if<wire::Disconnect>(&message)) {
        close_link("the broker asked us to reconnect (" + disconnect->reason.value_or("no reason") +
                   ")");
    } else if (const auto* error = std::get_if<wire::ErrorReply>(&message)) {
        if (wire::is_code(error->code, wire::ErrorCode::version_mismatch)) {
            leave_for_good("the broker at " + identity_.broker + " refused us: " + error->message,
                           exits::version_mismatch);
        } else if (wire::is_code(error->code, wire::ErrorCode::forbidden)) {
            leave_for_good("the broker at " + identity_.broker +
                               " refused this worker's key: " + error->message + "; not retrying",
                           exits::forbidden);
        } else {
            spdlog::error("{}: broker reported {}: {}", identity_.worker, error->code,
                          error->message);
        }
    } else if (!std::holds_alternative<wire::Heartbeat>(message)) {
        spdlog::warn("{}: ignored {}: not a broker-to-worker command", identity_.worker,
                     wire::name_of(wire::command_of(message)));
    }
}

void WorkerSession::accept_jobs(std::vector<wire::Job> jobs) {
    if (draining_) {
        spdlog::info("{}: leaving: {} new jobs left for the broker to re-queue", identity_.worker,
                     jobs.size());
        return;
    }
    for (auto& job : jobs) {
        if (!held_.insert(job.id).second)
            continue; // a repeat of a job we hold: one answer is enough
        if (!runners_.contains(job.type)) {
            answer(error_result(job.id, wire::code_name(wire::ErrorCode::invalid_argument),
                                "this worker serves no job type '" + job.type + "'",
                                identity_.worker));
            continue;
        }
        queued_.push_back(std::move(job));
    }
}

void WorkerSession::cancel(const std::vector<std::string>& ids, const std::string& code) {
    const std::unordered_set<std::string> wanted(ids.begin(), ids.end());
    std::deque<wire::Job> kept;
    for (auto& job : queued_) {
        if (wanted.contains(job.id))
            answer(error_result(job.id, code, "cancelled by the broker (" + code + ")",
                                identity_.worker));
        else
            kept.push_back(std::move(job));
    }
    queued_ = std::move(kept);
    // A job handed to the model thread but not started yet is answered now; its result, if
    // computed later, is dropped. One inside the forward pass costs the process.
    const auto inside = inside_now();
    bool running = false;
    for (const auto& id : ids) {
        if (!handed_.contains(id))
            continue;
        if (inside.contains(id)) {
            running = true;
        } else {
            handed_.erase(id);
            answer(
                error_result(id, code, "cancelled by the broker (" + code + ")", identity_.worker));
        }
    }
    if (running)
        abandon(ids, code, "the broker cancelled a job inside the forward pass");
}

// ---- running batches ---------------------------------------------------------------------

std::unordered_map<std::string, std::optional<std::uint64_t>> WorkerSession::inside_now() const {
    std::unordered_map<std::string, std::optional<std::uint64_t>> inside;
    if (!inference_.busy())
        return inside;
    const auto keys = board_.mine();
    if (!keys) { // too many keys for the board: count every job handed over as inside
        return handed_;
    }
    for (const auto& key : *keys) {
        if (auto it = handed_.find(key); it != handed_.end())
            inside.emplace(key, it->second);
    }
    return inside;
}

void WorkerSession::collect() {
    auto finished = inference_.take();
    for (auto& result : finished.results) {
        if (handed_.erase(result.id) == 0)
            continue; // answered already (cancelled before it started)
        answer(std::move(result));
    }
    if (finished.idle)
        handed_.clear();
}

// Why every queued job of the type goes in one run: with small batches (an unbatched model)
// the model thread runs them back to back and the results leave in few RESULTS messages.
void WorkerSession::start_next() {
    if (exit_ || inference_.busy() || queued_.empty())
        return;
    const std::string type = queued_.front().type;
    ModelRunner& runner = *runners_.at(type);
    const std::size_t max_batch = runner.spec().max_batch;
    std::vector<std::vector<wire::Job>> batches;
    std::deque<wire::Job> rest;
    for (auto& job : queued_) {
        if (job.type != type) {
            rest.push_back(std::move(job));
            continue;
        }
        if (batches.empty() || batches.back().size() == max_batch)
            batches.emplace_back();
        handed_.emplace(job.id, job.timeout_ms);
        batches.back().push_back(std::move(job));
    }
    queued_ = std::move(rest);
    inference_.start(runner, std::move(batches));
}

// Why a pass past its deadline is abandoned, not waited for: OpenCV cannot be interrupted, so
// the process answers what is inside, gives back the rest and exits for a fresh one.
void WorkerSession::check_overrun() {
    if (exit_ || !inference_.busy())
        return;
    const auto inside = inside_now();
    std::optional<std::uint64_t> shortest;
    for (const auto& [key, timeout] : inside) {
        if (timeout)
            shortest = std::min(shortest.value_or(*timeout), *timeout);
    }
    if (!shortest)
        return;
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        Clock::now() - inference_.inside_since());
    if (elapsed.count() <= static_cast<long>(*shortest + spec_.timeout_grace_ms))
        return;
    std::vector<std::string> late;
    for (const auto& [key, timeout] : inside) {
        if (timeout && static_cast<std::uint64_t>(elapsed.count()) > *timeout)
            late.push_back(key);
    }
    abandon(late, wire::code_name(wire::ErrorCode::timeout),
            fmt::format("forward pass still running after {} ms", elapsed.count()));
}

// Answers the jobs inside the pass (`ids` with `code`, the others WORKER_LOST: they become
// suspects); jobs handed over or queued but never started are not answered: the DISCONNECT that
// follows the results gives them back uncounted.
void WorkerSession::abandon(const std::vector<std::string>& ids, const std::string& code,
                            const std::string& why) {
    collect(); // results finished meanwhile are sent, not lost
    const auto inside = inside_now();
    spdlog::error("{}: {}; answering the {} jobs inside the forward pass and exiting so the "
                  "supervisor starts a fresh process",
                  identity_.worker, why, inside.size());
    const std::unordered_set<std::string> named(ids.begin(), ids.end());
    for (const auto& [key, timeout] : inside) {
        if (named.contains(key))
            answer(error_result(key, code, why, identity_.worker));
        else
            answer(error_result(key, wire::code_name(wire::ErrorCode::worker_lost),
                                "was inside the forward pass when it was abandoned: " + why,
                                identity_.worker));
    }
    board_.leave(); // answered here: the supervisor must not charge them again
    inference_.abandon();
    const std::size_t given_back = queued_.size() + handed_.size() - inside.size();
    if (given_back > 0)
        spdlog::info("{}: {} jobs that never started go back to the broker uncounted",
                     identity_.worker, given_back);
    queued_.clear();
    handed_.clear();
    held_.clear();
    draining_ = true;
    flush();
    leave(why, exits::abandoned);
}

// ---- results -----------------------------------------------------------------------------

void WorkerSession::answer(wire::Result result) {
    held_.erase(result.id);
    outbox_.push_back(std::move(result));
}

void WorkerSession::flush() {
    while (!exit_ && socket_ && announced_ && !outbox_.empty()) {
        wire::Results body;
        const std::size_t count = std::min<std::size_t>(outbox_.size(), wire::max_batch);
        body.results.assign(std::make_move_iterator(outbox_.begin()),
                            std::make_move_iterator(outbox_.begin() + static_cast<long>(count)));
        if (draining_)
            body.credit = 0;
        if (!send(body)) {
            std::move(body.results.begin(), body.results.end(), outbox_.begin());
            return;
        }
        outbox_.erase(outbox_.begin(), outbox_.begin() + static_cast<long>(count));
    }
}

// ---- the link ----------------------------------------------------------------------------

void WorkerSession::open_link() {
    socket_ = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::dealer);
    socket_->set(zmq::sockopt::linger, 0);
    socket_->set(zmq::sockopt::sndhwm, 0);
    security::apply_client_curve(*socket_, identity_.curve);
    watch_ = std::make_unique<security::HandshakeWatch>(context_, *socket_, identity_.curve,
                                                        "security.curve.workers");
    socket_->connect(identity_.broker);
    announced_ = welcomed_ = false;
}

void WorkerSession::close_link(const std::string& why) {
    spdlog::warn("{}: reconnecting to {}: {}", identity_.worker, identity_.broker, why);
    watch_.reset();
    socket_.reset();
    announced_ = welcomed_ = false;
    retry_at_ = Clock::now() + backoff_;
    backoff_ = std::min<std::chrono::milliseconds>(backoff_ * 2, backoff_max);
}

bool WorkerSession::send(const wire::Message& message) {
    wire::encode_into(message, frames_scratch_);
    const wire::Frames& frames = frames_scratch_;
    try {
        if (!socket_->send(zmq::buffer(frames.header),
                           zmq::send_flags::sndmore | zmq::send_flags::dontwait))
            return false;
        socket_->send(zmq::buffer(frames.body), zmq::send_flags::none);
    } catch (const zmq::error_t& error) {
        spdlog::warn("{}: send failed: {}", identity_.worker, error.what());
        return false;
    }
    last_sent_ = Clock::now();
    return true;
}

wire::Ready WorkerSession::ready_body() const {
    wire::Ready ready;
    ready.worker = identity_.worker;
    ready.host = identity_.host;
    ready.pid = identity_.pid;
    for (const auto& [type, runner] : runners_) {
        ready.types.push_back({type, runner->spec().max_batch, runner->spec().max_delay_ms});
    }
    std::sort(ready.types.begin(), ready.types.end(),
              [](const auto& a, const auto& b) { return a.type < b.type; });
    const std::uint64_t credit = worker_credit(spec_);
    ready.credit = draining_ ? 0 : credit - std::min<std::uint64_t>(credit, held_.size());
    ready.heartbeat_ms = spec_.heartbeat_ms;
    return ready;
}

void WorkerSession::maintain_link() {
    if (exit_)
        return;
    const auto now = Clock::now();
    if (!socket_) {
        if (now >= retry_at_)
            open_link();
        return;
    }
    if (!announced_) {
        const std::string refusal = watch_->refusal();
        if (!refusal.empty()) {
            leave_for_good(refusal, exits::forbidden);
            return;
        }
        announced_ = send(ready_body());
        if (announced_)
            last_recv_ = now; // the broker's silence counts from READY, not from connect
        return;
    }
    if (now - last_sent_ >= std::chrono::milliseconds(spec_.heartbeat_ms))
        send(wire::Heartbeat{});
    if (now - last_recv_ > dead_after_) {
        close_link(fmt::format(
            "the broker was silent for {} ms",
            std::chrono::duration_cast<std::chrono::milliseconds>(dead_after_).count()));
    }
}

void WorkerSession::maybe_leave() {
    if (!draining_ || exit_ || !outbox_.empty() || inference_.busy() || !queued_.empty())
        return;
    leave(drain_reason_, exits::drained);
}

void WorkerSession::leave_for_good(const std::string& why, int code) {
    spdlog::error("{}: {}", identity_.worker, why);
    watch_.reset();
    socket_.reset();
    exit_ = code;
}

void WorkerSession::leave(const std::string& why, int code) {
    if (socket_ && announced_) {
        wire::Disconnect goodbye;
        goodbye.reason = why;
        socket_->set(zmq::sockopt::linger, linger_ms);
        (void)send(goodbye);
    }
    watch_.reset();
    socket_.reset(); // linger bounds the wait for delivery
    spdlog::info("{}: left the broker: {}", identity_.worker, why);
    exit_ = code;
}

} // namespace ferry::worker
