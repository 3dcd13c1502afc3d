// Layer `tmem/`: the driver side of a virtio-tmem device, a cleancache region the hypervisor
// lends, resizes and may discard pages of at any time (docs/tmem.md). Freestanding; includes
// the layers below.
#pragma once

#include "tmem_device.hpp"
