// Shared MessagePack writers for strings and job errors.
#include "ferry/wire/msgpack_values.hpp"

namespace ferry::wire {

void pack_str(SbufferPacker& packer, std::string_view text) {
    packer.pack_str(static_cast<std::uint32_t>(text.size()));
    packer.pack_str_body(text.data(), static_cast<std::uint32_t>(text.size()));
}

void pack_error(SbufferPacker& packer, const Error& error) {
    packer.pack_map(2 + (error.traceback ? 1 : 0) + (error.worker ? 1 : 0));
    pack_str(packer, "code");
    pack_str(packer, error.code);
    pack_str(packer, "message");
    pack_str(packer, error.message);
    if (error.traceback) {
        pack_str(packer, "traceback");
        pack_str(packer, *error.traceback);
    }
    if (error.worker) {
        pack_str(packer, "worker");
        pack_str(packer, *error.worker);
    }
}

} // namespace ferry::wire
