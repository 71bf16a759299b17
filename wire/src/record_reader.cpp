// Error-path rendering and type names for the record reader.
#include "record_reader.hpp"

#include <cstring>

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

template <class T> T load(const char* p) {
    T value;
    std::memcpy(&value, p, sizeof(T));
    return value;
}

// Keys are a few bytes. Why not a byte loop or memcmp: two fixed-size loads that overlap cover
// any length from 4 to 16 exactly (the first and the last 4 or 8 bytes), in a handful of
// instructions and without a call; shorter keys compare their first, middle and last byte.
bool same(std::string_view a, std::string_view b) {
    const std::size_t n = a.size();
    if (n != b.size())
        return false;
    const char* x = a.data();
    const char* y = b.data();
    if (n >= 8 && n <= 16) {
        return load<std::uint64_t>(x) == load<std::uint64_t>(y) &&
               load<std::uint64_t>(x + n - 8) == load<std::uint64_t>(y + n - 8);
    }
    if (n >= 4 && n < 8) {
        return load<std::uint32_t>(x) == load<std::uint32_t>(y) &&
               load<std::uint32_t>(x + n - 4) == load<std::uint32_t>(y + n - 4);
    }
    if (n < 4) {
        return n == 0 || (x[0] == y[0] && x[n / 2] == y[n / 2] && x[n - 1] == y[n - 1]);
    }
    return std::memcmp(x, y, n) == 0;
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
