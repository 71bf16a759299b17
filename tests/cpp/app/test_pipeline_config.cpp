// Pipeline config: defaults, each section's keys, and errors with file:line:col and a hint.
#include "ferry/app/pipeline_config.hpp"
#include "ferry/broker/broker_config.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <utility>

using namespace ferry::producer;
using namespace ferry::app;

TEST_CASE("an empty file gives every default") {
    PipelineConfig config = parse_pipeline_config("", "p.yaml");
    CHECK(config.output.order == OutputOrder::input);
    CHECK(config.producer.window == 10000);
    CHECK(config.workers.empty());
}

TEST_CASE("an unknown key names file, line, column and the nearest valid key") {
    try {
        (void)parse_pipeline_config("output:\n  path: o.jsonl\n  ordr: input\n", "p.yaml");
        FAIL("expected a ConfigError");
    } catch (const ConfigError& error) {
        CHECK_THAT(error.what(), Catch::StartsWith("p.yaml:3:3:"));
        CHECK_THAT(error.what(), Catch::Contains("did you mean 'order'?"));
    }
}

TEST_CASE("a value outside its choices is refused with the choices") {
    CHECK_THROWS_WITH(parse_pipeline_config("input: {on_invalid: ignore}\n", "p.yaml"),
                      Catch::Contains("fail | skip"));
}

TEST_CASE("a worker pool needs handlers") {
    CHECK_THROWS_WITH(parse_pipeline_config("workers:\n  - processes: 2\n", "p.yaml"),
                      Catch::Contains("needs 'handlers'") && Catch::Contains("or 'native'"));
}

TEST_CASE("a native pool names its worker file, relative to the pipeline file") {
    ferry::test::TempDir dir;
    auto path = dir.write("p.yaml", "workers:\n  - native: w/worker.yaml\n  - native: w2.yaml\n"
                                    "    processes: 3\n");
    PipelineConfig config = load_pipeline_config(path);
    REQUIRE(config.workers.size() == 2);
    CHECK(config.workers[0].is_native());
    CHECK(config.workers[0].native == dir.path("w/worker.yaml"));
    CHECK_FALSE(config.workers[0].processes_set);
    CHECK(config.workers[1].processes_set);
    CHECK(config.workers[1].processes == 3);
}

TEST_CASE("a native pool refuses the keys of Python pools, naming the key and its place") {
    for (const std::string key :
         {"python: /usr/bin/python3", "handlers: h", "prefetch: 4", "start_method: spawn"}) {
        CAPTURE(key);
        CHECK_THROWS_WITH(
            parse_pipeline_config("workers:\n  - native: w.yaml\n    " + key + "\n", "p.yaml"),
            Catch::StartsWith("p.yaml:3:") && Catch::Contains("native pool") &&
                Catch::Contains("worker file"));
    }
}

TEST_CASE("a match-rate aggregate needs both fields") {
    CHECK_THROWS_WITH(
        parse_pipeline_config("aggregates:\n  - {name: a, kind: match_rate, result_field: x}\n",
                              "p.yaml"),
        Catch::Contains("needs 'result_field' and 'input_field'"));
}

TEST_CASE("paths in a config file are relative to that file") {
    ferry::test::TempDir dir;
    auto path = dir.write("p.yaml", "input: {path: jobs.jsonl}\nworkers:\n  - handlers: h/my.py\n"
                                    "  - handlers: some.module\n");
    PipelineConfig config = load_pipeline_config(path);
    CHECK(config.input.path == dir.path("jobs.jsonl"));
    CHECK(config.workers[0].handlers == dir.path("h/my.py"));
    CHECK(config.workers[1].handlers == "some.module");
}

TEST_CASE("a zero where zero means nothing names the key and its file:line:col") {
    // (yaml, expected start of the message)
    using Case = std::pair<std::string, std::string>;
    const auto [yaml, expected] = GENERATE(
        Case{"producer:\n  window: 0\n", "p.yaml:2:11: 'producer.window' must be at least 1"},
        Case{"producer:\n  submit_batch: 0\n",
             "p.yaml:2:17: 'producer.submit_batch' must be at least 1"},
        Case{"producer:\n  progress_interval_s: 0\n",
             "p.yaml:2:24: 'producer.progress_interval_s' must be at least 1"},
        Case{"workers:\n  - handlers: h\n    processes: 0\n",
             "p.yaml:3:16: 'workers[0].processes' must be at least 1"},
        Case{"workers:\n  - handlers: h\n    prefetch: 0\n",
             "p.yaml:3:15: 'workers[0].prefetch' must be at least 1"},
        Case{"workers:\n  - handlers: h\n    heartbeat_ms: 0\n",
             "p.yaml:3:19: 'workers[0].heartbeat_ms' must be at least 1"});
    CHECK_THROWS_WITH(parse_pipeline_config(yaml, "p.yaml"), Catch::StartsWith(expected));
}

