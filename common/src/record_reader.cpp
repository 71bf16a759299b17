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

std::string_view type_name(const Head& h) {
    switch (h.kind) {
    case Kind::nil:
        return "nil";
    case Kind::boolean:
        return "bool";
    case Kind::uint:
    case Kind::nint:
        return "int";
    case Kind::float32:
    case Kind::float64:
        return "float";
    case Kind::str:
        return "str";
    case Kind::bin:
        return "bin";
    case Kind::array:
        return "array";
    case Kind::map:
        return "map";
    case Kind::ext:
        return "ext";
    case Kind::invalid:
        break;
    }
    return "unknown";
}

namespace {

// Keys are a few bytes: a byte loop beats a call to memcmp.
bool same(std::string_view a, std::string_view b) {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i] != b[i])
            return false;
    }
    return true;
}

} // namespace

int field_index(std::span<const FieldSpec> specs, std::string_view key, std::size_t hint) {
    const std::size_t n = specs.size();
    for (std::size_t k = 0; k < n; ++k) {
        std::size_t i = hint + k; // hint <= n, so one wrap at most
        if (i >= n)
            i -= n;
        if (same(specs[i].name, key))
            return static_cast<int>(i);
    }
    return -1;
}

} // namespace ferry::wire::detail
