// The journal's append side: one write per commit, fsync by policy, segment roll and removal.
#include "ferry/broker/journal_writer.hpp"

#include "ferry/broker/journal_reader.hpp"

#include <cassert>
#include <cerrno>
#include <chrono>
#include <fcntl.h>
#include <filesystem>
#include <system_error>
#include <unistd.h>

namespace ferry::broker {
namespace {

[[noreturn]] void fail_io(const std::string& what, const std::string& path) {
    throw std::system_error(errno, std::generic_category(), "journal: " + what + " " + path);
}

void sync_fd(int fd, const std::string& path) {
    if (::fdatasync(fd) != 0) {
        fail_io("cannot fsync", path);
    }
}

// A new file's directory entry is durable only once the directory itself is synced.
void sync_directory(const std::string& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        fail_io("cannot open directory", dir);
    }
    const int result = ::fsync(fd);
    ::close(fd);
    if (result != 0) {
        fail_io("cannot fsync directory", dir);
    }
}

} // namespace

JournalWriter::JournalWriter(const JournalConfig& config, std::uint32_t first_segment)
    : config_(config) {
    open_segment(first_segment);
}

JournalWriter::~JournalWriter() {
    if (fd_ >= 0) {
        if (config_.fsync != FsyncPolicy::off) {
            (void)::fdatasync(fd_);
        }
        ::close(fd_);
    }
}

// The header is written and (unless fsync is off) forced before any record, so a segment that
// exists after a crash either has a whole header or is recognisably a torn creation.
void JournalWriter::open_segment(std::uint32_t number) {
    const std::string path = segment_path(config_.path, number);
    const int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        fail_io("cannot create", path);
    }
    const std::string header = encode_segment_header(number);
    fd_ = fd;
    active_ = number;
    write_all(header);
    segments_[number].bytes = header.size();
    total_bytes_ += header.size();
    if (config_.fsync != FsyncPolicy::off) {
        sync_fd(fd, path);
        sync_directory(config_.path);
    }
}

void JournalWriter::write_all(std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t written = ::write(fd_, bytes.data(), bytes.size());
        if (written < 0) {
            if (errno == EINTR) {
                continue;
            }
            fail_io("cannot write", segment_path(config_.path, active_));
        }
        bytes.remove_prefix(static_cast<std::size_t>(written));
    }
}

JournalPlace JournalWriter::append_accept(const JournalJobView& job) {
    const auto bytes = static_cast<std::uint32_t>(append_accept_record(buffer_, job));
    SegmentLive& live = segments_[active_].live;
    ++live.jobs;
    live.bytes += bytes;
    live_bytes_ += bytes;
    return JournalPlace{active_, bytes};
}

void JournalWriter::append_dispatch(std::string_view key, std::uint32_t attempts) {
    (void)append_dispatch_record(buffer_, key, attempts);
}

void JournalWriter::append_done(std::string_view key, JournalPlace place) {
    (void)append_done_record(buffer_, key);
    forget(place);
}

void JournalWriter::forget(JournalPlace place) {
    const auto found = segments_.find(place.segment);
    if (place.segment == 0 || found == segments_.end()) {
        return;
    }
    SegmentLive& live = found->second.live;
    assert(live.jobs > 0 && live.bytes >= place.bytes);
    --live.jobs;
    live.bytes -= place.bytes;
    live_bytes_ -= place.bytes;
}

bool JournalWriter::commit() {
    if (buffer_.empty()) {
        return false;
    }
    write_all(buffer_);
    segments_[active_].bytes += buffer_.size();
    total_bytes_ += buffer_.size();
    buffer_.clear();
    unsynced_ = true;
    if (config_.fsync == FsyncPolicy::always) {
        sync();
    } else {
        sync_if_due(Clock::now());
    }
    if (segments_[active_].bytes >= config_.segment_bytes) {
        roll();
    }
    return true;
}

void JournalWriter::sync() {
    if (config_.fsync != FsyncPolicy::off && unsynced_) {
        sync_fd(fd_, segment_path(config_.path, active_));
        ++fsyncs_;
        unsynced_ = false;
        last_sync_ = Clock::now();
    }
}

// Under `interval_ms` the fsync runs on the loop thread, at most once per interval: while the
// broker is busy that amortises one fsync over many passes, and a broker crash loses nothing
// anyway (the data is in the kernel after write()); only a machine crash can lose the interval.
void JournalWriter::sync_if_due(TimePoint now) {
    if (config_.fsync == FsyncPolicy::interval_ms && unsynced_ &&
        now - last_sync_ >= std::chrono::milliseconds(config_.interval_ms)) {
        sync();
    }
}

std::optional<TimePoint> JournalWriter::next_sync() const {
    if (config_.fsync != FsyncPolicy::interval_ms || !unsynced_) {
        return std::nullopt;
    }
    return last_sync_ + std::chrono::milliseconds(config_.interval_ms);
}

// The sealed segment is forced to disk before the next one starts, so only the last segment can
// ever end in a torn record.
void JournalWriter::roll() {
    unsynced_ = true;
    sync();
    const int old = fd_;
    open_segment(active_ + 1);
    ::close(old);
}

std::optional<std::uint32_t> JournalWriter::oldest_sealed() const {
    if (segments_.empty() || segments_.begin()->first == active_) {
        return std::nullopt;
    }
    return segments_.begin()->first;
}

SegmentLive JournalWriter::live(std::uint32_t segment) const {
    const auto found = segments_.find(segment);
    return found == segments_.end() ? SegmentLive{} : found->second.live;
}

void JournalWriter::remove_segment(std::uint32_t segment) {
    assert(segment != active_);
    const auto found = segments_.find(segment);
    if (found == segments_.end()) {
        return;
    }
    const std::string path = segment_path(config_.path, segment);
    std::error_code error;
    std::filesystem::remove(path, error);
    if (error) {
        throw std::system_error(error, "journal: cannot remove " + path);
    }
    total_bytes_ -= found->second.bytes;
    live_bytes_ -= found->second.live.bytes;
    segments_.erase(found);
}

} // namespace ferry::broker
