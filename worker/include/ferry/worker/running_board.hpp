// Which jobs are inside a worker process's forward pass, in memory its supervisor shares, so a
// process that dies there is reported with exactly those jobs (EXITED `running`).
#pragma once

#include "ferry/wire/messages.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace ferry::worker {

class RunningBoard {
  public:
    // Bytes of job keys a slot holds; a batch whose keys need more is "unknown" (every job the
    // process held is then charged, as without a board).
    static constexpr std::size_t slot_bytes = 1 << 20;

    // The supervisor's board: `slots` slots in a memfd that its children inherit.
    [[nodiscard]] static RunningBoard create(std::size_t slots);
    // A worker process's view of slot `slot` of the board whose memfd is `fd`.
    [[nodiscard]] static RunningBoard attach(int fd, std::size_t slot);

    RunningBoard() = default;
    RunningBoard(RunningBoard&& other) noexcept;
    RunningBoard& operator=(RunningBoard&& other) noexcept;
    RunningBoard(const RunningBoard&) = delete;
    RunningBoard& operator=(const RunningBoard&) = delete;
    ~RunningBoard();

    // The memfd, for the child's command line (not closed on exec).
    [[nodiscard]] int fd() const { return fd_; }

    // Worker side: these keys enter the forward pass / it returned.
    void enter(const std::vector<std::string>& keys);
    // The same for a batch of jobs (their ids are the keys), without copying the ids.
    void enter_batch(const std::vector<wire::Job>& jobs);
    void leave();
    // Worker side: the keys of its own slot now (as `running` reads them).
    [[nodiscard]] std::optional<std::vector<std::string>> mine() const { return running(mine_); }
    // Worker side: set up, serving (the supervisor stops its crash-loop backoff).
    void mark_ready();

    // Supervisor side, once the process of `slot` is dead: the keys it was running (empty: none),
    // or nullopt when it died while writing them or they did not fit.
    [[nodiscard]] std::optional<std::vector<std::string>> running(std::size_t slot) const;
    [[nodiscard]] bool ready(std::size_t slot) const;
    // Supervisor side: a fresh slot for the next process.
    void reset(std::size_t slot);

  private:
    [[nodiscard]] char* slot_at(std::size_t slot) const;
    template <class Keys, class KeyOf> void write_keys(const Keys& keys, KeyOf key_of);

    int fd_ = -1;
    char* base_ = nullptr;  // the mapping
    std::size_t slots_ = 0; // slots mapped (supervisor: all; worker: the whole file too)
    std::size_t mine_ = 0;  // worker side: its slot
};

} // namespace ferry::worker
