// Progress for people: a live line on a terminal, a plain log line every few seconds otherwise.
#pragma once

#include "ferry/producer/producer.hpp"

#include <chrono>
#include <cstdint>
#include <optional>

namespace ferry::producer {

class ProgressDisplay {
  public:
    // `total` is the job count when the input was counted beforehand.
    ProgressDisplay(std::optional<std::uint64_t> total, bool terminal,
                    std::chrono::seconds log_interval);

    // Shows a snapshot (called about once a second).
    void show(const ProgressSnapshot& snapshot);
    // Ends the live line so the summary starts on a fresh line.
    void finish();

    // Whether standard error is a terminal.
    [[nodiscard]] static bool stderr_is_terminal();

  private:
    [[nodiscard]] std::string line(const ProgressSnapshot& snapshot) const;

    std::optional<std::uint64_t> total_;               // jobs expected, if known
    bool terminal_;                                    // live line vs log lines
    std::chrono::seconds log_interval_;                // between log lines
    std::chrono::steady_clock::time_point next_log_{}; // when the next log line is due
    bool drew_ = false;                                // a live line is on screen
};

} // namespace ferry::producer
