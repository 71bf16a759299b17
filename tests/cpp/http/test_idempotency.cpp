// Idempotency keys: fresh, in progress (409), conflict (422), replay.
#include "ferry/http/idempotency.hpp"

#include <catch2/catch.hpp>

using namespace ferry::http;

TEST_CASE("one answer per key and body") {
    IdempotencyKeys keys(3600);
    CHECK(keys.claim("jobs", "k", "h1").state == KeyState::fresh);
    CHECK(keys.claim("jobs", "k", "h1").state == KeyState::in_progress); // concurrent retry: 409
    CHECK(keys.claim("jobs", "k", "h2").state == KeyState::conflict);    // other body: 422
    keys.complete("jobs", "k", 202, "{\"id\":\"x\"}");
    const KeyClaim replay = keys.claim("jobs", "k", "h1");
    CHECK(replay.state == KeyState::replay);
    CHECK(replay.status == 202);
    CHECK(replay.body == "{\"id\":\"x\"}");
    CHECK(keys.claim("batches", "k", "h2").state == KeyState::fresh); // routes are kept apart
}

TEST_CASE("a released key may be used again") {
    IdempotencyKeys keys(3600);
    CHECK(keys.claim("jobs", "k", "h1").state == KeyState::fresh);
    keys.release("jobs", "k");
    CHECK(keys.claim("jobs", "k", "h2").state == KeyState::fresh);
}

TEST_CASE("sha256 of known text") {
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
