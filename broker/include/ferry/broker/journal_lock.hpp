// Ownership of a journal directory: one live broker per directory, for its whole life.
#pragma once

#include <string>

namespace ferry::broker {

// An exclusive lock on `<dir>/LOCK` (flock), holding the owner's pid for the message a second
// broker gets. The kernel releases it when the process dies, however it dies, so a crashed
// broker never leaves a stale lock behind. The descriptor is close-on-exec: worker processes
// that `ferry run` starts never inherit it.
class JournalLock {
  public:
    // Takes the lock; throws JournalError naming the directory and the pid that holds it.
    explicit JournalLock(const std::string& dir);
    ~JournalLock();
    JournalLock(const JournalLock&) = delete;
    JournalLock& operator=(const JournalLock&) = delete;

    [[nodiscard]] const std::string& path() const noexcept { return path_; }

  private:
    std::string path_; // the lock file
    int fd_ = -1;      // open while the lock is held
};

} // namespace ferry::broker
