// What a caller tells a pool of a donor's blocks, and learns of the room left for donors
// (cleancache_pool::register_donor, check_donor, room_for_donors). Freestanding.
#pragma once

#include <stdint.h>

namespace tagcache {

// Which blocks of each of a donor's ranges a pool holds: block b (counted from the range's
// first) when b % stride == phase. A pool on its own holds them all ({1, 0}); shard s of a
// sharded pool of S shards holds {S, s}, so that however little of a range is donated, and in
// whatever order, its blocks spread over the shards.
struct block_share {
    uint32_t stride = 1, phase = 0;
};

// Room left for donors: how many more may register, with how many ranges and slots in all.
struct donor_room {
    uint32_t donors = 0, ranges = 0, slots = 0;
};

} // namespace tagcache
