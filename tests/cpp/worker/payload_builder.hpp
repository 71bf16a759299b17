// MessagePack payloads for the native worker's tests, built with msgpack-c's packer.
#pragma once

#include "ferry/worker/worker_spec.hpp"

#include <msgpack.hpp>
#include <string>
#include <vector>

namespace ferry::test {

// {"key": <the packed value `value`>} as payload bytes.
inline std::string payload_with(const std::string& key, const std::string& value) {
    msgpack::sbuffer buffer;
    msgpack::packer<msgpack::sbuffer> packer(buffer);
    packer.pack_map(1);
    packer.pack(key);
    std::string out(buffer.data(), buffer.size());
    return out + value;
}

// A packed MessagePack value of `value` (a list, a string, a number).
template <class T> std::string packed(const T& value) {
    msgpack::sbuffer buffer;
    msgpack::pack(buffer, value);
    return {buffer.data(), buffer.size()};
}

// An input spec for field `field` with `shape`.
inline worker::InputSpec input_for(const std::string& field, std::vector<std::uint32_t> shape) {
    worker::InputSpec input;
    input.field = field;
    std::size_t start = 0;
    for (;;) {
        const auto dot = field.find('.', start);
        input.path.push_back(field.substr(start, dot - start));
        if (dot == std::string::npos)
            break;
        start = dot + 1;
    }
    input.tensor = "pixels";
    input.shape = std::move(shape);
    return input;
}

} // namespace ferry::test
