// The config reference (docs/configuration.md) and the commented config/echo.yaml list every key
// the loader knows.
#include "ferry/app/config_keys.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

using namespace ferry::app;

namespace {

std::string read_text(const std::string& path) {
    std::ifstream file(path);
    std::ostringstream text;
    text << file.rdbuf();
    return text.str();
}

// The reference's table rows under each `## \`section\`` heading, by top-level section.
std::map<std::string, std::string> reference_rows(const std::string& markdown) {
    std::map<std::string, std::string> rows;
    std::istringstream lines(markdown);
    std::string line, section;
    while (std::getline(lines, line)) {
        if (line.rfind("## `", 0) == 0)
            section = line.substr(4, line.find('`', 4) - 4);
        else if (line.rfind("## ", 0) == 0)
            section.clear();
        else if (!section.empty() && line.rfind("| `", 0) == 0)
            rows[section] += line.substr(0, line.find(" | ", 2)) + "\n";
    }
    return rows;
}

// A section path split into its top-level section and the prefix its keys have in the
// reference: "job_types.<type>.backoff" -> ("job_types", "backoff."), "workers[]" -> ("workers",
// "").
std::pair<std::string, std::string> reference_place(std::string_view path) {
    std::string top(path.substr(0, path.find_first_of(".[")));
    std::string rest;
    if (auto dot = path.find('.'); dot != std::string_view::npos) {
        rest = std::string(path.substr(dot + 1));
        if (rest.rfind("<type>", 0) == 0)
            rest = rest.size() > 6 ? rest.substr(7) : "";
    }
    return {top, rest.empty() ? "" : rest + "."};
}

} // namespace

TEST_CASE("Every key the config loader knows has a row in docs/configuration.md") {
    const auto rows = reference_rows(read_text(FERRY_SOURCE_DIR "/docs/configuration.md"));
    REQUIRE(rows.size() >= 7);
    for (const auto& section : config_sections()) {
        if (section.path == "(top level)")
            continue;
        const auto [top, prefix] = reference_place(section.path);
        for (const auto key : section.keys) {
            if (section.path == "broker" && key == "journal")
                continue; // a mapping: its keys have rows of their own (journal.path, ...)
            if (section.path == "job_types.<type>" && (key == "backoff" || key == "batch"))
                continue; // the same
            INFO(section.path << "." << key << " in the `" << top << "` table");
            const auto found = rows.find(top);
            REQUIRE(found != rows.end());
            CHECK(found->second.find("`" + prefix + std::string(key) + "`") != std::string::npos);
        }
    }
}

TEST_CASE("Every section the loader reads has a heading in docs/configuration.md") {
    const auto rows = reference_rows(read_text(FERRY_SOURCE_DIR "/docs/configuration.md"));
    for (const auto section : keys_of("(top level)")) {
        INFO(section);
        CHECK(rows.contains(std::string(section)));
    }
}

TEST_CASE("The commented config/echo.yaml shows every key the config loader knows") {
    const std::string example = read_text(FERRY_SOURCE_DIR "/config/echo.yaml");
    REQUIRE(!example.empty());
    for (const auto& section : config_sections()) {
        for (const auto key : section.keys) {
            INFO(section.path << "." << key);
            CHECK(example.find(std::string(key) + ":") != std::string::npos);
        }
    }
}
