// Layer `policy/`: the freestanding policy classes (locks, eviction, admission, donor choice,
// placement, partial take, restore mode, page memory, stats). Includes only base/ and
// concepts/.
#pragma once

#include "admission.hpp"
#include "arc.hpp"
#include "clock.hpp"
#include "donor_choice.hpp"
#include "ghost_keys.hpp"
#include "intrusive_list.hpp"
#include "list_eviction.hpp"
#include "lock.hpp"
#include "page_memory.hpp"
#include "partial_take.hpp"
#include "placement.hpp"
#include "restore_mode.hpp"
#include "s3fifo.hpp"
#include "sieve.hpp"
#include "stats.hpp"
#include "tag_maintenance.hpp"
