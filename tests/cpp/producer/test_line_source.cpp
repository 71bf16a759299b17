// Block-buffered lines: splits across blocks, CRLF, no final newline, long and empty lines, pipes.
#include "ferry/producer/input_reader.hpp"
#include "ferry/producer/line_source.hpp"
#include "stdin_from.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <thread>
#include <unistd.h>

using namespace ferry::producer;

namespace {

// Every line of `text` as read through a pipe, fed by a writer thread in `chunk`-byte writes,
// read in `block`-byte blocks; each line's offset is checked against the text.
std::vector<std::string> lines_through_pipe(const std::string& text, std::size_t block,
                                            std::size_t chunk) {
    int ends[2];
    REQUIRE(::pipe(ends) == 0);
    bool written = true; // Catch2 assertions stay on the test's thread
    std::thread writer([&text, &written, chunk, fd = ends[1]] {
        for (std::size_t at = 0; at < text.size(); at += chunk) {
            const std::size_t size = std::min(chunk, text.size() - at);
            written = written && ::write(fd, text.data() + at, size) == static_cast<ssize_t>(size);
        }
        ::close(fd);
    });
    std::vector<std::string> lines;
    {
        LineSource source(ends[0], true, "a pipe", block);
        while (auto line = source.next()) {
            CHECK(text.compare(source.line_offset(), line->size(), *line) == 0);
            lines.emplace_back(*line);
        }
    }
    writer.join();
    CHECK(written);
    return lines;
}

} // namespace

TEST_CASE("lines split across blocks and writes come back whole, with their offsets") {
    const std::string text = "first line\nsecond\n\nfourth, after an empty one\n";
    const std::vector<std::string> expected = {"first line", "second", "",
                                               "fourth, after an empty one"};
    for (std::size_t block : {1, 3, 7, 64}) {
        for (std::size_t chunk : {1, 5, 100}) {
            INFO("block " << block << ", chunk " << chunk);
            CHECK(lines_through_pipe(text, block, chunk) == expected);
        }
    }
}

TEST_CASE("a last line without a newline is still a line") {
    CHECK(lines_through_pipe("a\nb", 4, 1) == std::vector<std::string>{"a", "b"});
    CHECK(lines_through_pipe("", 4, 1).empty());
    CHECK(lines_through_pipe("\n", 4, 1) == std::vector<std::string>{""});
}

TEST_CASE("a line far longer than a block grows the buffer and stays whole") {
    const std::string long_line(100000, 'x');
    const std::string text = "short\n" + long_line + "\nafter\n";
    CHECK(lines_through_pipe(text, 16, 4096) ==
          std::vector<std::string>{"short", long_line, "after"});
}

TEST_CASE("CRLF lines and blank lines of a JSON Lines input read as with LF") {
    ferry::test::TempDir dir;
    const std::string text =
        "{\"id\":\"a\",\"payload\":1}\r\n\r\n  \t\r\n{\"id\":\"b\",\"payload\":[2]}";
    const std::string path = dir.write("in.jsonl", text);
    InputReader reader(path);
    auto first = reader.next();
    REQUIRE(first);
    CHECK(std::get<InputRecord>(*first).id == "a");
    auto second = reader.next();
    REQUIRE(second);
    const auto& record = std::get<InputRecord>(*second);
    CHECK(record.id == "b");
    CHECK(record.line == 4);
    CHECK(reader.line_offset() == text.find("{\"id\":\"b\""));
    CHECK_FALSE(reader.next());
}

TEST_CASE("standard input gives every record in order and is read to its end") {
    ferry::test::TempDir dir;
    std::string text;
    for (int i = 0; i < 5000; ++i)
        text += "{\"id\":\"j" + std::to_string(i) + "\",\"payload\":{\"i\":" + std::to_string(i) +
                "}}\n";
    const std::string path = dir.write("in.jsonl", text);
    const ferry::test::StdinFrom stdin_from(path);
    std::uint64_t records = 0;
    {
        InputReader reader("-");
        while (auto item = reader.next()) {
            REQUIRE(std::holds_alternative<InputRecord>(*item));
            CHECK(std::get<InputRecord>(*item).id == "j" + std::to_string(records++));
        }
    }
    const off_t consumed = ::lseek(STDIN_FILENO, 0, SEEK_CUR);
    CHECK(records == 5000);
    CHECK(consumed == static_cast<off_t>(text.size()));
}
