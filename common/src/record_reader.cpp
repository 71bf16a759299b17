// Error-path rendering and type names for the record reader.
#include "record_reader.hpp"

namespace ferry::wire::detail {

std::string render(const Path& path) {
    std::string head = path.parent ? render(*path.parent) : std::string{};
    if (path.is_index)
        return head + "[" + std::to_string(path.index) + "]";
    if (path.field.empty())
        return head;
    return head.empty() ? std::string(path.field) : head + "." + std::string(path.field);
}

std::string_view type_name(const msgpack::object& o) {
    switch (o.type) {
    case object_type::NIL:
        return "nil";
    case object_type::BOOLEAN:
        return "bool";
    case object_type::POSITIVE_INTEGER:
        return "int";
    case object_type::NEGATIVE_INTEGER:
        return "int";
    case object_type::FLOAT32:
    case object_type::FLOAT64:
        return "float";
    case object_type::STR:
        return "str";
    case object_type::BIN:
        return "bin";
    case object_type::ARRAY:
        return "array";
    case object_type::MAP:
        return "map";
    case object_type::EXT:
        return "ext";
    }
    return "unknown";
}

int field_index(std::span<const FieldSpec> specs, std::string_view key) {
    for (std::size_t i = 0; i < specs.size(); ++i) {
        if (specs[i].name == key)
            return static_cast<int>(i);
    }
    return -1;
}

} // namespace ferry::wire::detail
