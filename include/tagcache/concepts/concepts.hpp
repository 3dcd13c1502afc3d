// Layer `concepts/`: the requirements every policy class must meet, one concept per header,
// each documented in docs/concepts.md. Freestanding; includes only base/.
#pragma once

#include "lock.hpp"
