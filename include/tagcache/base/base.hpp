// Layer `base/`: integer and pfn types, errors and result, bit helpers, span, placement new,
// the assertion hook, a load barrier. Freestanding; includes nothing from tagcache above it.
#pragma once

#include "assert.hpp"
#include "barrier.hpp"
#include "bits.hpp"
#include "config.hpp"
#include "error.hpp"
#include "index.hpp"
#include "meta.hpp"
#include "placement.hpp"
#include "result.hpp"
#include "span.hpp"
#include "types.hpp"
