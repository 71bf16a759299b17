// Encoding and decoding of journal segment headers and records.
#include "ferry/broker/journal_record.hpp"

#include <array>
#include <cstring>

namespace ferry::broker {
namespace {

constexpr std::string_view segment_magic = "FERRYJNL";
constexpr std::uint8_t accept_type = 1;
constexpr std::uint8_t dispatch_type = 2;
constexpr std::uint8_t done_type = 3;
constexpr std::uint8_t answered_type = 4;

// The byte-at-a-time table of the reflected Castagnoli polynomial, built at compile time.
constexpr std::array<std::uint32_t, 256> make_crc_table() {
    std::array<std::uint32_t, 256> table{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t value = i;
        for (int bit = 0; bit < 8; ++bit) {
            value = (value & 1) != 0 ? (value >> 1) ^ 0x82F63B78u : value >> 1;
        }
        table[i] = value;
    }
    return table;
}
constexpr auto crc_table = make_crc_table();

void put_u32(std::string& out, std::uint32_t value) {
    char bytes[4];
    for (int i = 0; i < 4; ++i) {
        bytes[i] = static_cast<char>((value >> (8 * i)) & 0xFF);
    }
    out.append(bytes, 4);
}

void put_u64(std::string& out, std::uint64_t value) {
    put_u32(out, static_cast<std::uint32_t>(value));
    put_u32(out, static_cast<std::uint32_t>(value >> 32));
}

void put_str(std::string& out, std::string_view text) {
    put_u32(out, static_cast<std::uint32_t>(text.size()));
    out.append(text);
}

std::uint32_t get_u32(std::string_view bytes, std::size_t at) {
    std::uint32_t value = 0;
    for (int i = 3; i >= 0; --i) {
        value = (value << 8) | static_cast<unsigned char>(bytes[at + static_cast<std::size_t>(i)]);
    }
    return value;
}

// Reads fields off a record body; any overrun makes `ok` false instead of throwing.
struct BodyReader {
    std::string_view bytes; // the body
    std::size_t at = 0;     // read position
    bool ok = true;         // no overrun so far

