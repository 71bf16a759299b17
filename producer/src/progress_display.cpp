// Progress line (terminal) or periodic log line (pipes, CI) for long runs.
#include "ferry/producer/progress_display.hpp"

#include <cstdio>
#include <fmt/format.h>
#include <mutex>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

namespace ferry::producer {
namespace {

// On a terminal a log line would land after the live progress line; this sink clears the
// line first (the progress line is redrawn at the next tick), then writes the log line.
class LineClearingSink : public spdlog::sinks::base_sink<std::mutex> {
  public:
    explicit LineClearingSink(spdlog::sink_ptr inner) : inner_(std::move(inner)) {}

  protected:
    void sink_it_(const spdlog::details::log_msg& message) override {
        std::fputs("\r\033[K", stderr);
        inner_->log(message);
    }
    void flush_() override { inner_->flush(); }

  private:
    spdlog::sink_ptr inner_; // the logger's original sink
};

void clear_line_before_logs() {
    auto logger = spdlog::default_logger();
    for (auto& sink : logger->sinks())
        sink = std::make_shared<LineClearingSink>(sink);
}

} // namespace

ProgressDisplay::ProgressDisplay(std::optional<std::uint64_t> total, bool terminal,
                                 std::chrono::seconds log_interval)
    : total_(total), terminal_(terminal), log_interval_(log_interval) {
    if (terminal_)
        clear_line_before_logs();
}

bool ProgressDisplay::stderr_is_terminal() {
    return ::isatty(STDERR_FILENO) == 1;
}

std::string ProgressDisplay::line(const ProgressSnapshot& s) const {
    double rate = s.elapsed_s > 0 ? double(s.done) / s.elapsed_s : 0;
    std::string text =
        total_ ? fmt::format("{}/{} ({:.1f}%)", s.done, *total_,
                             *total_ > 0 ? 100.0 * double(s.done) / double(*total_) : 100.0)
               : fmt::format("{} done", s.done);
    text += fmt::format("  {:.0f} jobs/s", rate);
    if (total_ && rate > 0 && *total_ >= s.done) {
        text += fmt::format("  ETA {:.0f} s", double(*total_ - s.done) / rate);
    }
    text += fmt::format("  failed {}", s.failed);
    if (s.workers_alive)
        text += fmt::format("  workers {}", *s.workers_alive);
    if (!s.waiting.empty())
        text += fmt::format("  waiting: {}", s.waiting);
    for (const auto& waiting : s.unserved) {
        text += fmt::format("  no worker serves {} ({} queued, {:.0f} s)", waiting.type,
                            waiting.queued, waiting.seconds);
    }
    return text;
}

void ProgressDisplay::show(const ProgressSnapshot& snapshot) {
    if (terminal_) {
        std::fprintf(stderr, "\r\033[K%s", line(snapshot).c_str());
        std::fflush(stderr);
        drew_ = true;
        return;
    }
    auto now = std::chrono::steady_clock::now();
    if (now < next_log_)
        return;
    next_log_ = now + log_interval_;
    spdlog::info("progress: {}", line(snapshot));
}

void ProgressDisplay::finish() {
    if (drew_)
        std::fputc('\n', stderr);
    drew_ = false;
}

} // namespace ferry::producer
