// Appending to the journal: buffered records, group commit, the fsync policy, segment files, and
// riding out a full disk.
#pragma once

#include "ferry/broker/broker_config.hpp"
#include "ferry/broker/clock.hpp"
#include "ferry/broker/histogram.hpp"
#include "ferry/broker/journal_reader.hpp"
#include "ferry/broker/journal_record.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ferry::broker {

// Jobs of a segment whose live record (accept or answered) is there, and those records' bytes.
struct SegmentLive {
    std::uint64_t jobs = 0;  // held jobs whose live record is in the segment
    std::uint64_t bytes = 0; // their live records' bytes
};

// Why a full disk does not stop the broker: records that do not fit stay buffered, in order, and
// are written when space returns (the disk-full state, `blocked()`); the broker meanwhile refuses
// new jobs and keeps serving the ones it holds. A record reaches the disk only whole and after
// every record before it, so a crash in between leaves a torn tail that replay cuts.
class JournalWriter {
  public:
    // Continues the journal in `config.path` whose segments were read at start (`existing`,
    // ascending): it appends to the last segment while that is below segment_bytes, else starts
    // the next one. Starting needs no free space. Other system failures (EIO, a read-only file
    // system) throw std::system_error naming the file.
    JournalWriter(const JournalConfig& config, const std::vector<SegmentFile>& existing);
    ~JournalWriter();
    JournalWriter(const JournalWriter&) = delete;
    JournalWriter& operator=(const JournalWriter&) = delete;

    // Records are buffered until commit(); each returns nothing the caller must wait for.
    JournalPlace append_accept(const JournalJobView& job);
    void append_dispatch(std::string_view key, std::uint32_t attempts);
    // The job whose live record is at `place` was answered: its outcome becomes its live record.
    JournalPlace append_answered(std::string_view client, std::string_view id,
                                 std::string_view outcome, JournalPlace place);
    // The job whose live record is at `place` is done (acknowledged): a done record, and its
    // segment's live count drops.
    void append_done(std::string_view key, JournalPlace place);
    // The live record at `place` was written again elsewhere (compaction): only the count drops.
    void forget(JournalPlace place);
    // A job restored at start keeps its live record where replay found it.
    void adopt(JournalPlace place);

    // Writes what is buffered; fsyncs under `always` (and under `interval_ms` when the interval
    // has passed); starts a new segment when the active one reached segment_bytes. On a full
    // disk it writes what fits, keeps the rest and enters the disk-full state, retried at most
    // every retry interval. Returns whether anything was written.
    bool commit();
    // Under `interval_ms`: fsyncs what was written if the last fsync is interval_ms old.
    void sync_if_due(TimePoint now);
    // When sync_if_due or a disk-full retry has work, if nothing is written before.
    [[nodiscard]] std::optional<TimePoint> next_sync() const;
    // Forces everything written to the disk now, whatever the policy (except `off`).
    void sync();

    // Records appended but not yet on disk because the disk is full.
    [[nodiscard]] bool blocked() const noexcept { return blocked_; }
    // Bytes appended since start, and the prefix of them written to files: a record appended
    // when appended_bytes() was N is written once written_bytes() >= N.
    [[nodiscard]] std::uint64_t appended_bytes() const noexcept { return appended_; }
    [[nodiscard]] std::uint64_t written_bytes() const noexcept { return written_; }
    // Free bytes on the journal's file system (for messages), or empty when it cannot be read.
    [[nodiscard]] std::optional<std::uint64_t> free_bytes() const;

    // The oldest segment that is no longer written to, if any.
    [[nodiscard]] std::optional<std::uint32_t> oldest_sealed() const;
    [[nodiscard]] SegmentLive live(std::uint32_t segment) const;
    // Deletes a sealed segment whose live jobs were finished or written again.
    void remove_segment(std::uint32_t segment);

    [[nodiscard]] std::uint32_t active_segment() const noexcept { return active_; }
    [[nodiscard]] std::size_t segment_count() const noexcept { return segments_.size(); }
    [[nodiscard]] std::uint64_t total_bytes() const noexcept { return total_bytes_; }
    [[nodiscard]] std::uint64_t live_bytes() const noexcept { return live_bytes_; }
    [[nodiscard]] std::uint64_t fsyncs() const noexcept { return fsyncs_; }
    // How long each fsync of the active segment took (the commit path's).
    [[nodiscard]] const Histogram& fsync_seconds() const noexcept { return fsync_s_; }

  private:
    struct SegmentState {
        SegmentLive live;        // held jobs whose live record is here
        std::uint64_t bytes = 0; // file size
    };
    void continue_segment(std::uint32_t number);
    [[nodiscard]] bool open_segment(std::uint32_t number);
    [[nodiscard]] bool write_buffer();
    void note_live(std::uint32_t segment, std::uint32_t bytes);
    void enter_blocked(int error, const char* what);
    void roll();

    JournalConfig config_;     // path, policy, sizes
    std::string buffer_;       // records not yet written
    int fd_ = -1;              // active segment file; -1 until one could be made
    std::uint32_t active_ = 0; // active segment number
    std::map<std::uint32_t, SegmentState> segments_; // every segment on disk, by number
    std::uint64_t total_bytes_ = 0;                  // bytes of all segments
    std::uint64_t live_bytes_ = 0;                   // bytes of held jobs' live records
    std::uint64_t appended_ = 0;                     // bytes ever appended to the buffer
    std::uint64_t written_ = 0;                      // of which written to files
    std::uint64_t fsyncs_ = 0;                       // fsyncs done
    Histogram fsync_s_{fsync_bounds};                // their durations
    bool unsynced_ = false;                          // written since the last fsync
    bool blocked_ = false;                           // the disk is full: buffer_ waits for space
    TimePoint retry_at_{};                           // next write attempt while blocked
    TimePoint last_sync_ = Clock::now();             // time of the last fsync
};

} // namespace ferry::broker
