// Layer `policy/`: the freestanding policy classes (locks, eviction, admission, donor choice,
// placement, page memory (discardable too), stats, tag maintenance) and the list of eviction
// policies by name. Includes only base/ and concepts/.
#pragma once

#include "admission.hpp"
#include "arc.hpp"
#include "clock.hpp"
#include "discardable_page_memory.hpp"
#include "donor_choice.hpp"
#include "eviction_policies.hpp"
#include "ghost_keys.hpp"
#include "list_eviction.hpp"
#include "lock.hpp"
#include "page_memory.hpp"
#include "placement.hpp"
#include "s3fifo.hpp"
#include "sieve.hpp"
#include "stats.hpp"
#include "tag_maintenance.hpp"
