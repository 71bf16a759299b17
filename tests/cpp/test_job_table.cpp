// The job table: keys per client, stale handles, memory of finished keys, dead letters.
#include "ferry/broker/job_table.hpp"
#include "heap_usage.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

using namespace ferry::broker;

namespace {
JobRecord record_for(const std::string& client, const std::string& id) {
    JobRecord record;
    record.key = make_job_key(client, id);
    record.client_size = static_cast<std::uint32_t>(client.size());
    record.type = "echo";
    return record;
}

// The key of the i-th job of client "c".
std::string key_of(std::size_t i) {
    return make_job_key("c", std::to_string(i));
}

// Claims a slot for `key` on the hot path, asserting the key was new, and fills its fields.
JobRef emplace_job(JobTable& table, const std::string& key, std::string_view payload = "p") {
    JobRef ref;
    JobRecord* record = table.emplace(key, ref);
    REQUIRE(record != nullptr);
    record->client_size = static_cast<std::uint32_t>(key.find(key_separator));
    record->payload.assign(payload);
    return ref;
}

// `wanted` keys that all start probing at the same index position in any table of up to 4096
// positions (equal low 12 bits of std::hash<std::string_view>, which the table uses).
std::vector<std::string> keys_with_one_home(std::size_t wanted) {
    std::vector<std::string> keys;
    const auto home = [](const std::string& key) {
        return std::hash<std::string_view>{}(key)&0xFFFU;
    };
    const std::uint64_t target = home(key_of(0));
    for (std::size_t i = 0; keys.size() < wanted; ++i) {
        if (home(key_of(i)) == target) {
            keys.push_back(key_of(i));
        }
    }
    return keys;
}
} // namespace

TEST_CASE("The same job id from two clients is two jobs", "[job_table]") {
    JobTable table(10, 10);
    table.insert(record_for("a", "1"));
    CHECK_FALSE(table.known(make_job_key("b", "1")));
    table.insert(record_for("b", "1"));
    CHECK(table.size() == 2);
}

TEST_CASE("A finished job's handle goes stale and its key stays known", "[job_table]") {
    JobTable table(10, 10);
    const auto ref = table.insert(record_for("a", "1"));
    const auto& finished = table.finish(ref);
    CHECK(finished.id() == "1");
    CHECK(finished.client() == "a");
    CHECK(table.get(ref) == nullptr);
    CHECK(table.known(make_job_key("a", "1")));
    const auto reused = table.insert(record_for("a", "2"));
    CHECK(reused.slot == ref.slot);
    CHECK(table.get(ref) == nullptr);
    CHECK(table.get(reused) != nullptr);
}

TEST_CASE("The memory of finished keys is bounded, oldest forgotten first", "[job_table]") {
    JobTable table(2, 10);
    for (const auto* id : {"1", "2", "3"}) {
        table.finish(table.insert(record_for("a", id)));
    }
    CHECK_FALSE(table.known(make_job_key("a", "1")));
    CHECK(table.known(make_job_key("a", "2")));
    CHECK(table.known(make_job_key("a", "3")));
}

TEST_CASE("A remembered finished key costs at most 48 bytes however long its key", "[job_table]") {
    // Ring entries are 16 bytes and index entries 8 at a load of at least a quarter: 16 + 32.
    constexpr std::size_t remembered = 100'000;
    const std::string client(60, 'c'); // a long producer client name, as real ones are
    const std::size_t before = ferry::test::heap_bytes_in_use();
    JobTable table(remembered, 10);
    for (std::size_t i = 0; i < remembered + 1000; ++i) {
        table.finish(emplace_job(table, make_job_key(client, std::to_string(i))));
    }
    const std::size_t after = ferry::test::heap_bytes_in_use();
    CHECK((after - before) / remembered <= 48);
    CHECK(table.known(make_job_key(client, std::to_string(remembered + 999))));
    CHECK(table.known(make_job_key(client, "1000")));
    CHECK_FALSE(table.known(make_job_key(client, "999")));
}

