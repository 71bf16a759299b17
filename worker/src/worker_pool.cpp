// Supervising native worker processes: fork+exec, waitpid, EXITED with the running jobs.
#include "ferry/worker/worker_pool.hpp"

#include "ferry/wire/codec.hpp"
#include "ferry/worker/exit_codes.hpp"

#include <csignal>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace ferry::worker {
namespace {

using namespace std::chrono_literals;

constexpr auto tick = 20ms;
constexpr auto backoff_max = 30s;

std::string describe(int status) {
    if (WIFSIGNALED(status))
        return fmt::format("killed by signal {} ({})", WTERMSIG(status),
                           strsignal(WTERMSIG(status)));
    return fmt::format("exited with status {}", WEXITSTATUS(status));
}

} // namespace

std::string host_name() {
    char name[256] = {};
    gethostname(name, sizeof name - 1);
    return name;
}

WorkerPool::WorkerPool(const WorkerSpec& spec, std::string broker, security::ClientCurve curve,
                       ChildCommand command)
    : spec_(spec), broker_(std::move(broker)), host_(host_name()), command_(std::move(command)),
      board_(RunningBoard::create(spec.processes)), slots_(spec.processes),
      exited_(context_, zmq::socket_type::dealer) {
    exited_.set(zmq::sockopt::linger, 1000);
    security::apply_client_curve(exited_, curve);
    exited_.connect(broker_);
}

WorkerPool::~WorkerPool() {
    for (auto& slot : slots_) {
        if (slot.pid > 0) {
            kill(slot.pid, SIGKILL);
            waitpid(slot.pid, nullptr, 0);
        }
    }
}

void WorkerPool::spawn(std::size_t index) {
    board_.reset(index);
    std::vector<std::string> args = command_.argv;
    args.insert(args.end(),
                {"--child-slot", std::to_string(index), "--board-fd", std::to_string(board_.fd())});
    std::vector<char*> argv;
    for (auto& arg : args)
        argv.push_back(arg.data());
    argv.push_back(nullptr);
    const pid_t parent = getpid();
    // SIGTERM/SIGINT stay blocked from here into the child's new image, which unblocks them once
    // its handlers are set: a stop sent while it is between fork and exec waits instead of
    // being lost with the old image's handler.
    sigset_t stops, previous;
    sigemptyset(&stops);
    sigaddset(&stops, SIGTERM);
    sigaddset(&stops, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stops, &previous);
    const pid_t pid = fork();
    if (pid == 0) {
        // Only async-signal-safe calls between fork and exec: the parent has threads.
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(exits::orphaned);
        execv("/proc/self/exe", argv.data());
        _exit(127);
    }
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    Slot& slot = slots_[index];
    if (pid < 0) {
        spdlog::error("could not start worker process {}: {}", index, std::strerror(errno));
        slot.restart_at = Clock::now() + 1s;
        return;
    }
    slot.pid = pid;
    slot.started = Clock::now();
    slot.rss_mb.reset();
    slot.rss_at = slot.started;
}

void WorkerPool::read_rss(Slot& slot) {
    std::ifstream statm(fmt::format("/proc/{}/statm", slot.pid));
    std::uint64_t size = 0, resident = 0;
    if (statm >> size >> resident)
        slot.rss_mb = resident * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE)) / (1024 * 1024);
    slot.rss_at = Clock::now() + 1s;
}

// Why EXITED carries `running`: the broker then charges only the jobs inside the forward pass,
// and re-queues the ones the process merely held, uncounted.
void WorkerPool::report_exit(std::size_t index, pid_t pid, int status) {
    wire::Exited exited;
    exited.worker = fmt::format("{}:{}", host_, pid);
    if (WIFSIGNALED(status))
        exited.signal = static_cast<std::uint64_t>(WTERMSIG(status));
    else
        exited.exit_code = WEXITSTATUS(status);
    exited.rss_mb = slots_[index].rss_mb;
    exited.reason = "native worker process " + describe(status);
    exited.running = board_.running(index);
    const wire::Frames frames = wire::encode(exited);
    exited_.send(zmq::buffer(frames.header), zmq::send_flags::sndmore);
    exited_.send(zmq::buffer(frames.body), zmq::send_flags::none);
    spdlog::warn("worker {} {}; {} jobs were inside its forward pass", exited.worker,
                 describe(status),
                 exited.running ? std::to_string(exited.running->size()) : "unknown");
}

std::optional<int> WorkerPool::reap(std::size_t index, int status) {
    Slot& slot = slots_[index];
    const pid_t pid = slot.pid;
    slot.pid = -1;
    const bool was_ready = board_.ready(index);
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (code == exits::version_mismatch || code == exits::forbidden) {
        spdlog::error("the broker refused worker {}:{} (see above); stopping the pool", host_, pid);
        return 2;
    }
    if (!ever_ready_ && WIFEXITED(status) && !exits::planned(code)) {
        spdlog::error("worker process {} {} before any was ready{}; stopping the pool", pid,
                      describe(status),
                      code == exits::setup_failed ? " (its models did not load: see above)" : "");
        return 2;
    }
    if (!exits::planned(code))
        report_exit(index, pid, status);
    if (was_ready || exits::planned(code)) {
        slot.failures = 0;
        slot.restart_at = Clock::now();
    } else {
        slot.failures = std::min(slot.failures + 1, 10);
        const auto delay = std::min<Clock::duration>(100ms * (1 << slot.failures), backoff_max);
        slot.restart_at = Clock::now() + delay;
        spdlog::warn("worker process {} died before it was ready; next try in {} ms", pid,
                     std::chrono::duration_cast<std::chrono::milliseconds>(delay).count());
    }
    return std::nullopt;
}

int WorkerPool::run(const std::atomic<bool>& stop) {
    spdlog::info("starting {} native worker processes for {}", slots_.size(), spec_.source);
    for (std::size_t i = 0; i < slots_.size(); ++i)
        spawn(i);
    while (!stop.load()) {
        std::this_thread::sleep_for(tick);
        for (std::size_t i = 0; i < slots_.size(); ++i) {
            Slot& slot = slots_[i];
            if (slot.pid < 0) {
                if (Clock::now() >= slot.restart_at && !stop.load())
                    spawn(i);
                continue;
            }
            ever_ready_ = ever_ready_ || board_.ready(i);
            if (Clock::now() >= slot.rss_at)
                read_rss(slot);
            int status = 0;
            if (waitpid(slot.pid, &status, WNOHANG) == slot.pid) {
                if (auto code = reap(i, status))
                    return *code;
            }
        }
    }
    return drain();
}

int WorkerPool::drain() {
    spdlog::info("stopping: worker processes drain (up to {} s)", spec_.drain_timeout_s);
    for (auto& slot : slots_) {
        if (slot.pid > 0)
            kill(slot.pid, SIGTERM);
    }
    const auto deadline = Clock::now() + std::chrono::seconds(spec_.drain_timeout_s);
    for (auto& slot : slots_) {
        while (slot.pid > 0) {
            int status = 0;
            if (waitpid(slot.pid, &status, WNOHANG) == slot.pid) {
                slot.pid = -1;
            } else if (Clock::now() >= deadline) {
                spdlog::warn("worker process {} did not drain in time; killing it", slot.pid);
                kill(slot.pid, SIGKILL);
                waitpid(slot.pid, nullptr, 0);
                slot.pid = -1;
            } else {
                std::this_thread::sleep_for(tick);
            }
        }
    }
    return 0;
}

} // namespace ferry::worker
