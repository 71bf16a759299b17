// Pipeline config: defaults, each section's keys, and errors with file:line:col and a hint.
#include "ferry/broker/broker_config.hpp"
#include "ferry/producer/pipeline_config.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

using namespace ferry::producer;
using ferry::broker::ConfigError;

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
                      Catch::Contains("needs 'handlers'"));
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
