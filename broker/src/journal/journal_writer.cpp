// The journal's append side: one write per commit, fsync by policy, segment roll and removal,
// and the disk-full state.
#include "ferry/broker/journal_writer.hpp"

#include <cassert>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <spdlog/spdlog.h>
#include <sys/statvfs.h>
#include <system_error>
#include <unistd.h>

namespace ferry::broker {
namespace {

constexpr auto blocked_retry = std::chrono::milliseconds(250); // write attempts on a full disk

// Out of space (or quota): the one failure the broker rides out instead of stopping.
bool is_full(int error) {
    return error == ENOSPC || error == EDQUOT;
}

[[noreturn]] void fail_io(int error, const std::string& what, const std::string& path) {
    throw std::system_error(error, std::generic_category(), "journal: " + what + " " + path);
}

// A new file's directory entry is durable only once the directory itself is synced.
int sync_directory(const std::string& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return errno;
    }
    const int result = ::fsync(fd) == 0 ? 0 : errno;
    ::close(fd);
    return result;
}

// Writes all of `bytes` unless the disk fills; returns how many were written and the error that
// stopped it (0: none).
std::pair<std::size_t, int> write_some(int fd, std::string_view bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t written = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (written < 0) {
            if (errno == EINTR) {
                continue;
            }
            return {done, errno};
        }
        done += static_cast<std::size_t>(written);
    }
    return {done, 0};
}

} // namespace

JournalWriter::JournalWriter(const JournalConfig& config, const std::vector<SegmentFile>& existing)
    : config_(config) {
    for (const auto& segment : existing) {
        segments_[segment.number].bytes = segment.bytes;
        total_bytes_ += segment.bytes;
    }
    if (!existing.empty() && existing.back().bytes < config_.segment_bytes) {
        continue_segment(existing.back().number);
        return;
    }
    const std::uint32_t next = existing.empty() ? 1 : existing.back().number + 1;
    if (open_segment(next)) {
        return;
    }
    if (!existing.empty()) {
        continue_segment(existing.back().number); // no room for a new file: keep the last one
        return;
    }
    active_ = next; // records wait in the buffer until the segment can be created
    enter_blocked(ENOSPC, "create a segment in");
}

JournalWriter::~JournalWriter() {
    if (fd_ >= 0) {
        if (config_.fsync != FsyncPolicy::off) {
            (void)::fdatasync(fd_);
        }
        ::close(fd_);
    }
}

// Replay left the last segment whole (a torn tail was cut), so appending continues it.
void JournalWriter::continue_segment(std::uint32_t number) {
    const std::string path = segment_path(config_.path, number);
    const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0) {
        fail_io(errno, "cannot open", path);
    }
    fd_ = fd;
    active_ = number;
}

// The header is written and (unless fsync is off) forced before any record, so a segment that
// exists after a crash either has a whole header or is recognisably a torn creation. Returns
// false, leaving nothing behind, when the disk is full.
bool JournalWriter::open_segment(std::uint32_t number) {
    const std::string path = segment_path(config_.path, number);
    const int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        if (is_full(errno)) {
            return false;
        }
        fail_io(errno, "cannot create", path);
    }
    const std::string header = encode_segment_header(number);
    auto [written, error] = write_some(fd, header);
    if (error == 0 && config_.fsync != FsyncPolicy::off) {
        error = ::fdatasync(fd) == 0 ? sync_directory(config_.path) : errno;
    }
    if (error != 0) {
        ::close(fd);
        ::unlink(path.c_str());
        if (is_full(error)) {
            return false;
        }
        fail_io(error, "cannot write the header of", path);
    }
    if (fd_ >= 0) {
        ::close(fd_);
    }
    fd_ = fd;
    active_ = number;
    segments_[number].bytes += written;
    total_bytes_ += written;
    return true;
}

void JournalWriter::note_live(std::uint32_t segment, std::uint32_t bytes) {
    SegmentLive& live = segments_[segment].live;
    ++live.jobs;
    live.bytes += bytes;
    live_bytes_ += bytes;
}

JournalPlace JournalWriter::append_accept(const JournalJobView& job) {
    const auto bytes = static_cast<std::uint32_t>(append_accept_record(buffer_, job));
    appended_ += bytes;
    note_live(active_, bytes);
    return JournalPlace{active_, bytes};
}

