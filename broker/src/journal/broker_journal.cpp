// The broker's journal: ownership of the directory, replay at start, records from the
// scheduler's hooks, group commit once per loop pass, and compaction of segments whose jobs are
// finished.
#include "ferry/broker/broker.hpp"

#include <spdlog/spdlog.h>

namespace ferry::broker {
namespace {

JournalJobView view_of(const JobRecord& record) {
    return JournalJobView{record.client(), record.id(),       record.type,         record.payload,
                          record.priority, record.timeout_ms, record.max_attempts, record.attempts};
}

} // namespace

// The directory is locked first, so a second broker never reads or removes a live broker's
// segments. Replay writes nothing of its own: each restored job keeps its live record where it
// was read, and the writer continues the last segment, so a restart needs no free space; the
// previous life's segments go through compaction like any other.
void Broker::open_journal() {
    if (config_.journal.path.empty()) {
        return;
    }
    journal_lock_ = std::make_unique<JournalLock>(config_.journal.path);
    JournalContents contents = read_journal(config_.journal.path);
    journal_ = std::make_unique<JournalWriter>(config_.journal, contents.segments);
    replay_journal(std::move(contents));
    (void)journal_->commit(); // jobs dead-lettered by the replay
}

void Broker::replay_journal(JournalContents&& contents) {
    std::size_t counts[4] = {};
    std::size_t interrupted = 0;
    for (auto& replayed : contents.jobs) {
        interrupted += replayed.in_flight ? 1 : 0;
        ++counts[static_cast<std::size_t>(scheduler_.restore(std::move(replayed), now_))];
    }
    const auto count = [&counts](RestoreOutcome outcome) {
        return counts[static_cast<std::size_t>(outcome)];
    };
    spdlog::info("journal {}: {} records in {} segments; {} unfinished jobs restored ({} were "
                 "running: attempt counted, {} of them dead-lettered); {} outcomes kept for "
                 "their producers",
                 config_.journal.path, contents.records, contents.segments.size(),
                 count(RestoreOutcome::queued) + count(RestoreOutcome::dead_lettered), interrupted,
                 count(RestoreOutcome::dead_lettered), count(RestoreOutcome::answered));
}

void Broker::journal_accepted(JobRecord& record) {
    if (journal_) {
        record.journal = journal_->append_accept(view_of(record));
    }
}

void Broker::journal_restored(const JobRecord& record) {
    if (journal_) {
        journal_->adopt(record.journal);
    }
}

void Broker::journal_dispatched(const JobRecord& record) {
    if (journal_) {
        journal_->append_dispatch(record.key, record.attempts);
    }
}

void Broker::journal_answered(JobRecord& record) {
    if (journal_) {
        record.journal =
            journal_->append_answered(record.client(), record.id(), record.payload, record.journal);
    }
}

void Broker::journal_done(const JobRecord& record) {
    if (journal_) {
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

// Segments go oldest first, so a done record is never removed before the records it cancels.
// The oldest sealed segment goes when nothing live is left in it; when little is (its live bytes
// under half a segment), or the journal is far larger than what it keeps alive, those records
// are written again at the end first. So the journal stays within a few times the live data plus
// two segments, and a long-running job cannot pin it. On a full disk nothing goes: a segment's
// records may be cancelled only by records still waiting in the buffer.
void Broker::compact_journal() {
    while (const auto oldest = journal_->oldest_sealed()) {
        if (journal_->blocked()) {
            return;
        }
        const SegmentLive live = journal_->live(*oldest);
        if (live.jobs > 0) {
            const std::uint64_t segment = config_.journal.segment_bytes;
            const bool sparse = live.bytes * 2 <= segment;
            const bool bloated = journal_->total_bytes() > 4 * journal_->live_bytes() + 2 * segment;
            if (!sparse && !bloated) {
                return;
            }
            carry_forward(*oldest);
            if (journal_->blocked()) {
                return; // the copies are not all on disk: the segment must stay
            }
        }
        journal_->remove_segment(*oldest);
    }
}

// In-flight jobs get a dispatch record after their accept, so a crash after the carry still
// counts their running attempt; answered jobs carry their outcome. The copies are forced to disk
// before the old segment goes.
void Broker::carry_forward(std::uint32_t segment) {
    scheduler_.for_each_held([this, segment](JobRef, JobRecord& record) {
        if (record.journal.segment != segment) {
            return;
        }
        if (record.state == JobState::answered) {
            record.journal = journal_->append_answered(record.client(), record.id(), record.payload,
                                                       record.journal);
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
