// Layer `base/`: compiler and platform facts, integer and pfn types, errors and result, bit
// helpers, span, placement new, the assertion hook, a load barrier and cpu_relax, intrusive
// lists, lock_guard. Freestanding; includes nothing from tagcache above it.
#pragma once

#include "assert.hpp"
#include "barrier.hpp"
#include "bits.hpp"
#include "error.hpp"
#include "index.hpp"
#include "intrusive_list.hpp"
#include "lock_guard.hpp"
#include "meta.hpp"
#include "placement_new.hpp"
#include "platform.hpp"
#include "result.hpp"
#include "span.hpp"
#include "types.hpp"
