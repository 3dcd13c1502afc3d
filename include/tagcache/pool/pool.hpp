// Layer `pool/`: the folio-aware cleancache pool (frontend store/restore/invalidate, donor
// backend with bounded take-back), the parts it is composed of, and sharded_pool (the pool
// split in shards, each with its own lock, for many CPUs). Freestanding; includes
// base/, concepts/ and policy/.
#pragma once

#include "cleancache_pool.hpp"
#include "config.hpp"
#include "geometry.hpp"
#include "key.hpp"
#include "pool_config.hpp"
#include "pool_stats.hpp"
#include "sharded_pool.hpp"
