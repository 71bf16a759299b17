// Chooses the journal's store by measurement: an append-only log vs SQLite (WAL) vs LMDB.
//
// The workload is the broker's: jobs of ~100 bytes accepted in groups (one SUBMIT batch or poll
// pass = one commit), each later marked done. Per group: insert `group` jobs, then mark the
// previous group done, then commit (with or without an fsync). Built by hand, not by CMake, so
// the library has no dependency on the stores it rejected:
//   g++ -O2 -std=c++20 bench/journal_store_bench.cpp -o /tmp/jsb -lsqlite3 -llmdb
//   /tmp/jsb /tmp/jsb-dir 200000 256
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <lmdb.h>
#include <sqlite3.h>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Workload {
    std::size_t jobs;  // jobs in the run
    std::size_t group; // jobs per commit
    bool sync;         // fsync at each commit
};

std::string key_of(std::size_t i) {
    return "client\x1fjob-" + std::to_string(i);
}
const std::string payload(100, 'p'); // a typical small job

// The append-only log: each record is length + checksum-ish word + bytes, one write per group.
double run_log(const std::string& dir, const Workload& w) {
    const int fd = ::open((dir + "/log").c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_APPEND, 0644);
    std::string buffer;
    const auto append = [&buffer](char type, const std::string& key, const std::string& body) {
        const std::uint32_t length = static_cast<std::uint32_t>(key.size() + body.size() + 1);
        std::uint32_t sum = 0;
        for (const char c : key)
            sum = sum * 31 + static_cast<unsigned char>(c);
        buffer.append(reinterpret_cast<const char*>(&length), 4);
        buffer.append(reinterpret_cast<const char*>(&sum), 4);
        buffer.push_back(type);
        buffer.append(key).append(body);
    };
    for (std::size_t start = 0; start < w.jobs; start += w.group) {
        buffer.clear();
        for (std::size_t i = start; i < start + w.group; ++i)
            append('A', key_of(i), payload);
        if (start >= w.group) {
            for (std::size_t i = start - w.group; i < start; ++i)
                append('D', key_of(i), "");
        }
        if (::write(fd, buffer.data(), buffer.size()) < 0)
            std::abort();
        if (w.sync)
            ::fdatasync(fd);
    }
    ::close(fd);
    return 0;
}

double run_sqlite(const std::string& dir, const Workload& w) {
    sqlite3* db = nullptr;
    sqlite3_open((dir + "/jobs.db").c_str(), &db);
    sqlite3_exec(db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
    sqlite3_exec(db, w.sync ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=OFF", nullptr,
                 nullptr, nullptr);
    sqlite3_exec(db, "CREATE TABLE jobs(key TEXT PRIMARY KEY, payload BLOB) WITHOUT ROWID", nullptr,
                 nullptr, nullptr);
    sqlite3_stmt* insert = nullptr;
    sqlite3_stmt* remove = nullptr;
    sqlite3_prepare_v2(db, "INSERT INTO jobs VALUES(?, ?)", -1, &insert, nullptr);
    sqlite3_prepare_v2(db, "DELETE FROM jobs WHERE key = ?", -1, &remove, nullptr);
    for (std::size_t start = 0; start < w.jobs; start += w.group) {
        sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
        for (std::size_t i = start; i < start + w.group; ++i) {
            const auto key = key_of(i);
            sqlite3_bind_text(insert, 1, key.data(), static_cast<int>(key.size()),
                              SQLITE_TRANSIENT);
            sqlite3_bind_blob(insert, 2, payload.data(), 100, SQLITE_STATIC);
            sqlite3_step(insert);
            sqlite3_reset(insert);
        }
        for (std::size_t i = start >= w.group ? start - w.group : start; i < start; ++i) {
            const auto key = key_of(i);
            sqlite3_bind_text(remove, 1, key.data(), static_cast<int>(key.size()),
                              SQLITE_TRANSIENT);
            sqlite3_step(remove);
            sqlite3_reset(remove);
        }
        sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    }
    sqlite3_finalize(insert);
    sqlite3_finalize(remove);
    sqlite3_close(db);
    return 0;
}

double run_lmdb(const std::string& dir, const Workload& w) {
    MDB_env* env = nullptr;
    mdb_env_create(&env);
    mdb_env_set_mapsize(env, std::size_t{1} << 32);
    mdb_env_open(env, dir.c_str(), w.sync ? 0u : unsigned{MDB_NOSYNC}, 0644);
    MDB_dbi dbi = 0;
    for (std::size_t start = 0; start < w.jobs; start += w.group) {
        MDB_txn* txn = nullptr;
        mdb_txn_begin(env, nullptr, 0, &txn);
        if (start == 0)
            mdb_dbi_open(txn, nullptr, 0, &dbi);
        for (std::size_t i = start; i < start + w.group; ++i) {
            auto key = key_of(i);
            MDB_val k{key.size(), key.data()};
            MDB_val v{payload.size(), const_cast<char*>(payload.data())};
            mdb_put(txn, dbi, &k, &v, 0);
        }
        for (std::size_t i = start >= w.group ? start - w.group : start; i < start; ++i) {
            auto key = key_of(i);
            MDB_val k{key.size(), key.data()};
            mdb_del(txn, dbi, &k, nullptr);
        }
        mdb_txn_commit(txn);
    }
    mdb_env_close(env);
    return 0;
}

void measure(const char* name, double (*run)(const std::string&, const Workload&),
             const std::string& root, const Workload& w) {
    const std::string dir = root + "/" + name;
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const auto start = Clock::now();
    run(dir, w);
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("%-8s %-9s %10.0f jobs/s  (%zu jobs, %zu per commit)\n", name,
                w.sync ? "fsync" : "no-fsync", static_cast<double>(w.jobs) / seconds, w.jobs,
                w.group);
    std::filesystem::remove_all(dir);
}

} // namespace

int main(int argc, char** argv) {
    const std::string root = argc > 1 ? argv[1] : "/tmp/journal-store-bench";
    const std::size_t jobs = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 200000;
    const std::size_t group = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 256;
    for (const bool sync : {false, true}) {
        const Workload w{sync ? jobs / 4 : jobs, group, sync};
        measure("log", run_log, root, w);
        measure("sqlite", run_sqlite, root, w);
        measure("lmdb", run_lmdb, root, w);
    }
    return 0;
}
