// The journal part: ownership of the directory, replay at start, records from the scheduler's
// observer hooks, group commit once per loop pass, and compaction of segments whose jobs are
// finished.
#include "ferry/broker/journal.hpp"

#include <spdlog/spdlog.h>

namespace ferry::broker {
namespace {

// A job's token is where its live record is: the segment number above, the record's size below.
JournalToken token_of(JournalPlace place) noexcept {
    return (JournalToken{place.segment} << 32) | place.bytes;
}

JournalPlace place_of(JournalToken token) noexcept {
    return JournalPlace{static_cast<std::uint32_t>(token >> 32), static_cast<std::uint32_t>(token)};
}

JournalJobView view_of(const JobRecord& record) {
    return JournalJobView{record.client(), record.id(),       record.type,         record.payload,
                          record.priority, record.timeout_ms, record.max_attempts, record.attempts};
}

RestoredJob restored_of(ReplayedJob&& replayed) {
    JournalJob& job = replayed.job;
    return RestoredJob{std::move(job.client),
                       std::move(job.id),
                       std::move(job.type),
                       std::move(job.payload),
                       job.priority,
                       job.timeout_ms,
                       job.max_attempts,
                       job.attempts,
                       replayed.in_flight,
                       std::move(replayed.outcome),
                       token_of(replayed.place)};
}

} // namespace

// The directory is locked first, so a second broker never reads or removes a live broker's
// segments. Replay writes nothing of its own: each restored job keeps its live record where it
// was read, and the writer continues the last segment, so a restart needs no free space.
Journal::Journal(const JournalConfig& config, ForEachHeld for_each_held)
    : config_(config), lock_(config.path), contents_(read_journal(config.path)),
      writer_(config, contents_.segments), for_each_held_(std::move(for_each_held)) {}

void Journal::replay(const RestoreJob& restore) {
    std::size_t counts[4] = {};
    std::size_t interrupted = 0;
    for (auto& replayed : contents_.jobs) {
        interrupted += replayed.in_flight ? 1 : 0;
        ++counts[static_cast<std::size_t>(restore(restored_of(std::move(replayed))))];
    }
    const auto count = [&counts](RestoreOutcome outcome) {
        return counts[static_cast<std::size_t>(outcome)];
    };
    spdlog::info("journal {}: {} records in {} segments; {} unfinished jobs restored ({} were "
                 "running: attempt counted, {} of them dead-lettered); {} outcomes kept for "
                 "their producers",
                 config_.path, contents_.records, contents_.segments.size(),
                 count(RestoreOutcome::queued) + count(RestoreOutcome::dead_lettered), interrupted,
                 count(RestoreOutcome::dead_lettered), count(RestoreOutcome::answered));
    contents_ = JournalContents{};
    (void)writer_.commit(); // jobs dead-lettered by the replay
}

void Journal::accepted(JobRecord& record) {
    record.journal = token_of(writer_.append_accept(view_of(record)));
}

void Journal::restored(const JobRecord& record) {
    writer_.adopt(place_of(record.journal));
}

void Journal::dispatched(const JobRecord& record) {
    writer_.append_dispatch(record.key, record.attempts);
}

void Journal::answered(JobRecord& record) {
    record.journal = token_of(writer_.append_answered(record.client(), record.id(), record.payload,
                                                      place_of(record.journal)));
}

void Journal::done(const JobRecord& record) {
    writer_.append_done(record.key, place_of(record.journal));
}

void Journal::commit() {
    if (writer_.commit()) {
        compact();
    } else {
        writer_.sync_if_due(Clock::now());
    }
}

// Segments go oldest first, so a done record is never removed before the records it cancels.
// The oldest sealed segment goes when nothing live is left in it; when little is (its live bytes
// under half a segment), or the journal is far larger than what it keeps alive, those records
// are written again at the end first. So the journal stays within a few times the live data plus
// two segments, and a long-running job cannot pin it. On a full disk nothing goes: a segment's
// records may be cancelled only by records still waiting in the buffer.
void Journal::compact() {
    while (const auto oldest = writer_.oldest_sealed()) {
        if (writer_.blocked()) {
            return;
        }
        const SegmentLive live = writer_.live(*oldest);
        if (live.jobs > 0) {
            const std::uint64_t segment = config_.segment_bytes;
            const bool sparse = live.bytes * 2 <= segment;
            const bool bloated = writer_.total_bytes() > 4 * writer_.live_bytes() + 2 * segment;
            if (!sparse && !bloated) {
                return;
            }
            carry_forward(*oldest);
            if (writer_.blocked()) {
                return; // the copies are not all on disk: the segment must stay
            }
        }
        writer_.remove_segment(*oldest);
    }
}

// In-flight jobs get a dispatch record after their accept, so a crash after the carry still
// counts their running attempt; answered jobs carry their outcome. The copies are forced to disk
// before the old segment goes.
void Journal::carry_forward(std::uint32_t segment) {
    for_each_held_([this, segment](JobRecord& record) {
        const JournalPlace place = place_of(record.journal);
        if (place.segment != segment) {
            return;
        }
        if (record.state == JobState::answered) {
            answered(record);
            return;
        }
        writer_.forget(place);
        accepted(record);
        if (record.state == JobState::in_flight) {
            dispatched(record);
        }
    });
    (void)writer_.commit();
    writer_.sync();
}

} // namespace ferry::broker
