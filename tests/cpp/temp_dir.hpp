// A temporary directory for one test, removed with everything in it at the end of the test.
#pragma once

#include <filesystem>
#include <string>

namespace ferry::test {

class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    // The directory itself.
    [[nodiscard]] std::string root() const { return root_.string(); }
    // Path of `name` inside the directory.
    [[nodiscard]] std::string path(const std::string& name) const;
    // Writes `text` to `name` and returns its path.
    std::string write(const std::string& name, const std::string& text) const;
    // Reads `name` whole.
    [[nodiscard]] std::string read(const std::string& name) const;

  private:
    std::filesystem::path root_; // the directory
};

} // namespace ferry::test
