// Path checks before a run: nothing the run reads may be overwritten, nothing it writes may fail.
#include "ferry/app/session_paths.hpp"
#include "ferry/producer/input_reader.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

using namespace ferry::producer;
using namespace ferry::app;
namespace fs = std::filesystem;

namespace {

// A run of p.yaml reading jobs.jsonl and writing `output`, all in `dir`.
SessionPaths paths_in(const ferry::test::TempDir& dir, const std::string& output) {
    SessionPaths paths;
    paths.config = dir.write("p.yaml", "input: {type: echo}\n");
    paths.input = dir.write("jobs.jsonl", "{\"payload\": 1}\n");
    paths.input_from = "--input";
    paths.output = output;
    paths.output_from = "--output";
    return paths;
}

std::string refusal(const SessionPaths& paths) {
    try {
        check_session_paths(paths);
    } catch (const InputError& error) {
        return error.what();
    }
    return "";
}

} // namespace

TEST_CASE("an output that is the input, by path, symlink or hard link, is refused") {
    ferry::test::TempDir dir;
    SessionPaths paths = paths_in(dir, "");
    fs::create_symlink(paths.input, dir.path("symlink.jsonl"));
    fs::create_hard_link(paths.input, dir.path("hardlink.jsonl"));
    for (const std::string name : {"jobs.jsonl", "symlink.jsonl", "hardlink.jsonl"}) {
        paths.output = dir.path(name);
        INFO(name);
        CHECK_THAT(refusal(paths), Catch::Contains("is the input (--input '" + paths.input + "')"));
    }
}

TEST_CASE("an output or summary that is the pipeline file is refused") {
    ferry::test::TempDir dir;
    SessionPaths paths = paths_in(dir, "");
    paths.output = paths.config;
    CHECK_THAT(refusal(paths), Catch::Contains("is the pipeline file"));
    paths.output = dir.path("out.jsonl");
    paths.summary_json = paths.config;
    CHECK_THAT(refusal(paths), Catch::StartsWith("--summary-json"));
}

TEST_CASE("an output inside a directory input is refused, one in a subdirectory is not") {
    ferry::test::TempDir dir;
    SessionPaths paths = paths_in(dir, "");
    fs::create_directories(dir.path("images/done"));
    paths.input = dir.path("images");
    paths.output = dir.path("images/out.jsonl");
    CHECK_THAT(refusal(paths), Catch::Contains("is inside the input directory"));
    paths.output = dir.path("images/done/out.jsonl");
    CHECK(refusal(paths).empty());
}

TEST_CASE("an output in a missing directory, or that is a directory, is refused") {
    ferry::test::TempDir dir;
    SessionPaths paths = paths_in(dir, dir.path("nowhere/out.jsonl"));
    CHECK_THAT(refusal(paths),
               Catch::Contains("directory '" + dir.path("nowhere") + "' does not exist"));
    paths.output = dir.root();
    CHECK_THAT(refusal(paths), Catch::Contains("is a directory"));
}

TEST_CASE("a summary that is the output is refused even before either exists") {
    ferry::test::TempDir dir;
    SessionPaths paths = paths_in(dir, dir.path("out.jsonl"));
    paths.summary_json = dir.path("./out.jsonl");
    CHECK_THAT(refusal(paths), Catch::Contains("is the output"));
}

TEST_CASE("an input that is a FIFO is refused with standard input suggested") {
    ferry::test::TempDir dir;
    SessionPaths paths = paths_in(dir, dir.path("out.jsonl"));
    paths.input = dir.path("jobs.fifo");
    REQUIRE(::mkfifo(paths.input.c_str(), 0600) == 0);
    CHECK_THAT(refusal(paths), Catch::Contains("is a FIFO (--input)") &&
                                   Catch::Contains("--input - < " + paths.input));
}

TEST_CASE("records and --json both on standard output, or --resume of stdout, are refused") {
    ferry::test::TempDir dir;
    SessionPaths paths = paths_in(dir, "-");
    paths.json = true;
    CHECK_THAT(refusal(paths), Catch::Contains("use --summary-json FILE"));
    paths.json = false;
    paths.resume = true;
    CHECK_THAT(refusal(paths), Catch::Contains("--resume continues an output file"));
}

TEST_CASE("ordinary paths pass and a device output gets no client file beside it") {
    ferry::test::TempDir dir;
    SessionPaths paths = paths_in(dir, dir.path("out.jsonl"));
    paths.summary_json = dir.path("summary.json");
    CHECK(refusal(paths).empty());
    CHECK(client_file_for(paths.output) == paths.output + ".ferry-client");
    CHECK(client_file_for("/dev/null").empty());
    CHECK(client_file_for("-").empty());
}

TEST_CASE("an empty output or summary path is refused") {
    ferry::test::TempDir dir;
    SessionPaths paths = paths_in(dir, "");
    CHECK_THAT(refusal(paths), Catch::Contains("--output is an empty path"));
    paths.output = dir.path("out.jsonl");
    paths.summary_json = "";
    CHECK_THAT(refusal(paths), Catch::Contains("--summary-json is an empty path"));
}
