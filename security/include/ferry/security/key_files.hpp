// Key files as `ferry keygen` writes them and every Ferry program reads them.
//
//   NAME.key (mode 0600)                     NAME.pub
//   # Ferry CURVE secret key "NAME" ...      # Ferry CURVE public key "NAME" ...
//   public-key = "<40 Z85 characters>"       public-key = "<40 Z85 characters>"
//   secret-key = "<40 Z85 characters>"
//
// Lines starting with '#' are comments; the Python worker reads the same format.
#pragma once

#include "ferry/security/curve_keys.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace ferry::security {

// Writes STEM.key (0600, created exclusively) and STEM.pub; refuses, naming it, when either
// exists, so no key is ever overwritten. Returns the two paths written.
struct WrittenKeys {
    std::string secret_file; // STEM.key
    std::string public_file; // STEM.pub
};
WrittenKeys write_key_files(const std::string& stem, std::string_view name, const KeyPair& keys);

// Reads a secret key file. Refuses one that group or others may read (like ssh does), one whose
// public line does not match its secret, and anything malformed, naming file and line.
[[nodiscard]] KeyPair read_secret_key_file(const std::string& path);

// Reads the public key of a .pub (or .key) file.
[[nodiscard]] std::string read_public_key_file(const std::string& path);

// A public key given on a command line or in YAML: the Z85 text itself, or the path of a file
// holding it. `what` names the flag or key in errors.
[[nodiscard]] std::string resolve_public_key(const std::string& key_or_path, std::string_view what);

// One public key of an allow-list and where it came from (for messages).
struct ListedKey {
    std::string key;    // Z85 public key
    std::string origin; // file path, or "<list> entry N"
};

// The public keys of every *.pub file in `directory` (sorted by file name).
[[nodiscard]] std::vector<ListedKey> read_public_key_directory(const std::string& directory);

} // namespace ferry::security
