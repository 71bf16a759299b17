// MessagePack writers for values several components emit outside the codec: strings and job
// errors (the status map, the producer's MessagePack output).
#pragma once

#include "ferry/wire/messages.hpp"

#include <msgpack.hpp>
#include <string_view>

namespace ferry::wire {

using SbufferPacker = msgpack::packer<msgpack::sbuffer>;

// A str value.
void pack_str(SbufferPacker& packer, std::string_view text);

// A job error as a map of its present fields, in protocol.yaml's error_fields order.
void pack_error(SbufferPacker& packer, const Error& error);

} // namespace ferry::wire
