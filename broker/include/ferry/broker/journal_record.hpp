// The journal's on-disk format: segment headers and checksummed records (accept, dispatch,
// answered, done).
//
// A segment file is a 20-byte header (magic "FERRYJNL", version, segment number, CRC-32C of the
// first 16 bytes) followed by records. A record is its body length (u32), the CRC-32C of type and
// body (u32), a type byte, and the body. Integers are little-endian; strings are u32 length +
// bytes. A record cut short or failing its checksum marks the end of what was written.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>

namespace ferry::broker {

// A journal that cannot be read (bad magic, version or header): the broker must not start.
class JournalError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

inline constexpr std::uint32_t journal_version = 1;         // format written by this build
inline constexpr std::size_t segment_header_bytes = 20;     // magic, version, number, crc
inline constexpr std::size_t record_prefix_bytes = 9;       // length, crc, type
inline constexpr std::uint32_t max_record_bytes = 1u << 30; // longer lengths are torn bytes

// Where a job's live record (its accept, or its answered record once it has an outcome) landed,
// kept with the job so its segment knows when it holds nothing live.
struct JournalPlace {
    std::uint32_t segment = 0; // segment number (0: not journaled)
    std::uint32_t bytes = 0;   // size of that record
};

// A job as the journal keeps it: enough to run it again after a restart. S is std::string for a
// record read back (JournalJob) or std::string_view for fields borrowed from a held job
// (JournalJobView), so writing a record copies the payload once.
template <class S> struct BasicJournalJob {
    S client;                       // producer that submitted it
    S id;                           // the producer's job id
    S type;                         // job type
    S payload;                      // opaque MessagePack value
    std::int64_t priority = 0;      // higher first
    std::uint64_t timeout_ms = 0;   // hard limit of one attempt (0: none)
    std::uint32_t max_attempts = 1; // attempts before dead-lettering
    std::uint32_t attempts = 0;     // attempts started when this record was written
};
using JournalJob = BasicJournalJob<std::string>;
using JournalJobView = BasicJournalJob<std::string_view>;

// A job accepted (or carried forward by compaction), with its attempts so far.
struct AcceptRecord {
    JournalJob job; // the whole job
};

// An attempt sent to a worker: the job is in flight with `attempts` started.
struct DispatchRecord {
    std::string key;            // client + 0x1F + id
    std::uint32_t attempts = 0; // attempts started, this one included
};

// The job's final outcome was produced and is kept until its producer acknowledges it.
struct AnsweredRecord {
    std::string client;  // producer that submitted it
    std::string id;      // the producer's job id
    std::string outcome; // the outcome, encoded as one OUTCOMES record
};

// The producer acknowledged the outcome (or it was given up): the job is no longer the journal's
// concern.
struct DoneRecord {
    std::string key; // client + 0x1F + id
};

using JournalRecord = std::variant<AcceptRecord, DispatchRecord, AnsweredRecord, DoneRecord>;

// CRC-32C (Castagnoli) of `bytes`, continuing from `crc` (0 to start).
[[nodiscard]] std::uint32_t crc32c(std::string_view bytes, std::uint32_t crc = 0) noexcept;

// The header of segment `number`.
[[nodiscard]] std::string encode_segment_header(std::uint32_t number);
// The segment number from a header; throws JournalError naming `file` when it is not valid.
[[nodiscard]] std::uint32_t decode_segment_header(std::string_view header, const std::string& file);

// Appends one record to `out`; returns the bytes it took.
std::size_t append_accept_record(std::string& out, const JournalJobView& job);
std::size_t append_dispatch_record(std::string& out, std::string_view key, std::uint32_t attempts);
std::size_t append_answered_record(std::string& out, std::string_view client, std::string_view id,
                                   std::string_view outcome);
std::size_t append_done_record(std::string& out, std::string_view key);

// One record read from the front of `bytes`, and its size.
struct DecodedRecord {
    JournalRecord record; // what it says
    std::size_t size = 0; // bytes it took, prefix included
};

// The record at the front of `bytes`; empty when it is cut short, fails its checksum, or does
// not parse (a torn write: what follows is not trusted).
[[nodiscard]] std::optional<DecodedRecord> decode_record(std::string_view bytes);

} // namespace ferry::broker
