// Reading and writing key files: exclusive creation, owner-only secrets, file:line messages.
#include "ferry/security/key_files.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <sys/stat.h>
#include <unistd.h>

namespace ferry::security {
namespace {

namespace fs = std::filesystem;

// The `name = "value"` lines of a key file, by name, each with its line number.
struct KeyLines {
    std::map<std::string, std::pair<std::string, int>, std::less<>> values;
};

std::string trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(" \t\r");
    return std::string(text.substr(first, last - first + 1));
}

KeyLines parse_key_lines(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        throw KeyError(fmt::format("cannot read key file '{}': {}", path, std::strerror(errno)));
    }
    KeyLines lines;
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        const std::string text = trim(line);
        if (text.empty() || text.front() == '#') {
            continue;
        }
        const auto equals = text.find('=');
        if (equals == std::string::npos) {
            throw KeyError(fmt::format("{}:{}: expected `public-key = \"...\"` or `secret-key = "
                                       "\"...\"`; make key files with `ferry keygen NAME`",
                                       path, number));
        }
        std::string value = trim(std::string_view(text).substr(equals + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
            value = value.substr(1, value.size() - 2);
        }
        lines.values[trim(std::string_view(text).substr(0, equals))] = {value, number};
    }
    return lines;
}

std::string key_value(const KeyLines& lines, std::string_view name, const std::string& path) {
    const auto found = lines.values.find(name);
    if (found == lines.values.end()) {
        throw KeyError(fmt::format("key file '{}' has no `{}` line; make key files with `ferry "
                                   "keygen NAME`",
                                   path, name));
    }
    if (!is_z85_key(found->second.first)) {
        // The value itself is never printed: it may be a secret.
        throw KeyError(fmt::format("{}:{}: `{}` is not a CURVE key (40 characters of Z85 text)",
                                   path, found->second.second, name));
    }
    return found->second.first;
}

// Creates `path` exclusively with `mode` and writes `text` to the disk.
void write_new_file(const std::string& path, const std::string& text, mode_t mode) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        throw KeyError(fmt::format("cannot create '{}': {}", path, std::strerror(errno)));
    }
    const bool written =
        ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
        ::fchmod(fd, mode) == 0 && ::fsync(fd) == 0;
    const int error = errno;
    ::close(fd);
    if (!written) {
        ::unlink(path.c_str());
        throw KeyError(fmt::format("cannot write '{}': {}", path, std::strerror(error)));
    }
}

} // namespace

WrittenKeys write_key_files(const std::string& stem, std::string_view name, const KeyPair& keys) {
    WrittenKeys paths{stem + ".key", stem + ".pub"};
    for (const auto& path : {paths.secret_file, paths.public_file}) {
        std::error_code error;
        if (fs::exists(fs::symlink_status(path, error))) {
            throw KeyError(fmt::format("'{}' exists; Ferry never overwrites a key. Choose another "
                                       "name, or move the old key away first",
                                       path));
        }
    }
    write_new_file(paths.secret_file,
                   fmt::format("# Ferry CURVE secret key \"{}\". Keep it private: whoever holds "
                               "it acts with its role.\npublic-key = \"{}\"\nsecret-key = \"{}\"\n",
                               name, keys.public_key, keys.secret_key),
                   0600);
    try {
        write_new_file(paths.public_file,
                       fmt::format("# Ferry CURVE public key \"{}\". Put it in the broker's "
                                   "allow-list of its role.\npublic-key = \"{}\"\n",
                                   name, keys.public_key),
                       0644);
    } catch (const KeyError&) {
        ::unlink(paths.secret_file.c_str());
        throw;
    }
    return paths;
}

KeyPair read_secret_key_file(const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
        throw KeyError(fmt::format("cannot read key file '{}': {}", path, std::strerror(errno)));
    }
    if ((info.st_mode & 0077) != 0) {
        throw KeyError(fmt::format("secret key file '{}' may be read by others (mode {:04o}); "
                                   "run `chmod 600 {}`",
                                   path, info.st_mode & 07777, path));
    }
    const KeyLines lines = parse_key_lines(path);
    KeyPair keys{"", key_value(lines, "secret-key", path)};
    keys.public_key = public_key_of(keys.secret_key);
    if (lines.values.contains("public-key") &&
        key_value(lines, "public-key", path) != keys.public_key) {
        throw KeyError(fmt::format("key file '{}': its public-key line does not belong to its "
                                   "secret key; make a new pair with `ferry keygen NAME`",
                                   path));
    }
    return keys;
}

std::string read_public_key_file(const std::string& path) {
    return key_value(parse_key_lines(path), "public-key", path);
}

std::string resolve_public_key(const std::string& key_or_path, std::string_view what) {
    if (is_z85_key(key_or_path)) {
        return key_or_path;
    }
    std::error_code error;
    if (!fs::is_regular_file(key_or_path, error)) {
        throw KeyError(fmt::format("{}: '{}' is neither a CURVE public key (40 characters of Z85 "
                                   "text) nor a readable key file",
                                   what, key_or_path));
    }
    return read_public_key_file(key_or_path);
}

std::vector<ListedKey> read_public_key_directory(const std::string& directory) {
    std::error_code error;
    if (!fs::is_directory(directory, error)) {
        throw KeyError(fmt::format("allow-list directory '{}' does not exist or is not a "
                                   "directory",
                                   directory));
    }
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(directory, error)) {
        if (entry.path().extension() == ".pub" && entry.is_regular_file(error)) {
            files.push_back(entry.path().string());
        }
    }
    if (error) {
        throw KeyError(fmt::format("cannot list '{}': {}", directory, error.message()));
    }
    std::sort(files.begin(), files.end());
    std::vector<ListedKey> keys;
    for (const auto& file : files) {
        keys.push_back({read_public_key_file(file), file});
    }
    return keys;
}

} // namespace ferry::security