TEST_CASE("A new key sharing a remembered key's index tag is not taken for it", "[job_table]") {
    // Two keys with the same low 32 bits of hash: the same tag and home, so only the remembered
    // key's full hashes can tell them apart.
    std::unordered_map<std::uint32_t, std::string> by_tag;
    std::string first;
    std::string second;
    for (std::size_t i = 0; second.empty(); ++i) {
        const std::string key = key_of(i);
        const auto tag = static_cast<std::uint32_t>(JobTable::hash_key(key));
        if (auto [it, inserted] = by_tag.emplace(tag, key); !inserted) {
            first = it->second;
            second = key;
        }
    }
    JobTable table(10, 10);
    table.finish(emplace_job(table, first));
    CHECK(table.known(first));
    CHECK_FALSE(table.known(second));
    const JobRef ref = emplace_job(table, second);
    CHECK(table.find(second) == ref);
    table.finish(ref);
    CHECK(table.known(first));
    CHECK(table.known(second));
}

TEST_CASE("Dead letters are capped but counted", "[job_table]") {
    JobTable table(10, 2);
    for (int i = 0; i < 3; ++i) {
        DeadLetter letter;
        letter.id = std::to_string(i);
        letter.client = "a";
        letter.type = "echo";
        table.add_dead_letter(std::move(letter));
    }
    CHECK(table.dead_letters().size() == 2);
    CHECK(table.dead_letters().front().id == "1");
    CHECK(table.dead_letters_total() == 3);
}

TEST_CASE("Dead letters keep payloads within a byte budget, dropping the oldest first",
          "[job_table]") {
    JobTable table(10, 100);
    const std::size_t each = dead_letter_payload_budget / 3 + 1;
    for (int i = 0; i < 3; ++i) {
        DeadLetter letter;
        letter.id = std::to_string(i);
        letter.client = "a";
        letter.payload = std::string(each, 'p');
        letter.payload_kept = true;
        table.add_dead_letter(std::move(letter));
    }
    REQUIRE(table.dead_letters().size() == 3);
    CHECK_FALSE(table.dead_letters()[0].payload_kept);
    CHECK(table.dead_letters()[0].payload.empty());
    CHECK(table.dead_letters()[1].payload_kept);
    CHECK(table.dead_letters()[2].payload_kept);
    const auto taken = table.take_dead_letter("a", "1");
    REQUIRE(taken);
    CHECK(taken->payload.size() == each);
    CHECK(table.dead_letter("a", "1") == nullptr);
    CHECK(table.dead_letter("a", "2") != nullptr);
    CHECK_FALSE(table.take_dead_letter("b", "2"));
}

TEST_CASE("A forgotten finished key can be held again, and the ring passes over it safely",
          "[job_table]") {
    JobTable table(4, 10);
    JobRef ref = emplace_job(table, key_of(0));
    table.finish(ref);
    CHECK(table.known(key_of(0)));
    CHECK(table.forget_finished(key_of(0)));
    CHECK_FALSE(table.known(key_of(0)));
    ref = emplace_job(table, key_of(0));
    CHECK_FALSE(table.forget_finished(key_of(0))); // held: not forgotten
    CHECK(table.find(key_of(0)) == ref);
    table.finish(ref);
    // Ten more finished keys wrap the four-key ring past the forgotten entry.
    for (std::size_t i = 1; i <= 10; ++i) {
        table.finish(emplace_job(table, key_of(i)));
    }
    for (std::size_t i = 7; i <= 10; ++i) {
        CHECK(table.known(key_of(i)));
    }
    CHECK_FALSE(table.known(key_of(0)));
    CHECK_FALSE(table.known(key_of(6)));
}

TEST_CASE("Many keys are found, finished, remembered, then forgotten oldest first", "[job_table]") {
    constexpr std::size_t count = 200'000;
    constexpr std::size_t remembered = 50'000;
    JobTable table(remembered, 10);
    std::vector<JobRef> refs;
    for (std::size_t i = 0; i < count; ++i) {
        refs.push_back(emplace_job(table, key_of(i)));
    }
    CHECK(table.size() == count);
    for (std::size_t i = 0; i < count; ++i) {
        REQUIRE(table.find(key_of(i)) == refs[i]);
        REQUIRE(table.get(refs[i])->id() == std::to_string(i));
    }
    for (std::size_t i = 0; i < count; ++i) {
        REQUIRE(table.finish(refs[i]).id() == std::to_string(i));
    }
    CHECK(table.size() == 0);
    for (std::size_t i = 0; i < count; ++i) {
        REQUIRE(table.known(key_of(i)) == (i >= count - remembered));
        REQUIRE_FALSE(table.find(key_of(i)).has_value());
        REQUIRE(table.get(refs[i]) == nullptr);
    }
}

