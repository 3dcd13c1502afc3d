// All of tagcache for hosted code: the freestanding core, the hosted models, and the fmt
// formatters when fmt is available.
#pragma once

#include "core.hpp"
#include "model/model.hpp"

#if __has_include(<fmt/format.h>)
#include "fmt.hpp"
#endif
