// Layer `pool/`: the folio-aware cleancache pool (frontend store/restore/invalidate, donor
// backend with bounded take-back). Freestanding; includes base/, concepts/ and policy/.
#pragma once

#include "cleancache_pool.hpp"
#include "config.hpp"
#include "geometry.hpp"
#include "invariants.hpp"
#include "key.hpp"