TEST_CASE("Interleaved emplaces and finishes keep every held and remembered key exact",
          "[job_table]") {
    constexpr std::size_t window = 3'000;
    constexpr std::size_t remembered = 2'000;
    JobTable table(remembered, 10);
    std::deque<JobRef> held;
    for (std::size_t i = 0; i < 60'000; ++i) {
        held.push_back(emplace_job(table, key_of(i)));
        if (held.size() > window) {
            table.finish(held.front());
            held.pop_front();
        }
        if (i % 4'999 == 0) {
            const std::size_t first_held = i + 1 - held.size();
            for (std::size_t k = 0; k <= i; ++k) {
                const bool remembered_done = k < first_held && k + remembered >= first_held;
                REQUIRE(table.known(key_of(k)) == (k >= first_held || remembered_done));
                REQUIRE(table.find(key_of(k)).has_value() == (k >= first_held));
            }
        }
    }
    CHECK(table.size() == window);
}

TEST_CASE("Random operations agree with a map and a bounded list of done keys", "[job_table]") {
    constexpr std::size_t remembered = 100;
    constexpr std::size_t key_space = 600;
    JobTable table(remembered, 10);
    std::unordered_map<std::string, JobRef> held;
    std::deque<std::string> done; // oldest first, at most `remembered`
    std::set<std::string> done_set;
    std::mt19937 random(20240611);
    std::uniform_int_distribution<std::size_t> pick_key(0, key_space - 1);
    std::uniform_int_distribution<int> pick_op(0, 9);
    for (int step = 0; step < 30'000; ++step) {
        const std::string key = key_of(pick_key(random));
        const bool is_held = held.count(key) != 0;
        const bool is_known = is_held || done_set.count(key) != 0;
        const int op = pick_op(random);
        if (op < 4) { // claim a slot (hot path) or store a whole record (cold path)
            JobRef ref;
            if (op == 0 && !is_known) {
                JobRecord record;
                record.key = key;
                ref = table.insert(std::move(record));
            } else {
                REQUIRE((table.emplace(key, ref) == nullptr) == is_known);
            }
            if (!is_known) {
                held.emplace(key, ref);
            }
        } else if (op < 7 && !held.empty()) { // finish some held job
            auto it = held.begin();
            std::advance(it, static_cast<long>(pick_key(random) % held.size()));
            REQUIRE(table.finish(it->second).key == it->first);
            done.push_back(it->first);
            done_set.insert(it->first);
            held.erase(it);
            if (done.size() > remembered) {
                done_set.erase(done.front());
                done.pop_front();
            }
        }
        REQUIRE(table.known(key) == (held.count(key) != 0 || done_set.count(key) != 0));
        const auto found = table.find(key);
        REQUIRE(found.has_value() == (held.count(key) != 0));
        if (found) {
            REQUIRE(*found == held.at(key));
            REQUIRE(table.get(*found)->key == key);
        }
        REQUIRE(table.size() == held.size());
    }
    std::size_t visited = 0;
    table.for_each([&](JobRef ref, const JobRecord& record) {
        ++visited;
        CHECK(held.at(record.key) == ref);
    });
    CHECK(visited == held.size());
}

TEST_CASE("Keys that probe from the same position are still told apart", "[job_table]") {
    const std::vector<std::string> keys = keys_with_one_home(80);
    const std::vector<std::string> stored(keys.begin(), keys.begin() + 40);
    JobTable table(5, 10);
    std::map<std::string, JobRef> held;
    for (const auto& key : stored) {
        held[key] = emplace_job(table, key);
    }
    for (std::size_t i = 0; i < keys.size(); ++i) {
        CHECK(table.known(keys[i]) == (i < stored.size()));
        CHECK(table.find(keys[i]) ==
              (i < stored.size() ? std::optional(held[keys[i]]) : std::nullopt));
    }
    // Finishing every other key evicts most of them again (5 remembered) from the middle of the
    // cluster, so backward shifts move the rest.
    for (std::size_t i = 0; i < stored.size(); i += 2) {
        table.finish(held[stored[i]]);
        held.erase(stored[i]);
    }
    for (std::size_t i = 0; i < stored.size(); ++i) {
        const bool remembered_done = i % 2 == 0 && i >= stored.size() - 10;
        CHECK(table.known(stored[i]) == (i % 2 == 1 || remembered_done));
        CHECK(table.find(stored[i]).has_value() == (i % 2 == 1));
        if (i % 2 == 1) {
            CHECK(table.find(stored[i]) == held[stored[i]]);
        }
    }
}

