// Key files: what keygen writes reads back, and every kind of bad file is refused by name.
#include "ferry/security/key_files.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <sys/stat.h>

using namespace ferry::security;
using ferry::test::TempDir;

TEST_CASE("a written key pair reads back, the secret file owner-only") {
    TempDir dir;
    const KeyPair keys = generate_key_pair();
    const auto written = write_key_files(dir.path("host"), "host", keys);
    struct stat info {};
    REQUIRE(::stat(written.secret_file.c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);
    const KeyPair read = read_secret_key_file(written.secret_file);
    CHECK(read.secret_key == keys.secret_key);
    CHECK(read.public_key == keys.public_key);
    CHECK(read_public_key_file(written.public_file) == keys.public_key);
    CHECK(resolve_public_key(written.public_file, "--server-key") == keys.public_key);
    CHECK(resolve_public_key(keys.public_key, "--server-key") == keys.public_key);
}

TEST_CASE("no key file is ever overwritten") {
    TempDir dir;
    const auto first = generate_key_pair();
    const auto written = write_key_files(dir.path("host"), "host", first);
    CHECK_THROWS_WITH(write_key_files(dir.path("host"), "host", generate_key_pair()),
                      Catch::Contains("never overwrites"));
    CHECK(read_secret_key_file(written.secret_file).secret_key == first.secret_key);
}

TEST_CASE("a secret key file others may read is refused with the chmod to run") {
    TempDir dir;
    const auto written = write_key_files(dir.path("host"), "host", generate_key_pair());
    ::chmod(written.secret_file.c_str(), 0640);
    CHECK_THROWS_WITH(read_secret_key_file(written.secret_file),
                      Catch::Contains("chmod 600") && Catch::Contains("0640"));
}

TEST_CASE("malformed key files name file and line, never the value") {
    TempDir dir;
    const std::string garbage = dir.write("bad.key", "# comment\nsecret-key = \"short\"\n");
    ::chmod(garbage.c_str(), 0600);
    CHECK_THROWS_WITH(read_secret_key_file(garbage),
                      Catch::Contains("bad.key:2") && !Catch::Contains("short"));
    const std::string no_equals = dir.write("worse.key", "just words\n");
    ::chmod(no_equals.c_str(), 0600);
    CHECK_THROWS_WITH(read_secret_key_file(no_equals), Catch::Contains("worse.key:1"));
    const KeyPair one = generate_key_pair();
    const KeyPair two = generate_key_pair();
    const std::string mixed =
        dir.write("mixed.key", "public-key = \"" + two.public_key + "\"\nsecret-key = \"" +
                                   one.secret_key + "\"\n");
    ::chmod(mixed.c_str(), 0600);
    CHECK_THROWS_WITH(read_secret_key_file(mixed), Catch::Contains("does not belong"));
    CHECK_THROWS_WITH(resolve_public_key("nonsense", "--server-key"),
                      Catch::Contains("--server-key") && Catch::Contains("neither"));
}

TEST_CASE("a directory allow-list reads every .pub file and nothing else") {
    TempDir dir;
    std::filesystem::create_directories(dir.path("list"));
    const auto a = generate_key_pair();
    const auto b = generate_key_pair();
    (void)write_key_files(dir.path("list/a"), "a", a);
    (void)write_key_files(dir.path("list/b"), "b", b);
    const auto keys = read_public_key_directory(dir.path("list"));
    REQUIRE(keys.size() == 2);
    CHECK(keys[0].key == a.public_key);
    CHECK(keys[1].key == b.public_key);
    CHECK_THROWS_WITH(read_public_key_directory(dir.path("missing")),
                      Catch::Contains("does not exist"));
}
