// All of tagcache for hosted code: the freestanding core, plus the fmt formatters when fmt is
// available.
#pragma once

#include "core.hpp"

#if __has_include(<fmt/format.h>)
#include "fmt.hpp"
#endif
