// Allow-lists into roles: directories and list entries, several roles per key, bad entries named.
#include "ferry/security/key_ring.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

using namespace ferry::security;
using ferry::test::TempDir;

TEST_CASE("a key listed in two roles holds both, an unlisted key none") {
    TempDir dir;
    std::filesystem::create_directories(dir.path("workers"));
    const auto worker = generate_key_pair();
    const auto both = generate_key_pair();
    (void)write_key_files(dir.path("workers/w"), "w", worker);
    CurveConfig config;
    config.workers.directory = dir.path("workers");
    config.producers.keys = {both.public_key};
    config.admins.keys = {both.public_key};
    const KeyRing ring = load_key_ring(config);
    CHECK(ring.roles_of(worker.public_key) == role_worker);
    CHECK(ring.roles_of(both.public_key) == (role_producer | role_admin));
    CHECK(ring.roles_of(generate_key_pair().public_key) == 0);
    CHECK(ring.count(role_worker) == 1);
    CHECK(ring.count(role_admin) == 1);
    CHECK(role_names(role_producer | role_admin) == "producer+admin");
}

TEST_CASE("a list entry that is no key names its list and position") {
    CurveConfig config;
    config.admins.keys = {generate_key_pair().public_key, "typo"};
    CHECK_THROWS_WITH(load_key_ring(config), Catch::Contains("security.curve.admins entry 2"));
}

TEST_CASE("a reload replaces the ring whole for every holder of it") {
    KeyRing first;
    const auto key = generate_key_pair();
    first.grant(key.public_key, role_worker);
    KeyRingHolder holder(first);
    const auto before = holder.get();
    holder.set(KeyRing{});
    CHECK(before->roles_of(key.public_key) == role_worker); // a reader keeps its snapshot
    CHECK(holder.get()->roles_of(key.public_key) == 0);
}
