// Shared MessagePack writers for strings and job errors.
#include "ferry/wire/msgpack_values.hpp"

#include "ferry/wire/field_binding.hpp"

#include <optional>

namespace ferry::wire {
namespace {

void pack_value(SbufferPacker& packer, const std::string& text) {
    pack_str(packer, text);
}

void pack_value(SbufferPacker& packer, std::uint64_t number) {
    packer.pack_uint64(number);
}

template <class T> bool present(const T&) {
    return true;
}

template <class T> bool present(const std::optional<T>& value) {
    return value.has_value();
}

template <class T> void pack_field(SbufferPacker& packer, std::string_view key, const T& value) {
    pack_str(packer, key);
    pack_value(packer, value);
}

template <class T>
void pack_field(SbufferPacker& packer, std::string_view key, const std::optional<T>& value) {
    if (value)
        pack_field(packer, key, *value);
}

} // namespace

void pack_str(SbufferPacker& packer, std::string_view text) {
    packer.pack_str(static_cast<std::uint32_t>(text.size()));
    packer.pack_str_body(text.data(), static_cast<std::uint32_t>(text.size()));
}

// Walks the generated binding of Error, so every field protocol.yaml gives it goes out.
void pack_error(SbufferPacker& packer, const Error& error) {
    std::uint32_t pairs = 0;
    for_each_field<Error>([&](const FieldSpec&, const auto& m) { pairs += present(error.*m.ptr); });
    packer.pack_map(pairs);
    for_each_field<Error>(
        [&](const FieldSpec& spec, const auto& m) { pack_field(packer, spec.name, error.*m.ptr); });
}

} // namespace ferry::wire
