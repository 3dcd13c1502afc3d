// SPDX-License-Identifier: MIT
// Two planted bugs, compiled by the same C++ rule as the core (Kbuild: the kernel's flags plus
// the checkers' per-object flags), so that a checker kernel shows it sees into C++ objects:
// tagcache.ko plant=out_of_bounds reads one byte past a kmalloc'd buffer (generic KASAN must
// report it), plant=data_race has two kthreads increment one counter without a lock or an
// atomic (KCSAN must report it). Never called otherwise.
#include "tagcache_kernel.h"

extern "C" {

// Returns the byte just past [buffer, buffer + bytes): out of bounds on purpose.
unsigned char tagcache_plant_out_of_bounds(const unsigned char* buffer, size_t bytes) {
    return *static_cast<const volatile unsigned char*>(buffer + bytes);
}

// A plain read-modify-write of a shared counter: a data race on purpose.
void tagcache_plant_data_race(uint64_t* counter) {
    *counter = *counter + 1;
}

} // extern "C"
