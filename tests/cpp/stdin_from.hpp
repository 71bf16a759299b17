// Points the process's standard input (descriptor 0) at a file for one scope, then restores it.
#pragma once

#include <fcntl.h>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace ferry::test {

class StdinFrom {
  public:
    explicit StdinFrom(const std::string& path) : saved_(::dup(STDIN_FILENO)) {
        const int file = ::open(path.c_str(), O_RDONLY);
        if (saved_ < 0 || file < 0 || ::dup2(file, STDIN_FILENO) != STDIN_FILENO)
            throw std::runtime_error("cannot point standard input at " + path);
        ::close(file);
    }
    ~StdinFrom() {
        ::dup2(saved_, STDIN_FILENO);
        ::close(saved_);
    }
    StdinFrom(const StdinFrom&) = delete;
    StdinFrom& operator=(const StdinFrom&) = delete;

  private:
    int saved_; // the standard input before
};

} // namespace ferry::test
