// Negative control for the freestanding check: this unit needs operator new, so the check
// must reject it. Proves that the check can fail.
#include <tagcache/core.hpp>

extern "C" int* tagcache_fs_allocates(int value) {
    return new int(value);
}
