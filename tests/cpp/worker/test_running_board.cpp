// The running board: what a worker process writes before and after a forward pass is what its
// supervisor reads after the process died.
#include "ferry/worker/running_board.hpp"

#include <catch2/catch.hpp>
#include <sys/wait.h>
#include <unistd.h>

using ferry::worker::RunningBoard;

TEST_CASE("the keys a process entered with are read back until it leaves") {
    auto board = RunningBoard::create(2);
    auto worker = RunningBoard::attach(dup(board.fd()), 1);
    CHECK(board.running(1) == std::vector<std::string>{});
    worker.enter({"client\x1f"
                  "a",
                  "client\x1f"
                  "b"});
    CHECK(board.running(1) == std::vector<std::string>{"client\x1f"
                                                       "a",
                                                       "client\x1f"
                                                       "b"});
    CHECK(board.running(0) == std::vector<std::string>{});
    worker.leave();
    CHECK(board.running(1) == std::vector<std::string>{});
}

TEST_CASE("a batch whose keys do not fit its slot reads as unknown, so all held jobs count") {
    auto board = RunningBoard::create(1);
    auto worker = RunningBoard::attach(dup(board.fd()), 0);
    worker.enter({std::string(RunningBoard::slot_bytes, 'k')});
    CHECK_FALSE(board.running(0).has_value());
    board.reset(0);
    CHECK(board.running(0) == std::vector<std::string>{});
}

TEST_CASE("a child process's entries and readiness survive its death") {
    auto board = RunningBoard::create(1);
    const pid_t pid = fork();
    if (pid == 0) {
        auto worker = RunningBoard::attach(board.fd(), 0);
        worker.mark_ready();
        worker.enter({"job-1"});
        _exit(0);
    }
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    CHECK(board.ready(0));
    CHECK(board.running(0) == std::vector<std::string>{"job-1"});
    board.reset(0);
    CHECK_FALSE(board.ready(0));
}

TEST_CASE("attaching to a file that is not a board is refused") {
    auto board = RunningBoard::create(1);
    CHECK_THROWS_AS(RunningBoard::attach(dup(board.fd()), 5), std::invalid_argument);
}
