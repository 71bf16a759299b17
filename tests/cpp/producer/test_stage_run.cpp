// Items through stages without sockets: fan-out ids, payload mappings, branch failures, records.
#include "ferry/producer/json_msgpack.hpp"
#include "ferry/producer/msgpack_json.hpp"
#include "ferry/producer/stage_run.hpp"

#include <catch2/catch.hpp>
#include <simdjson.h>

using namespace ferry::producer;

namespace {

std::string pack(const std::string& json) {
    simdjson::dom::parser parser;
    return json_to_msgpack(parser.parse(json).value());
}

std::string to_json(std::string_view msgpack) {
    std::string out;
    append_json_from_msgpack(msgpack, out);
    return out;
}

PayloadSource source(const std::string& text) {
    std::string error;
    auto parsed = parse_payload_source(text, error);
    REQUIRE(parsed);
    return *parsed;
}

// split -> measure (for_each: words, payload {w: item.word, src: input.lang})
std::shared_ptr<const StagePlan> two_stages() {
    StageSpec split{"split", "t.split", {}, "", {}};
    StageSpec measure{"measure", "t.measure", {"words"}, "words", {}};
    measure.payload.fields = {{"w", source("item.word")}, {"src", source("input.lang")}};
    return std::make_shared<const StagePlan>(std::vector<StageSpec>{split, measure});
}

InputRecord record(const std::string& id, std::uint64_t index, const std::string& payload) {
    InputRecord r;
    r.id = id;
    r.index = index;
    r.payload = pack(payload);
    return r;
}

StageOutcome ok(const std::string& bytes, std::uint64_t number) {
    StageOutcome outcome;
    outcome.ok = true;
    outcome.result = bytes;
    outcome.attempts = 1;
    outcome.delivery = Delivery{0, number};
    return outcome;
}

const auto now = StageRun::Clock::now();

} // namespace

TEST_CASE("the first stage's job takes the input payload under the stage's id prefix") {
    StageRun run(two_stages());
    StageStep step = run.start(record("a", 0, R"({"lang":"en"})"), now);
    REQUIRE(step.jobs.size() == 1);
    CHECK(step.jobs[0].id == "split:a");
    CHECK(step.jobs[0].type == "t.split");
    CHECK(to_json(step.jobs[0].payload) == R"({"lang":"en"})");
    CHECK_FALSE(step.finished);
}

TEST_CASE("a fan-out makes one job per element with ids parent/k and mapped payloads") {
    StageRun run(two_stages());
    (void)run.start(record("a", 0, R"({"lang":"en"})"), now);
    const std::string result = pack(R"({"words":[{"word":"x"},{"word":"yy"}]})");
    auto step = run.advance("split:a", ok(result, 1), now);
    REQUIRE(step);
    CHECK(step->stage == "split");
    REQUIRE(step->jobs.size() == 2);
    CHECK(step->jobs[0].id == "measure:a/0");
    CHECK(step->jobs[1].id == "measure:a/1");
    CHECK(to_json(step->jobs[1].payload) == R"({"w":"yy","src":"en"})");
    CHECK_FALSE(step->finished);
}

TEST_CASE("an item's record comes when its last branch ends, in element order, with every "
          "delivery") {
    StageRun run(two_stages());
    (void)run.start(record("a", 4, R"({"lang":"en"})"), now);
    (void)run.advance("split:a", ok(pack(R"({"words":[{"word":"x"},{"word":"y"}]})"), 1), now);
    const std::string second = pack(R"({"len":2})");
    auto step = run.advance("measure:a/1", ok(second, 2), now);
    REQUIRE(step);
    CHECK_FALSE(step->finished);
    const std::string first = pack(R"({"len":1})");
    step = run.advance("measure:a/0", ok(first, 3), now);
    REQUIRE(step->finished);
    const JobOutcome& outcome = step->finished->bound();
    CHECK(outcome.ok);
    CHECK(outcome.id == "a");
    CHECK(outcome.index == 4);
    CHECK(outcome.attempts == 3);
    CHECK(to_json(outcome.result) == R"([{"len":1},{"len":2}])");
    REQUIRE(outcome.more_deliveries != nullptr);
    CHECK(outcome.more_deliveries->size() == 3);
    CHECK(run.items() == 0);
}

TEST_CASE("an outcome delivered twice is not taken twice") {
    StageRun run(two_stages());
    (void)run.start(record("a", 0, R"({"lang":"en"})"), now);
    const std::string result = pack(R"({"words":[]})");
    auto first = run.advance("split:a", ok(result, 1), now);
    REQUIRE(first);
    REQUIRE(first->finished); // an empty list: no branches, an empty result list
    CHECK(to_json(first->finished->bound().result) == "[]");
    CHECK_FALSE(run.advance("split:a", ok(result, 2), now));
}

