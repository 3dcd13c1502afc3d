// Layer `mapping/`: the static page-to-tag-block map and the validation of region
// descriptions. Freestanding; includes only base/.
#pragma once

#include "region.hpp"
#include "tag_map.hpp"
