// JSON Lines / directory input for the producer, parsed with simdjson.
#include "ferry/producer/input_reader.hpp"

#include "ferry/producer/json_msgpack.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <iostream>
#include <stdexcept>

namespace ferry::producer {

std::string InputProblem::describe() const {
    return fmt::format("{}:{}: {}", file, line, message);
}

InputReader::InputReader(std::string path, std::vector<std::vector<std::string>> capture)
    : path_(std::move(path)), capture_(std::move(capture)) {
    if (path_ == "-") {
        stream_ = &std::cin;
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
    file_ = std::make_unique<std::ifstream>(path_, std::ios::binary);
    if (!*file_) {
        throw InputError(fmt::format(
            "cannot read input '{}': no such file or not readable; check --input or input.path",
            path_));
    }
    stream_ = file_.get();
}

std::optional<InputItem> InputReader::next() {
    return stream_ != nullptr ? next_line() : next_file();
}

std::optional<InputItem> InputReader::next_line() {
    for (;;) {
        if (file_)
            line_offset_ = static_cast<std::uint64_t>(file_->tellg());
        if (!std::getline(*stream_, line_text_))
            break;
        ++line_;
        if (!line_text_.empty() && line_text_.back() == '\r')
            line_text_.pop_back();
        if (line_text_.find_first_not_of(" \t") == std::string::npos)
            continue; // blank line
        return parse_line(line_text_);
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
    std::string id = fallback_id;
    if (auto id_value = record["id"]; id_value.error() == simdjson::SUCCESS) {
        if (id_value.is_string()) {
            id = std::string(id_value.get_string().value_unsafe());
        } else if (id_value.is_int64() || id_value.is_uint64()) {
            id = simdjson::to_string(id_value.value_unsafe());
        } else {
            return problem(fallback_id, "\"id\" must be a string or an integer");
        }
        if (id.empty())
            return problem(fallback_id, "\"id\" must not be empty");
    }
    auto payload = record["payload"];
    if (payload.error() != simdjson::SUCCESS) {
        return problem(id, "missing \"payload\": each record needs {\"payload\": ...}");
    }
    std::vector<FieldValue> captured;
    for (const auto& path : capture_) {
        captured.push_back(path.empty() ? FieldValue{} : field_from_json(record, path));
    }
    std::string packed = encode_payloads_ ? json_to_msgpack(payload.value_unsafe()) : std::string{};
    return accept(std::move(id), std::move(packed), std::move(captured));
}

InputItem InputReader::accept(std::string id, std::string payload,
                              std::vector<FieldValue> captured) {
    if (stream_ != nullptr) { // a directory's file names are unique already
        auto [it, inserted] =
            seen_ids_.emplace(std::hash<std::string>{}(id), IdSite{line_, line_offset_});
        bool duplicate = !inserted && earlier_line_has_id(it->second, id);
        if (!inserted && !duplicate)
            duplicate = !collided_ids_.insert(id).second;
        if (duplicate) {
            return problem(id, fmt::format("duplicate id \"{}\": already used on line {}; ids must "
                                           "be unique within an input",
                                           id, it->second.line));
        }
    }
    return InputRecord{std::move(id), std::move(payload), line_, next_index_++,
                       std::move(captured)};
}

// Re-reads the line where an id with the same hash was first seen and compares the ids.
bool InputReader::earlier_line_has_id(const IdSite& site, const std::string& id) {
    if (!file_)
        return true;
    std::ifstream again(path_, std::ios::binary);
    again.seekg(static_cast<std::streamoff>(site.offset));
    std::string text;
    if (!std::getline(again, text))
        return false;
    simdjson::dom::parser parser;
    simdjson::dom::element record;
    if (parser.parse(text.data(), text.size(), true).get(record))
        return false;
    auto earlier = record["id"];
    if (earlier.error() != simdjson::SUCCESS)
        return id == std::to_string(site.line);
    if (earlier.is_string())
        return id == earlier.get_string().value_unsafe();
    return id == simdjson::to_string(earlier.value_unsafe());
}

InputProblem InputReader::problem(std::string id, std::string message) {
    return InputProblem{path_, line_, std::move(id), std::move(message), next_index_++};
}

InputCheck check_input(const std::string& path, std::size_t problem_limit) {
    InputCheck check;
    InputReader reader(path);
    reader.skip_payload_encoding();
    while (auto item = reader.next()) {
        if (auto* found = std::get_if<InputProblem>(&*item)) {
            if (check.problems.size() < problem_limit)
                check.problems.push_back(std::move(*found));
        } else {
            ++check.records;
        }
    }
    return check;
}

} // namespace ferry::producer
