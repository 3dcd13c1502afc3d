// Layer `pool/`: the folio-aware cleancache pool (frontend store/restore/invalidate, donor
// backend with bounded take-back) and sharded_pool (the pool split in shards, each with its
// own lock, for many CPUs), with their configuration, keys and statistics. The parts the
// pool is made of live behind it, in detail/ (namespace tagcache::detail): nothing outside
// pool/ names them. Freestanding; includes base/, concepts/ and policy/.
#pragma once

#include "cleancache_pool.hpp"
#include "default_pool_config.hpp"
#include "donors.hpp"
#include "geometry.hpp"
#include "key.hpp"
#include "pool_config.hpp"
#include "pool_stats.hpp"
#include "sharded_pool.hpp"
