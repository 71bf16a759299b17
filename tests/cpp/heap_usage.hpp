// Bytes the C++ heap holds, for tests that check a structure's memory per element.
#pragma once

#include <cstddef>
#include <malloc.h>

namespace ferry::test {

// Heap bytes in use (small blocks plus mmapped large ones), as glibc counts them. Under a
// sanitizer, whose allocator glibc does not see, this reads 0: memory checks then pass vacuously,
// and the plain build is the one that holds them.
inline std::size_t heap_bytes_in_use() {
    const struct mallinfo2 info = ::mallinfo2();
    return info.uordblks + info.hblkhd;
}

} // namespace ferry::test
