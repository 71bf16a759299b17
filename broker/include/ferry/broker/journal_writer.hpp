// Appending to the journal: buffered records, group commit, the fsync policy, segment files.
#pragma once

#include "ferry/broker/broker_config.hpp"
#include "ferry/broker/clock.hpp"
#include "ferry/broker/journal_record.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace ferry::broker {

// Jobs of a segment not yet finished, and the bytes of their accept records.
struct SegmentLive {
    std::uint64_t jobs = 0;  // unfinished jobs accepted in the segment
    std::uint64_t bytes = 0; // their accept records' bytes
};

class JournalWriter {
  public:
    // Starts segment `first_segment` in `config.path` (which must exist).
    // System failures (open, write, fsync) throw std::system_error naming the file.
    JournalWriter(const JournalConfig& config, std::uint32_t first_segment);
    ~JournalWriter();
    JournalWriter(const JournalWriter&) = delete;
    JournalWriter& operator=(const JournalWriter&) = delete;

    // Records are buffered until commit(); each returns nothing the caller must wait for.
    JournalPlace append_accept(const JournalJobView& job);
    void append_dispatch(std::string_view key, std::uint32_t attempts);
    // The job accepted at `place` finished: a done record, and its segment's live count drops.
    void append_done(std::string_view key, JournalPlace place);
    // The job accepted at `place` was written again elsewhere (compaction): only the count drops.
    void forget(JournalPlace place);

    // Writes the buffer in one write(); fsyncs under `always` (and under `interval_ms` when the
    // interval has passed); starts a new segment when the active one reached segment_bytes.
    // Returns whether anything was written.
    bool commit();
    // Under `interval_ms`: fsyncs what was written if the last fsync is interval_ms old.
    void sync_if_due(TimePoint now);
    // When sync_if_due has work, if nothing is written before.
    [[nodiscard]] std::optional<TimePoint> next_sync() const;
    // Forces everything written to the disk now, whatever the policy (except `off`).
    void sync();

    // The oldest segment that is no longer written to, if any.
    [[nodiscard]] std::optional<std::uint32_t> oldest_sealed() const;
    [[nodiscard]] SegmentLive live(std::uint32_t segment) const;
    // Deletes a sealed segment whose live jobs were finished or written again.
    void remove_segment(std::uint32_t segment);

    [[nodiscard]] std::uint32_t active_segment() const noexcept { return active_; }
    [[nodiscard]] std::uint64_t total_bytes() const noexcept { return total_bytes_; }
    [[nodiscard]] std::uint64_t live_bytes() const noexcept { return live_bytes_; }
    [[nodiscard]] std::uint64_t fsyncs() const noexcept { return fsyncs_; }

  private:
    struct SegmentState {
        SegmentLive live;        // unfinished jobs accepted here
        std::uint64_t bytes = 0; // file size
    };
    void open_segment(std::uint32_t number);
    void roll();
    void write_all(std::string_view bytes);

    JournalConfig config_;                           // path, policy, sizes
    std::string buffer_;                             // records not yet written
    int fd_ = -1;                                    // active segment file
    std::uint32_t active_ = 0;                       // active segment number
    std::map<std::uint32_t, SegmentState> segments_; // every segment on disk, by number
    std::uint64_t total_bytes_ = 0;                  // bytes of all segments
    std::uint64_t live_bytes_ = 0;                   // bytes of unfinished jobs' accept records
    std::uint64_t fsyncs_ = 0;                       // fsyncs done
    bool unsynced_ = false;                          // written since the last fsync
    TimePoint last_sync_ = Clock::now();             // time of the last fsync
};

} // namespace ferry::broker