    std::uint32_t u32() {
        if (!ok || bytes.size() - at < 4) {
            ok = false;
            return 0;
        }
        at += 4;
        return get_u32(bytes, at - 4);
    }
    std::uint64_t u64() {
        const std::uint64_t low = u32();
        return low | (std::uint64_t{u32()} << 32);
    }
    std::string str() {
        const std::uint32_t size = u32();
        if (!ok || bytes.size() - at < size) {
            ok = false;
            return {};
        }
        at += size;
        return std::string(bytes.substr(at - size, size));
    }
};

void set_u32(std::string& out, std::size_t at, std::uint32_t value) {
    for (std::size_t i = 0; i < 4; ++i) {
        out[at + i] = static_cast<char>((value >> (8 * i)) & 0xFF);
    }
}

// Starts a record at the end of `out`: room for the prefix, then the type byte.
std::size_t open_record(std::string& out, std::uint8_t type) {
    const std::size_t start = out.size();
    out.append(8, '\0');
    out.push_back(static_cast<char>(type));
    return start;
}

// Fills in the prefix (length and checksum) of the record begun at `start`.
std::size_t close_record(std::string& out, std::size_t start) {
    const std::string_view typed(out.data() + start + 8, out.size() - start - 8);
    set_u32(out, start, static_cast<std::uint32_t>(typed.size() - 1));
    set_u32(out, start + 4, crc32c(typed));
    return out.size() - start;
}

std::optional<JournalRecord> parse_body(std::uint8_t type, std::string_view body) {
    BodyReader reader{body};
    JournalRecord record;
    if (type == accept_type) {
        JournalJob job;
        job.client = reader.str();
        job.id = reader.str();
        job.type = reader.str();
        job.payload = reader.str();
        job.priority = static_cast<std::int64_t>(reader.u64());
        job.timeout_ms = reader.u64();
        job.max_attempts = reader.u32();
        job.attempts = reader.u32();
        record = AcceptRecord{std::move(job)};
    } else if (type == dispatch_type) {
        std::string key = reader.str();
        record = DispatchRecord{std::move(key), reader.u32()};
    } else if (type == answered_type) {
        std::string client = reader.str();
        std::string id = reader.str();
        record = AnsweredRecord{std::move(client), std::move(id), reader.str()};
    } else if (type == done_type) {
        record = DoneRecord{reader.str()};
    } else {
        return std::nullopt;
    }
    if (!reader.ok || reader.at != body.size()) {
        return std::nullopt;
    }
    return record;
}

} // namespace

std::uint32_t crc32c(std::string_view bytes, std::uint32_t crc) noexcept {
    crc = ~crc;
    for (const char c : bytes) {
        crc = crc_table[(crc ^ static_cast<unsigned char>(c)) & 0xFF] ^ (crc >> 8);
    }
    return ~crc;
}

std::string encode_segment_header(std::uint32_t number) {
    std::string header(segment_magic);
    put_u32(header, journal_version);
    put_u32(header, number);
    put_u32(header, crc32c(header));
    return header;
}

// The checks go from the most to the least telling message: a file that is not a journal at all,
// a journal of another version, then one whose header bytes were damaged.
std::uint32_t decode_segment_header(std::string_view header, const std::string& file) {
    const std::string fix = "; move it out of the journal directory (it is never deleted for you)";
    if (header.size() < segment_header_bytes || header.substr(0, 8) != segment_magic) {
        throw JournalError("journal segment " + file + " is not a Ferry journal (bad magic)" + fix);
    }
    const std::uint32_t version = get_u32(header, 8);
    if (version != journal_version) {
        throw JournalError("journal segment " + file + " has format version " +
                           std::to_string(version) + ", this broker reads version " +
                           std::to_string(journal_version) + fix);
    }
    if (crc32c(header.substr(0, 16)) != get_u32(header, 16)) {
        throw JournalError("journal segment " + file + " has a corrupted header (checksum)" + fix);
    }
    return get_u32(header, 12);
}

std::size_t append_accept_record(std::string& out, const JournalJobView& job) {
    const std::size_t start = open_record(out, accept_type);
    put_str(out, job.client);
    put_str(out, job.id);
    put_str(out, job.type);
    put_str(out, job.payload);
    put_u64(out, static_cast<std::uint64_t>(job.priority));
    put_u64(out, job.timeout_ms);
    put_u32(out, job.max_attempts);
    put_u32(out, job.attempts);
    return close_record(out, start);
}

std::size_t append_dispatch_record(std::string& out, std::string_view key, std::uint32_t attempts) {
    const std::size_t start = open_record(out, dispatch_type);
    put_str(out, key);
    put_u32(out, attempts);
    return close_record(out, start);
}

std::size_t append_answered_record(std::string& out, std::string_view client, std::string_view id,
                                   std::string_view outcome) {
    const std::size_t start = open_record(out, answered_type);
    put_str(out, client);
    put_str(out, id);
    put_str(out, outcome);
    return close_record(out, start);
}

std::size_t append_done_record(std::string& out, std::string_view key) {
    const std::size_t start = open_record(out, done_type);
    put_str(out, key);
    return close_record(out, start);
}

std::optional<DecodedRecord> decode_record(std::string_view bytes) {
    if (bytes.size() < record_prefix_bytes) {
        return std::nullopt;
    }
    const std::uint32_t length = get_u32(bytes, 0);
    if (length > max_record_bytes || bytes.size() - record_prefix_bytes < length) {
        return std::nullopt;
    }
    const std::string_view typed = bytes.substr(8, std::size_t{length} + 1);
    if (crc32c(typed) != get_u32(bytes, 4)) {
        return std::nullopt;
    }
    auto record = parse_body(static_cast<std::uint8_t>(typed[0]), typed.substr(1));
    if (!record) {
        return std::nullopt;
    }
    return DecodedRecord{std::move(*record), record_prefix_bytes + length};
}

} // namespace ferry::broker
