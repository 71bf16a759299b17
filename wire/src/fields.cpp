// Field tables of protocol.yaml by command and record, over the generated tables.
#include "ferry/wire/fields.hpp"

namespace ferry::wire {

std::span<const FieldSpec> fields_of(Command command) noexcept {
    const int row = tables::command_row(static_cast<std::uint8_t>(command));
    return row < 0 ? std::span<const FieldSpec>{}
                   : tables::command_rows[static_cast<std::size_t>(row)].fields;
}

std::span<const FieldSpec> fields_of(Record record) noexcept {
    const auto i = static_cast<std::size_t>(record);
    return i < tables::record_rows.size() ? tables::record_rows[i].fields
                                          : std::span<const FieldSpec>{};
}

std::string_view name_of(Record record) noexcept {
    const auto i = static_cast<std::size_t>(record);
    return i < tables::record_rows.size() ? tables::record_rows[i].name : std::string_view{};
}

} // namespace ferry::wire
