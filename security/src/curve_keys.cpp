// Key generation and Z85 checks, through libzmq's CURVE functions.
#include "ferry/security/curve_keys.hpp"

#include <algorithm>
#include <array>
#include <zmq.h>

namespace ferry::security {
namespace {

// The Z85 alphabet (ZeroMQ RFC 32), in no particular order: only membership matters here.
constexpr std::string_view z85_alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS"
                                          "TUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

void require_curve() {
    if (zmq_has("curve") == 0) {
        throw KeyError("this libzmq was built without CURVE support; install Debian's libzmq5, "
                       "which has it");
    }
}

} // namespace

KeyPair generate_key_pair() {
    require_curve();
    std::array<char, z85_key_length + 1> public_key{};
    std::array<char, z85_key_length + 1> secret_key{};
    if (zmq_curve_keypair(public_key.data(), secret_key.data()) != 0) {
        throw KeyError(std::string("cannot make a CURVE key pair: ") + zmq_strerror(zmq_errno()));
    }
    KeyPair pair{public_key.data(), secret_key.data()};
    secret_key.fill('\0');
    return pair;
}

bool is_z85_key(std::string_view text) noexcept {
    return text.size() == z85_key_length && std::all_of(text.begin(), text.end(), [](char c) {
               return z85_alphabet.find(c) != std::string_view::npos;
           });
}

std::string public_key_of(std::string_view secret_key) {
    require_curve();
    if (!is_z85_key(secret_key)) {
        throw KeyError("not a CURVE secret key (40 characters of Z85 text expected)");
    }
    const std::string secret(secret_key);
    std::array<char, z85_key_length + 1> public_key{};
    if (zmq_curve_public(public_key.data(), secret.c_str()) != 0) {
        throw KeyError("not a CURVE secret key (it does not decode)");
    }
    return public_key.data();
}

std::string key_label(std::string_view public_key) {
    return std::string(public_key.substr(0, 8));
}

} // namespace ferry::security
