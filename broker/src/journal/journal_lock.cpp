// The journal directory's lock file: flock plus the owner's pid.
#include "ferry/broker/journal_lock.hpp"

#include "ferry/broker/journal_record.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <string>
#include <sys/file.h>
#include <unistd.h>

namespace ferry::broker {
namespace {

// The pid written by the holder, or "unknown" when the file says nothing readable.
std::string holder_of(int fd) {
    char text[32] = {};
    const ssize_t read = ::pread(fd, text, sizeof(text) - 1, 0);
    std::string pid = read > 0 ? std::string(text, static_cast<std::size_t>(read)) : std::string();
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) {
        pid.pop_back();
    }
    return pid.empty() ? std::string("unknown") : pid;
}

} // namespace

JournalLock::JournalLock(const std::string& dir)
    : path_((std::filesystem::path(dir) / "LOCK").string()) {
    std::filesystem::create_directories(dir);
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) {
        throw JournalError("cannot open the journal lock file " + path_ + ": " +
                           std::strerror(errno) + "; check broker.journal.path");
    }
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        const int error = errno;
        const std::string holder = holder_of(fd_);
        ::close(fd_);
        fd_ = -1;
        if (error == EWOULDBLOCK) {
            throw JournalError("journal directory " + dir + " is in use by another broker (pid " +
                               holder + ", lock " + path_ + "); stop that broker, or give this " +
                               "one its own broker.journal.path");
        }
        throw JournalError("cannot lock the journal directory " + dir + ": " +
                           std::strerror(error));
    }
    // The lock holds even if the pid cannot be written; only a second broker's message lacks it.
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_, 0) == 0) {
        (void)::pwrite(fd_, pid.data(), pid.size(), 0);
    }
}

JournalLock::~JournalLock() {
    if (fd_ >= 0) {
        ::close(fd_); // releases the flock
    }
}

} // namespace ferry::broker