TEST_CASE("a negative or non-numeric count is refused with the value") {
    CHECK_THROWS_WITH(
        parse_pipeline_config("producer: {window: -5}\n", "p.yaml"),
        Catch::Contains("'producer.window' must be a non-negative integer, got '-5'"));
    CHECK_THROWS_WITH(parse_pipeline_config("workers: [{handlers: h, processes: two}]\n", "p.yaml"),
                      Catch::Contains("got 'two'"));
}

TEST_CASE("an empty job type and an unknown worker log level are refused") {
    CHECK_THROWS_WITH(parse_pipeline_config("input: {type: ''}\n", "p.yaml"),
                      Catch::Contains("'input.type' must not be empty"));
    CHECK_THROWS_WITH(
        parse_pipeline_config("workers: [{handlers: h, log_level: loud}]\n", "p.yaml"),
        Catch::Contains("debug | info | warning | error"));
}

TEST_CASE("a key given twice in a worker pool is refused naming both lines") {
    CHECK_THROWS_WITH(parse_pipeline_config("workers:\n  - handlers: a\n    processes: 1\n"
                                            "    handlers: b\n",
                                            "p.yaml"),
                      Catch::StartsWith("p.yaml:4:5: duplicate key 'handlers' (first on line 2)"));
}

TEST_CASE("a misspelled top-level section is refused with a suggestion") {
    CHECK_THROWS_WITH(parse_pipeline_config("outptu: {path: x}\n", "p.yaml"),
                      Catch::StartsWith("p.yaml:1:1: unknown key 'outptu' in '(top level)'; did "
                                        "you mean 'output'?"));
}

TEST_CASE("two aggregates with one name are refused") {
    CHECK_THROWS_WITH(parse_pipeline_config("aggregates:\n  - {name: a, kind: count_by, field: x}\n"
                                            "  - {name: a, kind: sum, field: y}\n",
                                            "p.yaml"),
                      Catch::StartsWith("p.yaml:3:5: aggregates[1]: another aggregate is already "
                                        "named 'a'"));
}

TEST_CASE("a configured interpreter's position is kept for messages about it") {
    PipelineConfig config =
        parse_pipeline_config("workers:\n  - handlers: h\n    python: /x/py\n", "p.yaml");
    CHECK(config.workers[0].python_at == "p.yaml:3:13");
}

TEST_CASE("a config path that is a directory or an empty file is refused saying so") {
    ferry::test::TempDir dir;
    std::filesystem::create_directory(dir.path("conf"));
    CHECK_THROWS_WITH(load_pipeline_config(dir.path("conf")), Catch::Contains("is a directory"));
    CHECK_THROWS_WITH(load_pipeline_config(dir.write("e.yaml", "")), Catch::Contains("is empty"));
}

TEST_CASE("input.arrays maps payload fields to dtypes in file order") {
    PipelineConfig config =
        parse_pipeline_config("input: {arrays: {pixels: uint8, scores: float32}}\n", "p.yaml");
    REQUIRE(config.input.arrays.size() == 2);
    CHECK(config.input.arrays[0].first == "pixels");
    CHECK(config.input.arrays[0].second == ferry::producer::ArrayDtype::uint8);
    CHECK(config.input.arrays[1].second == ferry::producer::ArrayDtype::float32);
}

TEST_CASE("an input.arrays dtype that is not one names the entry and the dtypes") {
    CHECK_THROWS_WITH(parse_pipeline_config("input:\n  arrays: {pixels: byte}\n", "p.yaml"),
                      "p.yaml:2:20: 'input.arrays.pixels' is 'byte', not a dtype; use one of "
                      "bool, int8, uint8, int16, uint16, int32, uint32, int64, uint64, float32, "
                      "float64");
    CHECK_THROWS_WITH(parse_pipeline_config("input:\n  arrays: [pixels]\n", "p.yaml"),
                      "p.yaml:2:11: 'input.arrays' must be a mapping of names to values");
}

TEST_CASE("a worker pool's credit cap and inline mode are read, and a bad mode lists the choices") {
    PipelineConfig defaults = parse_pipeline_config("workers: [{handlers: h}]\n", "p.yaml");
    CHECK(defaults.workers[0].max_credit == 256);
    CHECK(defaults.workers[0].inline_mode == "auto");
    PipelineConfig set =
        parse_pipeline_config("workers: [{handlers: h, max_credit: 0, inline: never}]\n", "p.yaml");
    CHECK(set.workers[0].max_credit == 0);
    CHECK(set.workers[0].inline_mode == "never");
    CHECK_THROWS_WITH(
        parse_pipeline_config("workers: [{handlers: h, inline: sometimes}]\n", "p.yaml"),
        Catch::Contains("auto | always | never"));
}
