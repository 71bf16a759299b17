// How a generated struct's fields are bound to its members, for the table-driven reader and writer.
#pragma once

#include <cstddef>
#include <tuple>
#include <type_traits>

namespace ferry::wire {

// How the codec treats a member beyond its C++ type.
enum class FieldForm : unsigned char {
    plain,           // by its C++ type; a std::optional member is absent when empty
    msgpack,         // one embedded MessagePack value carried as bin (a string member)
    raw_map,         // a map kept as its encoded bytes (a string member), written inline
    empty_is_absent, // a std::vector member omitted on the wire when empty
};

// One member of a struct: the pointer to it and its form.
template <FieldForm F, class Ptr> struct Member {
    static constexpr FieldForm form = F; // how the codec treats it
    Ptr ptr;                             // &Struct::member
};

// A member binding; `bind<FieldForm::msgpack>(&BasicJob<S>::payload)`.
template <FieldForm F, class Ptr> constexpr Member<F, Ptr> bind(Ptr ptr) {
    return Member<F, Ptr>{ptr};
}

// Specialised by the generated message_structs.hpp for every record and message: `specs` (the
// protocol.yaml fields in encoder order) and `members` (a tuple of Member, in the same order).
template <class T> struct FieldsOf;

// A struct with a generated field binding.
template <class T>
concept Bound = requires {
    FieldsOf<std::remove_cvref_t<T>>::members;
};

// Calls `fn(member)` with the index-th Member of T's binding; false when no field has it.
template <class T, class Fn, std::size_t... I>
constexpr bool with_member_at(std::size_t index, Fn&& fn, std::index_sequence<I...>) {
    bool result = false;
    static_cast<void>(
        ((index == I ? (result = fn(std::get<I>(FieldsOf<T>::members)), true) : false) || ...));
    return result;
}

// The number of fields of T.
template <class T>
inline constexpr std::size_t field_count = std::tuple_size_v<decltype(FieldsOf<T>::members)>;

// Calls `fn(spec, member)` for every field of T, in encoder order.
template <class T, class Fn> constexpr void for_each_field(Fn&& fn) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (fn(FieldsOf<T>::specs[I], std::get<I>(FieldsOf<T>::members)), ...);
    }
    (std::make_index_sequence<field_count<T>>{});
}

} // namespace ferry::wire
