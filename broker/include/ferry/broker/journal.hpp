// The broker's journal as one part: the directory lock, replay at start, records from the
// scheduler's observer hooks, group commit, compaction of old segments and the full-disk state.
#pragma once

#include "ferry/broker/broker_config.hpp"
#include "ferry/broker/clock.hpp"
#include "ferry/broker/job_observer.hpp"
#include "ferry/broker/journal_lock.hpp"
#include "ferry/broker/journal_reader.hpp"
#include "ferry/broker/journal_writer.hpp"

#include <functional>
#include <optional>

namespace ferry::broker {

// Calls its argument for every held job: compaction writes again the live records of the jobs
// whose record is in a segment it is about to remove.
using ForEachHeld = std::function<void(const std::function<void(JobRecord&)>&)>;
// Restores one job of the previous broker life and says what became of it.
using RestoreJob = std::function<RestoreOutcome(RestoredJob&&)>;

class Journal final : public JobObserver {
  public:
    // Locks config.path (JournalError when another broker holds it), reads its segments back
    // (JournalError for one that is not ours or damaged) and continues the last one.
    // `for_each_held` enumerates the jobs held now, for compaction.
    Journal(const JournalConfig& config, ForEachHeld for_each_held);
    Journal(const Journal&) = delete;
    Journal& operator=(const Journal&) = delete;
    ~Journal() override = default;

    // Hands every job read at start to `restore`, logs what became of them, and writes the
    // records restoring made (dead letters). Once, before any job is accepted.
    void replay(const RestoreJob& restore);

    // JobObserver: records buffered until commit().
    void accepted(JobRecord& record) override;
    void restored(const JobRecord& record) override;
    void dispatched(const JobRecord& record) override;
    void answered(JobRecord& record) override;
    void done(const JobRecord& record) override;

    // Writes what was appended since the last commit (once per loop pass) and compacts; when
    // nothing was written, fsyncs if the interval policy says it is time.
    void commit();
    // Forces everything written to the disk (shutdown).
    void sync() { writer_.sync(); }

    // The disk is full: appended records wait for space (the broker takes no new jobs).
    [[nodiscard]] bool blocked() const noexcept { return writer_.blocked(); }
    // Bytes appended so far, and of them written: a record is written once written_bytes()
    // reaches the appended_bytes() of its append.
    [[nodiscard]] std::uint64_t appended_bytes() const noexcept { return writer_.appended_bytes(); }
    [[nodiscard]] std::uint64_t written_bytes() const noexcept { return writer_.written_bytes(); }
    [[nodiscard]] std::optional<std::uint64_t> free_bytes() const { return writer_.free_bytes(); }
    // When commit() has timer work (an fsync, a disk-full retry) if nothing is written before.
    [[nodiscard]] std::optional<TimePoint> next_sync() const { return writer_.next_sync(); }
    [[nodiscard]] const std::string& path() const noexcept { return config_.path; }
    // The segment files and their sizes (status, tests).
    [[nodiscard]] const JournalWriter& writer() const noexcept { return writer_; }

  private:
    void compact();
    void carry_forward(std::uint32_t segment);

    JournalConfig config_;      // directory, fsync policy, segment size
    JournalLock lock_;          // the directory, owned for the journal's life
    JournalContents contents_;  // what replay() restores; emptied by it
    JournalWriter writer_;      // appends, commits, segments
    ForEachHeld for_each_held_; // the held jobs, for compaction
};

} // namespace ferry::broker
