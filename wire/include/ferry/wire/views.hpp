// Conversions between the owned and the borrowed forms of the hot messages (messages.hpp).
#pragma once

#include "ferry/wire/field_binding.hpp"
#include "ferry/wire/messages.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace ferry::wire {
namespace detail {

// Member by member over the generated bindings, so a new field needs no edit here: strings
// become views or copies, optionals and vectors convert element by element.
template <class To, class From> void convert_into(To& to, const From& from);

template <class To, class From> void convert_value(To& to, const From& from) {
    if constexpr (Bound<To> && !std::is_same_v<To, From>) {
        convert_into(to, from);
    } else {
        to = To(from);
    }
}
template <class To, class From>
void convert_value(std::optional<To>& to, const std::optional<From>& from) {
    if (from)
        convert_value(to.emplace(), *from);
    else
        to.reset();
}
template <class To, class From>
void convert_value(std::vector<To>& to, const std::vector<From>& from) {
    to.resize(from.size());
    for (std::size_t i = 0; i < from.size(); ++i)
        convert_value(to[i], from[i]);
}

template <class To, class From> void convert_into(To& to, const From& from) {
    static_assert(field_count<To> == field_count<From>, "both forms bind the same fields");
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (convert_value(to.*std::get<I>(FieldsOf<To>::members).ptr,
                       from.*std::get<I>(FieldsOf<From>::members).ptr),
         ...);
    }
    (std::make_index_sequence<field_count<To>>{});
}

} // namespace detail

// The same message in the other string form: views of an owned one (valid while it is), or an
// owned copy of a borrowed one.
template <class To, class From> [[nodiscard]] To convert(const From& from) {
    To to{};
    detail::convert_into(to, from);
    return to;
}

// A view of an owned submitted job; valid while `job` is.
[[nodiscard]] inline SubmitJobView view_of(const SubmitJob& job) {
    return convert<SubmitJobView>(job);
}

// Views of owned results; valid while `results` is.
[[nodiscard]] inline ResultsView view_of(const Results& results) {
    return convert<ResultsView>(results);
}

} // namespace ferry::wire
