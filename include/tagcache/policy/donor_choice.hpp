// Donor choice policies: which donor a new folio's pages come from. Freestanding.
#pragma once

#include "../concepts/donor_choice.hpp"

namespace tagcache {

// Each new folio goes to the next usable donor after the previous choice. The 2025
// cleancache instead always scans pools in registration order, so the first pool fills first.
class round_robin_donors {
public:
    static constexpr const char* name = "round-robin";
    uint32_t choose(const donor_load* loads, uint32_t count, uint32_t) noexcept {
        uint32_t donor = next_ < count ? next_ : 0; // no division: this runs on every store
        for (uint32_t step = 0; step < count; ++step) {
            if (loads[donor].usable) {
                next_ = donor + 1 == count ? 0 : donor + 1;
                return donor;
            }
            donor = donor + 1 == count ? 0 : donor + 1;
        }
        return count;
    }

private:
    uint32_t next_ = 0;
};

// New pages go to the usable donor whose cached pages, after this folio, are the smallest
// fraction of its weight (its quota, or its donated size without one): over time each donor
// holds data in proportion to its weight. Ties go to the lower donor index.
struct proportional_donors {
    static constexpr const char* name = "proportional";
    uint32_t choose(const donor_load* loads, uint32_t count, uint32_t pages) const noexcept {
        uint32_t best = count;
        for (uint32_t donor = 0; donor < count; ++donor) {
            const donor_load& load = loads[donor];
            if (!load.usable)
                continue;
            if (best == count || less_loaded(load, loads[best], pages))
                best = donor;
        }
        return best;
    }

private:
    // Page counts fit in 32 bits (slots are numbered by uint32_t), so products fit in 64.
    static constexpr uint64_t clamp32(uint64_t x) noexcept {
        return x > 0xFFFF'FFFFu ? 0xFFFF'FFFFu : x;
    }
    static constexpr uint64_t weight(const donor_load& load) noexcept {
        return clamp32(load.quota != 0 ? load.quota : load.free + load.cached);
    }
    // (a.cached + pages) / weight(a) < (b.cached + pages) / weight(b), without division.
    static constexpr bool less_loaded(const donor_load& a, const donor_load& b,
                                      uint32_t pages) noexcept {
        return clamp32(a.cached + pages) * weight(b) < clamp32(b.cached + pages) * weight(a);
    }
};

static_assert(donor_choice_policy<round_robin_donors>);
static_assert(donor_choice_policy<proportional_donors>);

} // namespace tagcache
