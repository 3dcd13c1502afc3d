// Layer `concepts/`: the requirements every policy class must meet, one concept per header,
// each documented in docs/concepts.md. Freestanding; includes only base/.
#pragma once

#include "admission.hpp"
#include "discardable_page_memory.hpp"
#include "donor_choice.hpp"
#include "eviction.hpp"
#include "lock.hpp"
#include "page_memory.hpp"
#include "placement.hpp"
#include "stats.hpp"
#include "tag_maintenance.hpp"