void JournalWriter::append_dispatch(std::string_view key, std::uint32_t attempts) {
    appended_ += append_dispatch_record(buffer_, key, attempts);
}

JournalPlace JournalWriter::append_answered(std::string_view client, std::string_view id,
                                            std::string_view outcome, JournalPlace place) {
    const auto bytes =
        static_cast<std::uint32_t>(append_answered_record(buffer_, client, id, outcome));
    appended_ += bytes;
    forget(place);
    note_live(active_, bytes);
    return JournalPlace{active_, bytes};
}

void JournalWriter::append_done(std::string_view key, JournalPlace place) {
    appended_ += append_done_record(buffer_, key);
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

void JournalWriter::adopt(JournalPlace place) {
    if (place.segment != 0) {
        note_live(place.segment, place.bytes);
    }
}

bool JournalWriter::commit() {
    if (buffer_.empty() || (blocked_ && Clock::now() < retry_at_)) {
        return false;
    }
    if (fd_ < 0 && !open_segment(active_)) {
        enter_blocked(ENOSPC, "create a segment in");
        return false;
    }
    const std::uint64_t before = written_;
    if (!write_buffer()) {
        return written_ > before;
    }
    if (config_.fsync == FsyncPolicy::always) {
        sync();
    } else {
        sync_if_due(Clock::now());
    }
    if (!blocked_ && segments_[active_].bytes >= config_.segment_bytes) {
        roll();
    }
    return true;
}

// Writes as much of the buffer as fits; returns whether all of it went.
bool JournalWriter::write_buffer() {
    const std::string path = segment_path(config_.path, active_);
    const auto [written, error] = write_some(fd_, buffer_);
    buffer_.erase(0, written);
    written_ += written;
    segments_[active_].bytes += written;
    total_bytes_ += written;
    unsynced_ = unsynced_ || written > 0;
    if (error == 0) {
        if (blocked_) {
            spdlog::info("journal {}: the disk has room again; every buffered record is written",
                         config_.path);
        }
        blocked_ = false;
        return true;
    }
    if (!is_full(error)) {
        fail_io(error, "cannot write", path);
    }
    enter_blocked(error, "write to");
    return false;
}

void JournalWriter::enter_blocked(int error, const char* what) {
    if (!blocked_) {
        const auto free = free_bytes();
        spdlog::error("journal {}: cannot {} it: {} ({} bytes free); new jobs are refused with "
                      "JOURNAL_FULL until space returns, held jobs are still served",
                      config_.path, what, std::strerror(error), free.value_or(0));
    }
    blocked_ = true;
    retry_at_ = Clock::now() + blocked_retry;
}

void JournalWriter::sync() {
    if (config_.fsync == FsyncPolicy::off || !unsynced_ || fd_ < 0) {
        return;
    }
    const TimePoint started = Clock::now();
    if (::fdatasync(fd_) != 0) {
        if (!is_full(errno)) {
            fail_io(errno, "cannot fsync", segment_path(config_.path, active_));
        }
        enter_blocked(errno, "fsync");
        return;
    }
    ++fsyncs_;
    unsynced_ = false;
    last_sync_ = Clock::now();
    fsync_s_.observe(std::chrono::duration<double>(last_sync_ - started).count());
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
    if (blocked_) {
        return retry_at_;
    }
    if (config_.fsync != FsyncPolicy::interval_ms || !unsynced_) {
        return std::nullopt;
    }
    return last_sync_ + std::chrono::milliseconds(config_.interval_ms);
}

std::optional<std::uint64_t> JournalWriter::free_bytes() const {
    struct statvfs stats {};
    if (::statvfs(config_.path.c_str(), &stats) != 0) {
        return std::nullopt;
    }
    return std::uint64_t{stats.f_bavail} * stats.f_frsize;
}

// The sealed segment is forced to disk before the next one starts, so only the last segment can
// ever end in a torn record. With no room for a new segment the active one grows past its size.
void JournalWriter::roll() {
    unsynced_ = true;
    sync();
    if (blocked_) {
        return;
    }
    (void)open_segment(active_ + 1);
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
