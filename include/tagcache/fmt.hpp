// fmt::formatter specialisations for tagcache's public value types. Hosted only; included by
// tagcache.hpp when <fmt/format.h> is found. Each type formats with the empty spec "{}".
#pragma once

#include <string>

#include <fmt/format.h>

#include "core.hpp"

namespace tagcache::detail {
// Accepts only "{}": these types have one canonical text form.
struct plain_formatter {
    constexpr auto parse(fmt::format_parse_context& context) -> decltype(context.begin()) {
        auto it = context.begin();
        if (it != context.end() && *it != '}')
            FMT_THROW(fmt::format_error("tagcache types take no format spec"));
        return it;
    }
};

// 2147483648 -> "2 GiB"; sizes that are not a whole number of units keep the exact bytes.
inline std::string human_bytes(uint64_t size) {
    constexpr const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    unsigned unit = 0;
    uint64_t value = size;
    while (value >= 1024 && value % 1024 == 0 && unit < 6) {
        value /= 1024;
        ++unit;
    }
    return fmt::format("{} {}", value, units[unit]);
}
} // namespace tagcache::detail

template <>
struct fmt::formatter<tagcache::errc> : tagcache::detail::plain_formatter {
    auto format(tagcache::errc code, format_context& context) const {
        return fmt::format_to(context.out(), "{}", tagcache::error_name(code));
    }
};

template <>
struct fmt::formatter<tagcache::page_size> : tagcache::detail::plain_formatter {
    auto format(tagcache::page_size size, format_context& context) const {
        return fmt::format_to(context.out(), "{}",
                              tagcache::detail::human_bytes(tagcache::page_bytes(size)));
    }
};

template <>
struct fmt::formatter<tagcache::phys_range> : tagcache::detail::plain_formatter {
    auto format(const tagcache::phys_range& range, format_context& context) const {
        return fmt::format_to(context.out(), "[{:#x}, {:#x}) {}", range.base,
                              range.base + range.size, tagcache::detail::human_bytes(range.size));
    }
};

template <>
struct fmt::formatter<tagcache::pfn_range> : tagcache::detail::plain_formatter {
    auto format(const tagcache::pfn_range& range, format_context& context) const {
        return fmt::format_to(context.out(), "pfn [{:#x}, {:#x}) {} page{}", range.first,
                              range.end(), range.count, range.count == 1 ? "" : "s");
    }
};

template <>
struct fmt::formatter<tagcache::tag_region_desc> : tagcache::detail::plain_formatter {
    auto format(const tagcache::tag_region_desc& desc, format_context& context) const {
        return fmt::format_to(context.out(), "tagged-memory {}, tag storage {}, block-size {:#x}",
                              desc.tagged_memory, desc.tag_storage, desc.block_size);
    }
};

template <>
struct fmt::formatter<tagcache::tag_region> : tagcache::detail::plain_formatter {
    auto format(const tagcache::tag_region& region, format_context& context) const {
        return fmt::format_to(context.out(),
                              "region {}: memory {}, tags {}, block-size {:#x} = {} page{} "
                              "({} blocks of {} data pages)",
                              region.index, region.memory, region.tags, region.block_bytes,
                              region.block_pages, region.block_pages == 1 ? "" : "s",
                              region.block_count(), region.data_pages_per_block());
    }
};

template <>
struct fmt::formatter<tagcache::tag_map> : tagcache::detail::plain_formatter {
    auto format(const tagcache::tag_map& map, format_context& context) const {
        auto out =
            fmt::format_to(context.out(),
                           "tag map: {} region{}, {} pages, {} tagged pages, {} tag "
                           "pages in {} blocks",
                           map.region_count(), map.region_count() == 1 ? "" : "s", map.page(),
                           map.total_tagged_pages(), map.total_tag_pages(), map.total_blocks());
        for (const tagcache::tag_region& region : map.regions())
            out = fmt::format_to(out, "\n  {}", region);
        return out;
    }
};

template <>
struct fmt::formatter<tagcache::region_error> : tagcache::detail::plain_formatter {
    auto format(const tagcache::region_error& error, format_context& context) const {
        using tagcache::region_error;
        auto out = context.out();
        if (error.region == tagcache::no_region)
            return fmt::format_to(out, "{}: {}", error.code, tagcache::error_message(error.code));
        if (error.other_region == tagcache::no_region)
            return fmt::format_to(out, "region {}: {}: {}", error.region, error.code,
                                  tagcache::error_message(error.code));
        return fmt::format_to(out, "regions {} and {}: {}: {}", error.region, error.other_region,
                              error.code, tagcache::error_message(error.code));
    }
};

template <>
struct fmt::formatter<tagcache::block_ref> : tagcache::detail::plain_formatter {
    auto format(const tagcache::block_ref& block, format_context& context) const {
        return fmt::format_to(context.out(), "region {} block {}", block.region, block.index);
    }
};

template <>
struct fmt::formatter<tagcache::block_span> : tagcache::detail::plain_formatter {
    auto format(const tagcache::block_span& span, format_context& context) const {
        return fmt::format_to(context.out(), "region {} blocks [{}, {})", span.region, span.first,
                              span.end());
    }
};

template <>
struct fmt::formatter<tagcache::tag_location> : tagcache::detail::plain_formatter {
    auto format(const tagcache::tag_location& where, format_context& context) const {
        return fmt::format_to(context.out(), "tag pfn {:#x} byte {:#x} {} nibble", where.tag_pfn,
                              where.byte_offset, where.nibble == 0 ? "low" : "high");
    }
};
