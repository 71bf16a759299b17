// A small tmpfs mounted for one test (a disk that can really fill up), unmounted at the end.
#pragma once

#include "temp_dir.hpp"

#include <cerrno>
#include <cstring>
#include <string>
#include <sys/mount.h>

namespace ferry::test {

// Mounting needs CAP_SYS_ADMIN (CI runs as root); without it `mounted()` is false and `why()`
// says so, and the test reports that it did not run.
class TmpfsMount {
  public:
    explicit TmpfsMount(std::size_t bytes) {
        const std::string options = "size=" + std::to_string(bytes);
        if (::mount("tmpfs", dir_.root().c_str(), "tmpfs", 0, options.c_str()) == 0) {
            mounted_ = true;
        } else {
            why_ = std::string("cannot mount a tmpfs: ") + std::strerror(errno);
        }
    }
    ~TmpfsMount() {
        if (mounted_) {
            (void)::umount2(dir_.root().c_str(), MNT_DETACH);
        }
    }
    TmpfsMount(const TmpfsMount&) = delete;
    TmpfsMount& operator=(const TmpfsMount&) = delete;

    [[nodiscard]] bool mounted() const { return mounted_; }
    [[nodiscard]] const std::string& why() const { return why_; }
    [[nodiscard]] std::string root() const { return dir_.root(); }
    [[nodiscard]] std::string path(const std::string& name) const { return dir_.path(name); }

  private:
    TempDir dir_;          // the mount point
    bool mounted_ = false; // the tmpfs is there
    std::string why_;      // why not
};

} // namespace ferry::test
