// Reading back an output file for --resume, cutting off a torn final record.
#include "ferry/producer/resume_scan.hpp"

#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <msgpack.hpp>
#include <simdjson.h>
#include <spdlog/spdlog.h>
#include <sstream>
#include <stdexcept>

namespace ferry::producer {
namespace {

std::string read_file(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
}

// Returns the byte length of the complete JSON Lines records and collects their ids.
std::size_t scan_jsonl(const std::string& text, std::unordered_set<std::string>& ids) {
    simdjson::dom::parser parser;
    std::size_t start = 0;
    std::size_t good_end = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos)
            break; // torn: no newline after the last record
        simdjson::dom::element record;
        std::string_view id;
        if (parser.parse(text.data() + start, end - start, true).get(record) ||
            record["id"].get(id)) {
            break; // torn or foreign line: keep what came before it
        }
        ids.emplace(id);
        good_end = end + 1;
        start = end + 1;
    }
    return good_end;
}

std::size_t scan_msgpack(const std::string& text, std::unordered_set<std::string>& ids) {
    std::size_t offset = 0;
    std::size_t good_end = 0;
    try {
        while (offset < text.size()) {
            msgpack::object_handle handle = msgpack::unpack(text.data(), text.size(), offset);
            const msgpack::object& record = handle.get();
            if (record.type != msgpack::type::MAP)
                break;
            for (std::uint32_t i = 0; i < record.via.map.size; ++i) {
                const auto& entry = record.via.map.ptr[i];
                if (entry.key.type == msgpack::type::STR &&
                    entry.key.as<std::string_view>() == "id" &&
                    entry.val.type == msgpack::type::STR) {
                    ids.emplace(entry.val.as<std::string>());
                }
            }
            good_end = offset;
        }
    } catch (const std::exception&) {
        // A truncated final record: everything before good_end is intact.
    }
    return good_end;
}

} // namespace

std::unordered_set<std::string> scan_finished_ids(const std::string& path, OutputFormat format) {
    std::unordered_set<std::string> ids;
    if (path == "-" || !std::filesystem::exists(path))
        return ids;
    std::string text = read_file(path);
    std::size_t good_end =
        format == OutputFormat::jsonl ? scan_jsonl(text, ids) : scan_msgpack(text, ids);
    if (good_end < text.size()) {
        spdlog::warn("resume: cutting {} bytes of an unfinished record off the end of {}",
                     text.size() - good_end, path);
        std::filesystem::resize_file(path, good_end);
    }
    return ids;
}

} // namespace ferry::producer
