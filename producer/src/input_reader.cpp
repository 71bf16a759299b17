// JSON Lines / directory input for the producer, parsed with simdjson.
#include "ferry/producer/input_reader.hpp"

#include "ferry/producer/json_msgpack.hpp"

#include <algorithm>
#include <fcntl.h>
#include <fmt/format.h>
#include <stdexcept>
#include <unistd.h>

namespace ferry::producer {
namespace {

// A record's id, or what is wrong with its "id".
struct RecordId {
    std::string id;              // the id as text
    const char* error = nullptr; // set when "id" cannot be used
};

// The record's "id" string or integer as text, else `fallback` (the line number).
RecordId id_of(simdjson::dom::element record, const std::string& fallback) {
    auto id_value = record["id"];
    if (id_value.error() != simdjson::SUCCESS)
        return {fallback};
    RecordId found;
    if (id_value.is_string()) {
        found.id = std::string(id_value.get_string().value_unsafe());
    } else if (id_value.is_int64() || id_value.is_uint64()) {
        found.id = simdjson::to_string(id_value.value_unsafe());
    } else {
        found.error = "\"id\" must be a string or an integer";
    }
    if (!found.error && found.id.empty())
        found.error = "\"id\" must not be empty";
    return found;
}

} // namespace

std::string duplicate_id_message(const std::string& id, std::uint64_t first_line) {
    return fmt::format("duplicate id \"{}\": already used on line {}; ids must be unique within "
                       "an input",
                       id, first_line);
}

std::string record_id_at(const PositionalFile& file, std::uint64_t offset, std::uint64_t line) {
    std::string text;
    simdjson::dom::parser parser;
    simdjson::dom::element record;
    if (!file.read_line_at(offset, text) ||
        parser.parse(text.data(), text.size(), true).get(record) != simdjson::SUCCESS) {
        throw InputError(fmt::format("{}:{}: this line changed while ferry was reading the input; "
                                     "leave the input file unchanged until the run ends",
                                     file.path(), line));
    }
    return id_of(record, std::to_string(line)).id;
}

std::string InputProblem::describe() const {
    return fmt::format("{}:{}: {}", file, line, message);
}

InputReader::InputReader(std::string path, std::vector<std::vector<std::string>> capture,
                         IdHash hash)
    : path_(std::move(path)), capture_(std::move(capture)), seen_(hash) {
    if (path_ == "-") {
        lines_ = std::make_unique<LineSource>(STDIN_FILENO, false, "standard input");
        return;
    }
    std::error_code error;
    if (std::filesystem::is_directory(path_, error)) {
        for (const auto& entry : std::filesystem::directory_iterator(path_)) {
            if (entry.is_regular_file())
                directory_.push_back(entry.path());
        }
        std::sort(directory_.begin(), directory_.end());
        return;
    }
    const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        throw InputError(fmt::format(
            "cannot read input '{}': no such file or not readable; check --input or input.path",
            path_));
    }
    lines_ = std::make_unique<LineSource>(fd, true, path_);
}

std::optional<InputItem> InputReader::next() {
    return lines_ ? next_line() : next_file();
}

std::optional<InputItem> InputReader::next_line() {
    while (std::optional<std::string_view> text = lines_->next()) {
        ++line_;
        line_offset_ = lines_->line_offset();
        if (!text->empty() && text->back() == '\r')
            text->remove_suffix(1);
        if (text->find_first_not_of(" \t") == std::string_view::npos)
            continue; // blank line
        return parse_line(*text);
    }
    return std::nullopt;
}

// A directory holds one job per file: the payload names the file, so the model reads it itself
// (images can be large and need not cross the wire twice).
std::optional<InputItem> InputReader::next_file() {
    if (directory_next_ >= directory_.size())
        return std::nullopt;
    const std::filesystem::path& file = directory_[directory_next_++];
    line_ = directory_next_;
    std::string absolute = std::filesystem::absolute(file).string();
    std::string json = "{\"path\":";
    append_json_string(absolute, json);
    json += ",\"name\":";
    append_json_string(file.filename().string(), json);
    json += "}";
    simdjson::dom::element element = parser_.parse(json);
    return accept(file.filename().string(), json_to_msgpack(element));
}

InputItem InputReader::parse_line(std::string_view text) {
    std::string fallback_id = std::to_string(line_);
    simdjson::dom::element record;
    if (auto error = parser_.parse(text.data(), text.size(), true).get(record); error) {
        return problem(fallback_id,
                       fmt::format("not valid JSON ({}); each line must be one JSON "
                                   "object like {{\"id\": \"1\", \"payload\": {{...}}}}",
                                   simdjson::error_message(error)));
    }
    if (!record.is_object()) {
        return problem(fallback_id, "a record must be a JSON object with a \"payload\" field");
    }
    RecordId found = id_of(record, fallback_id);
    if (found.error)
        return problem(fallback_id, found.error);
    std::string id = std::move(found.id);
    auto payload = record["payload"];
    if (payload.error() != simdjson::SUCCESS) {
        return problem(id, "missing \"payload\": each record needs {\"payload\": ...}");
    }
    std::vector<FieldValue> captured;
    for (const auto& path : capture_) {
        captured.push_back(path.empty() ? FieldValue{} : field_from_json(record, path));
    }
    std::string packed;
    if (encode_payloads_ || !arrays_.empty()) { // a check still checks the declared arrays
        if (std::string bad = append_msgpack(payload.value_unsafe(), arrays_, packed); !bad.empty())
            return problem(id, std::move(bad));
        if (!encode_payloads_)
            packed.clear();
    }
    return accept(std::move(id), std::move(packed), std::move(captured));
}

InputItem InputReader::accept(std::string id, std::string payload,
                              std::vector<FieldValue> captured) {
    if (auto first_line = earlier_use(id)) {
        return problem(id, duplicate_id_message(id, *first_line));
    }
    return InputRecord{std::move(id), std::move(payload), line_, next_index_++,
                       std::move(captured)};
}

// A directory's file names are unique already; a checked file's duplicates are known by line.
std::optional<std::uint64_t> InputReader::earlier_use(const std::string& id) {
    if (!lines_)
        return std::nullopt;
    if (checked_)
        return checked_->first_use(line_);
    if (!check_ids_)
        return std::nullopt;
    return seen_.first_use(id, line_);
}

InputProblem InputReader::problem(std::string id, std::string message) {
    return InputProblem{path_, line_, std::move(id), std::move(message), next_index_++};
}

} // namespace ferry::producer
