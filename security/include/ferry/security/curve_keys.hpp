// CURVE keys as Ferry handles them: Z85 text (40 characters for 32 bytes), made by libzmq.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace ferry::security {

// A key, key file or allow-list the user gave is unusable: the message says which and what to do.
class KeyError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// A CURVE key pair, both halves as Z85 text.
struct KeyPair {
    std::string public_key; // shareable: goes into allow-lists and --server-key
    std::string secret_key; // private: only in a 0600 file or the process's memory
};

inline constexpr std::size_t z85_key_length = 40; // Z85 text of a 32-byte key

// A fresh key pair from libzmq (throws KeyError when libzmq was built without CURVE).
[[nodiscard]] KeyPair generate_key_pair();

// True when `text` is 40 characters of the Z85 alphabet (what libzmq's CURVE options accept).
[[nodiscard]] bool is_z85_key(std::string_view text) noexcept;

// The public half of a Z85 secret key (throws KeyError when it is not one).
[[nodiscard]] std::string public_key_of(std::string_view secret_key);

// A short, stable label of a public key for logs and status: its first 8 characters.
[[nodiscard]] std::string key_label(std::string_view public_key);

} // namespace ferry::security
