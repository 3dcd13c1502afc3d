// The 32-bit index spaces of the library, each with its "none" named once, here: pool slots
// (and the folios the pool names by their head slot), interned inode handles, donors and
// tag-storage regions. Freestanding.
#pragma once

#include <stdint.h>

namespace tagcache {

inline constexpr uint32_t no_slot = 0xFFFF'FFFFu;   // no slot; no folio (a folio is its head slot)
inline constexpr uint32_t no_inode = 0xFFFF'FFFFu;  // no interned inode handle
inline constexpr uint32_t no_donor = 0xFFFF'FFFFu;  // no donor
inline constexpr uint32_t no_region = 0xFFFF'FFFFu; // no tag-storage region

} // namespace tagcache