TEST_CASE("a failed branch keeps its siblings' results and names its stage and branch") {
    StageRun run(two_stages());
    (void)run.start(record("a", 0, R"({"lang":"en"})"), now);
    (void)run.advance("split:a", ok(pack(R"({"words":[{"word":"x"},{"word":"y"}]})"), 1), now);
    StageOutcome failed;
    failed.error = {"INVALID_ARGUMENT", "bad word", {}, {}, {}};
    failed.attempts = 1;
    (void)run.advance("measure:a/0", failed, now);
    auto step = run.advance("measure:a/1", ok(pack("7"), 3), now);
    REQUIRE(step->finished);
    const JobOutcome& outcome = step->finished->bound();
    CHECK_FALSE(outcome.ok);
    CHECK(outcome.stage == "measure");
    CHECK(outcome.error.message == "bad word");
    CHECK(to_json(outcome.result) == "[null,7]");
    REQUIRE(outcome.branches != nullptr);
    REQUIRE(outcome.branches->size() == 1);
    CHECK(outcome.branches->front().id == "a/0");
}

TEST_CASE("a mapping to a missing field fails the item with INVALID_ARGUMENT naming the field") {
    StageRun run(two_stages());
    (void)run.start(record("a", 0, R"({"language":"en"})"), now);
    auto step = run.advance("split:a", ok(pack(R"({"words":[{"word":"x"}]})"), 1), now);
    REQUIRE(step->finished);
    const JobOutcome& outcome = step->finished->bound();
    CHECK_FALSE(outcome.ok);
    CHECK(outcome.error.code == "INVALID_ARGUMENT");
    CHECK(outcome.error.message ==
          "stage 'measure' payload: field 'lang' is missing from input (its keys are language)");
}

TEST_CASE("a fan-out over a field that is not a list fails the item and says so") {
    StageRun run(two_stages());
    (void)run.start(record("a", 0, R"({"lang":"en"})"), now);
    auto step = run.advance("split:a", ok(pack(R"({"words":"x y"})"), 1), now);
    REQUIRE(step->finished);
    CHECK(step->finished->bound().error.message ==
          "stage 'measure' for_each: 'words' in the result of stage 'split' is not a list");
}

TEST_CASE("a plan refuses duplicate names, item outside fan-out and a fanning first stage") {
    StageSpec a{"a", "t", {}, "", {}};
    CHECK_THROWS_WITH(StagePlan({a, a}), "stages[1]: another stage is already named 'a'");
    StageSpec b{"b", "t", {}, "", {}};
    b.payload.value = source("item.x");
    CHECK_THROWS_WITH(StagePlan({a, b}),
                      "stages[1] (b): payload 'item.x' reads 'item', which only a for_each stage "
                      "has");
    StageSpec first{"first", "t", {"x"}, "x", {}};
    CHECK_THROWS_AS(StagePlan({first}), std::invalid_argument);
    std::string error;
    CHECK_FALSE(parse_payload_source("output.x", error));
    CHECK(error == "'output.x' must start with result, item or input (e.g. result.text)");
    CHECK_FALSE(parse_payload_source("result..x", error));
}

TEST_CASE("a stage without mapping gets the previous result as it came, and nested fan-outs nest "
          "the record's lists") {
    StageSpec pages{"pages", "t.pages", {}, "", {}};
    StageSpec lines{"lines", "t.lines", {"lines"}, "lines", {}};
    StageSpec words{"words", "t.words", {"words"}, "words", {}};
    StageSpec tag{"tag", "t.tag", {}, "", {}};
    StageRun run(
        std::make_shared<const StagePlan>(std::vector<StageSpec>{pages, lines, words, tag}));
    (void)run.start(record("doc", 0, R"({"n":1})"), now);
    auto step =
        run.advance("pages:doc", ok(pack(R"({"lines":[{"words":[1,2]},{"words":[3]}]})"), 1), now);
    REQUIRE(step->jobs.size() == 2);
    step = run.advance("lines:doc/0", ok(pack(R"({"words":["a","b"]})"), 2), now);
    REQUIRE(step->jobs.size() == 2);
    CHECK(step->jobs[1].id == "words:doc/0/1");
    CHECK(to_json(step->jobs[1].payload) == R"("b")");
    step = run.advance("lines:doc/1", ok(pack(R"({"words":["c"]})"), 3), now);
    step = run.advance("words:doc/0/0", ok(pack(R"({"w":"A"})"), 4), now);
    REQUIRE(step->jobs.size() == 1);
    CHECK(step->jobs[0].id == "tag:doc/0/0");
    CHECK(to_json(step->jobs[0].payload) == R"({"w":"A"})");
    for (const char* id : {"words:doc/0/1", "words:doc/1/0"})
        (void)run.advance(id, ok(pack(R"({"w":"x"})"), 5), now);
    (void)run.advance("tag:doc/0/0", ok(pack("1"), 6), now);
    (void)run.advance("tag:doc/0/1", ok(pack("2"), 7), now);
    step = run.advance("tag:doc/1/0", ok(pack("3"), 8), now);
    REQUIRE(step->finished);
    CHECK(to_json(step->finished->bound().result) == "[[1,2],[3]]");
}
