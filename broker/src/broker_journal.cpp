// The broker's journal: replay at start, records from the scheduler's hooks, group commit once
// per loop pass, and compaction of segments whose jobs are finished.
#include "ferry/broker/broker.hpp"

#include <filesystem>
#include <spdlog/spdlog.h>

namespace ferry::broker {
namespace {

JournalJobView view_of(const JobRecord& record) {
    return JournalJobView{record.client(), record.id(),       record.type,         record.payload,
                          record.priority, record.timeout_ms, record.max_attempts, record.attempts};
}

} // namespace

// The previous life's segments are read whole, their unfinished jobs restored and written
// afresh into a new segment, and only once that is on disk are the old segments removed: a
// crash at any point of this leaves a journal that replays to the same jobs.
void Broker::open_journal() {
    if (config_.journal.path.empty()) {
        return;
    }
    JournalContents contents = read_journal(config_.journal.path);
    const std::uint32_t next = contents.segments.empty() ? 1 : contents.segments.back() + 1;
    journal_ = std::make_unique<JournalWriter>(config_.journal, next);
    const std::vector<std::uint32_t> old_segments = contents.segments;
    replay_journal(std::move(contents));
    (void)journal_->commit();
    journal_->sync();
    for (const auto number : old_segments) {
        std::filesystem::remove(segment_path(config_.journal.path, number));
    }
}

void Broker::replay_journal(JournalContents&& contents) {
    std::size_t queued = 0;
    std::size_t interrupted = 0;
    std::size_t dead = 0;
    for (auto& replayed : contents.jobs) {
        interrupted += replayed.in_flight ? 1 : 0;
        const auto outcome = scheduler_.restore(std::move(replayed), now_);
        queued += outcome == RestoreOutcome::queued ? 1 : 0;
        dead += outcome == RestoreOutcome::dead_lettered ? 1 : 0;
    }
    spdlog::info("journal {}: {} records in {} segments; {} unfinished jobs restored ({} were "
                 "running: attempt counted, {} of them dead-lettered)",
                 config_.journal.path, contents.records, contents.segments.size(), queued + dead,
                 interrupted, dead);
}

void Broker::journal_accepted(JobRecord& record) {
    if (journal_) {
        record.journal = journal_->append_accept(view_of(record));
    }
}

void Broker::journal_dispatched(const JobRecord& record) {
    if (journal_) {
        journal_->append_dispatch(record.key, record.attempts);
    }
}

// A job refused at submit (payload too large) was never journaled: nothing to record.
void Broker::journal_finished(const JobRecord& record) {
    if (journal_ && record.journal.segment != 0) {
        journal_->append_done(record.key, record.journal);
    }
}

void Broker::commit_journal() {
    if (!journal_) {
        return;
    }
    if (journal_->commit()) {
        compact_journal();
    } else {
        journal_->sync_if_due(Clock::now());
    }
}

// Segments go oldest first, so a done record is never removed before the accept it cancels.
// The oldest sealed segment goes when its jobs are all finished; when few are left (its live
// bytes under half a segment), or the journal is far larger than what it keeps alive, those
// jobs are written again at the end first. So the journal stays within a few times the live
// data plus two segments, and a long-running job cannot pin it.
void Broker::compact_journal() {
    while (const auto oldest = journal_->oldest_sealed()) {
        const SegmentLive live = journal_->live(*oldest);
        if (live.jobs > 0) {
            const std::uint64_t segment = config_.journal.segment_bytes;
            const bool sparse = live.bytes * 2 <= segment;
            const bool bloated = journal_->total_bytes() > 4 * journal_->live_bytes() + 2 * segment;
            if (!sparse && !bloated) {
                return;
            }
            carry_forward(*oldest);
        }
        journal_->remove_segment(*oldest);
    }
}

// In-flight jobs get a dispatch record after their accept, so a crash after the carry still
// counts their running attempt. The copies are forced to disk before the old segment goes.
void Broker::carry_forward(std::uint32_t segment) {
    scheduler_.for_each_held([this, segment](JobRef, JobRecord& record) {
        if (record.journal.segment != segment) {
            return;
        }
        journal_->forget(record.journal);
        record.journal = journal_->append_accept(view_of(record));
        if (record.state == JobState::in_flight) {
            journal_->append_dispatch(record.key, record.attempts);
        }
    });
    (void)journal_->commit();
    journal_->sync();
}

} // namespace ferry::broker