TEST_CASE("Keys with equal hash tags and the same probe start are still told apart",
          "[job_table]") {
    // Keys whose hashes agree in the low 32 bits (the tag, which holds the home position) meet
    // with equal tags at the same probe start: only the key compare tells them apart. A million
    // keys hold about a hundred such pairs, by the birthday bound.
    std::vector<std::pair<std::uint64_t, std::size_t>> bits; // (tag, key number)
    for (std::size_t i = 0; i < 1'000'000; ++i) {
        const std::uint64_t hash = std::hash<std::string_view>{}(key_of(i));
        bits.emplace_back(hash & 0xFFFF'FFFFU, i);
    }
    std::sort(bits.begin(), bits.end());
    std::vector<std::pair<std::string, std::string>> pairs;
    for (std::size_t i = 1; i < bits.size(); ++i) {
        if (bits[i].first == bits[i - 1].first) {
            pairs.emplace_back(key_of(bits[i - 1].second), key_of(bits[i].second));
        }
    }
    REQUIRE_FALSE(pairs.empty());
    for (const auto& [first, second] : pairs) {
        JobTable table(10, 10);
        const JobRef first_ref = emplace_job(table, first);
        CHECK_FALSE(table.known(second));
        CHECK_FALSE(table.find(second).has_value());
        const JobRef second_ref = emplace_job(table, second);
        CHECK(table.find(first) == first_ref);
        CHECK(table.find(second) == second_ref);
        table.finish(first_ref);
        CHECK(table.known(first));
        CHECK_FALSE(table.find(first).has_value());
        CHECK(table.find(second) == second_ref);
        table.finish(second_ref);
        CHECK(table.known(second));
        CHECK_FALSE(table.find(second).has_value());
    }
}

TEST_CASE("Emplace refuses held and remembered keys, and reuses a finished slot", "[job_table]") {
    JobTable table(10, 10);
    const std::string payload(200, 'x');
    const JobRef ref = emplace_job(table, key_of(1), payload);
    JobRef ignored;
    CHECK(table.emplace(key_of(1), ignored) == nullptr);
    table.finish(ref);
    CHECK(table.emplace(key_of(1), ignored) == nullptr);

    JobRef reused;
    JobRecord* record = table.emplace(key_of(2), reused);
    REQUIRE(record != nullptr);
    CHECK(reused.slot == ref.slot);
    CHECK(reused.generation != ref.generation);
    CHECK(table.get(ref) == nullptr);
    CHECK(table.get(reused) == record);
    CHECK(record->key == key_of(2));
    CHECK(record->payload.capacity() >= payload.size());
}

TEST_CASE("A finished record stays readable until the next emplace", "[job_table]") {
    JobTable table(10, 10);
    const JobRef ref = emplace_job(table, key_of(7));
    const JobRecord& finished = table.finish(ref);
    CHECK(table.get(ref) == nullptr);
    CHECK(table.known(key_of(7)));
    CHECK(finished.key == key_of(7));
    CHECK(finished.id() == "7");
    CHECK(table.size() == 0);
    std::size_t visited = 0;
    table.for_each([&visited](JobRef, const JobRecord&) { ++visited; });
    CHECK(visited == 0);
}

TEST_CASE("With remember_done 0 a finished key is forgotten at once", "[job_table]") {
    JobTable table(0, 10);
    const JobRef ref = emplace_job(table, key_of(1));
    table.finish(ref);
    CHECK_FALSE(table.known(key_of(1)));
    const JobRef again = emplace_job(table, key_of(1));
    CHECK(table.find(key_of(1)) == again);
    CHECK(table.get(ref) == nullptr);
}

TEST_CASE("A record's client and id are the two parts of its key, separators in the id kept",
          "[job_table]") {
    JobTable table(10, 10);
    const auto ref = table.insert(record_for("producer-1", std::string("a\x1f"
                                                                       "b",
                                                                       3)));
    CHECK(table.get(ref)->client() == "producer-1");
    CHECK(table.get(ref)->id() == std::string("a\x1f"
                                              "b",
                                              3));
    const auto empty = table.insert(record_for("p", ""));
    CHECK(table.get(empty)->client() == "p");
    CHECK(table.get(empty)->id().empty());
}
