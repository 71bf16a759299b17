// Reading back an output file for --resume: streaming passes over its records, a torn final
// record cut off, and finished ids confirmed against the file itself.
#include "ferry/producer/resume_scan.hpp"

#include <filesystem>
#include <fmt/format.h>
#include <functional>
#include <msgpack.hpp>
#include <spdlog/spdlog.h>

namespace ferry::producer {
namespace {

constexpr std::size_t read_block = 1 << 20; // bytes read at a time while scanning

using OnRecord = std::function<void(std::string_view id, std::uint64_t offset)>;

// A window over a file that grows block by block and forgets what was consumed, so a scan
// holds about one block whatever the file's size (more only for a longer record).
class BlockReader {
  public:
    explicit BlockReader(const PositionalFile& file) : file_(file) {}

    // The bytes read so far from file offset `offset` on.
    [[nodiscard]] std::string_view from(std::uint64_t offset) const {
        return std::string_view(bytes_).substr(offset - start_);
    }
    // Forgets the bytes before `keep_from` and reads another block; false at the end of the file.
    bool more(std::uint64_t keep_from) {
        bytes_.erase(0, keep_from - start_);
        start_ = keep_from;
        file_.read_at(start_ + bytes_.size(), read_block, block_);
        bytes_ += block_;
        return !block_.empty();
    }

  private:
    const PositionalFile& file_; // the file
    std::string bytes_;          // file bytes from start_ on
    std::uint64_t start_ = 0;    // file offset of bytes_[0]
    std::string block_;          // the last read
};

// The id of the JSON Lines record `line`; false when it is not one (torn or foreign).
bool jsonl_id(simdjson::dom::parser& parser, std::string_view line, std::string_view& id) {
    simdjson::dom::element record;
    return !parser.parse(line.data(), line.size(), true).get(record) && !record["id"].get(id);
}

// How reading a MessagePack record from the start of some bytes went.
enum class Parsed { record, incomplete, invalid };

// One MessagePack record: its size in bytes and its "id" (empty when it has none).
Parsed msgpack_record(std::string_view bytes, std::size_t& size, std::string& id) {
    if (bytes.empty())
        return Parsed::incomplete;
    try {
        std::size_t offset = 0;
        msgpack::object_handle handle = msgpack::unpack(bytes.data(), bytes.size(), offset);
        const msgpack::object& record = handle.get();
        if (record.type != msgpack::type::MAP)
            return Parsed::invalid;
        id.clear();
        for (std::uint32_t i = 0; i < record.via.map.size; ++i) {
            const auto& [key, value] = record.via.map.ptr[i];
            if (key.type == msgpack::type::STR && key.as<std::string_view>() == "id" &&
                value.type == msgpack::type::STR) {
                id = value.as<std::string>();
            }
        }
        size = offset;
        return Parsed::record;
    } catch (const msgpack::insufficient_bytes&) {
        return Parsed::incomplete;
    } catch (const std::exception&) {
        return Parsed::invalid;
    }
}

// Calls on_record for each complete line from the start; returns the end of the last one.
// A line that is not a record with an id ends the scan: it and what follows are torn.
std::uint64_t scan_jsonl(const PositionalFile& file, const OnRecord& on_record) {
    BlockReader reader(file);
    simdjson::dom::parser parser;
    std::uint64_t at = 0;
    for (;;) {
        const std::string_view rest = reader.from(at);
        const std::size_t end = rest.find('\n');
        if (end == std::string_view::npos) {
            if (!reader.more(at))
                return at;
            continue;
        }
        std::string_view id;
        if (!jsonl_id(parser, rest.substr(0, end), id))
            return at;
        on_record(id, at);
        at += end + 1;
    }
}

std::uint64_t scan_msgpack(const PositionalFile& file, const OnRecord& on_record) {
    BlockReader reader(file);
    std::string id;
    std::uint64_t at = 0;
    for (;;) {
        std::size_t size = 0;
        const Parsed parsed = msgpack_record(reader.from(at), size, id);
        if (parsed == Parsed::invalid)
            return at;
        if (parsed == Parsed::incomplete) {
            if (!reader.more(at))
                return at;
            continue;
        }
        if (!id.empty())
            on_record(id, at);
        at += size;
    }
}

std::uint64_t scan_records(const PositionalFile& file, OutputFormat format,
                           const OnRecord& on_record) {
    return format == OutputFormat::jsonl ? scan_jsonl(file, on_record)
                                         : scan_msgpack(file, on_record);
}

void cut_after(const std::string& path, std::uint64_t good_end) {
    const std::uint64_t size = std::filesystem::file_size(path);
    if (good_end >= size)
        return;
    spdlog::warn("resume: cutting {} bytes of an unfinished record off the end of {}",
                 size - good_end, path);
    std::filesystem::resize_file(path, good_end);
}

} // namespace

// The first pass counts the records, so the table is allocated once at its final size (growing
// would need every stored id's hash, that is reading every record again).
FinishedIds FinishedIds::scan(const std::string& path, OutputFormat format, IdHash hash) {
    FinishedIds ids;
    if (path == "-" || !std::filesystem::exists(path))
        return ids;
    ids.file_.emplace(path);
    ids.format_ = format;
    ids.hash_ = hash;
    std::uint64_t records = 0;
    cut_after(path, scan_records(*ids.file_, format,
                                 [&records](std::string_view, std::uint64_t) { ++records; }));
    ids.table_ = IdTable(records);
    const auto hash_at = [&ids](std::uint64_t offset) { return ids.hash_(ids.id_at(offset)); };
    scan_records(*ids.file_, format, [&](std::string_view id, std::uint64_t offset) {
        ids.table_.insert(hash(id), offset, hash_at);
    });
    return ids;
}

bool FinishedIds::contains(std::string_view id) const {
    if (!file_)
        return false;
    return table_.find(hash_(id), [&](std::uint64_t offset) { return id_at(offset) == id; })
        .has_value();
}

// Reads the record back: its line, or for MessagePack a growing block until it parses whole.
std::string FinishedIds::id_at(std::uint64_t offset) const {
    if (format_ == OutputFormat::jsonl) {
        std::string_view id;
        if (!file_->read_line_at(offset, record_) || !jsonl_id(parser_, record_, id))
            return {};
        return std::string(id);
    }
    std::string id;
    for (std::size_t block = 256;; block *= 4) {
        file_->read_at(offset, block, record_);
        std::size_t size = 0;
        const Parsed parsed = msgpack_record(record_, size, id);
        if (parsed == Parsed::record)
            return id;
        if (parsed == Parsed::invalid || record_.size() < block)
            return {};
    }
}

} // namespace ferry::producer
