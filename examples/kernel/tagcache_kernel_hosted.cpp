// SPDX-License-Identifier: MIT
// The hooks tagcache_kernel.h asks a shim for, as a hosted program provides them: tagsim's
// check-recording replays a recording through tagcache_kernel.cpp on one thread, and the ABI
// tests call it from one, so there are no interrupts to mask and no lockdep to tell.
#include "tagcache_kernel.h"

extern "C" {

unsigned long tagcache_kernel_irq_save(void) {
    return 0;
}
void tagcache_kernel_irq_restore(unsigned long) {}

void tagcache_kernel_lock_init(void*, enum tagcache_lock_class) {}
void tagcache_kernel_lock_acquire(void*) {}
void tagcache_kernel_lock_release(void*) {}

} // extern "C"
