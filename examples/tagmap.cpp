// tagmap: prints the page-to-tag-block map of tag-storage regions described as a device tree
// describes them, and answers pfn and address queries. With no options it prints the map of
// the Linux RFC v3 series' FVP tree (two regions).
//
// Exit status: 0 done; 1 the regions do not make a valid map; 2 the command line is wrong (an
// option CLI11 cannot parse, or a value tagmap refuses). Every error is one line on stderr, and
// nothing is printed on stdout before every value has been read.
#include <cli/command_line.hpp>
#include <tagcache/fmt.hpp>
#include <tagcache/tagcache.hpp>
#include <tagsim/trace/number_text.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace {

// "0x8_f800_0000", "0x8'f800'0000", "4096": decimal or 0x-hex, with digit separators; never
// octal, never signed (tagsim's strict reader).
using tagcache::sim::parse_unsigned;

// MEM_BASE:MEM_SIZE:TAG_BASE:TAG_SIZE:BLOCK_SIZE; on failure, why.
std::optional<tagcache::tag_region_desc> parse_region(const std::string& text, std::string& why) {
    std::vector<uint64_t> fields;
    size_t start = 0;
    while (true) {
        const size_t colon = text.find(':', start);
        const auto field = parse_unsigned(std::string_view(text).substr(start, colon - start));
        if (!field.ok()) {
            why = field.why();
            return std::nullopt;
        }
        fields.push_back(field.value());
        if (colon == std::string::npos)
            break;
        start = colon + 1;
    }
    if (fields.size() != 5) {
        why = "has " + std::to_string(fields.size()) + " fields, not 5";
        return std::nullopt;
    }
    return tagcache::tag_region_desc{{fields[0], fields[1]}, {fields[2], fields[3]}, fields[4]};
}

constexpr tagcache::tag_region_desc fvp_regions[] = {
    {{0x8000'0000, 0x8000'0000}, {0x8'f800'0000, 0x400'0000}, 0x1000},
    {{0x8'8000'0000, 0x7800'0000}, {0x8'fc00'0000, 0x3c0'0000}, 0x1000},
};

void describe_pfn(const tagcache::tag_map& map, tagcache::pfn_t pfn) {
    const auto block = map.block_of(pfn);
    if (!block) {
        fmt::print("pfn {:#x}: {}\n", pfn, tagcache::error_message(block.error()));
        return;
    }
    fmt::print("pfn {:#x}: tag page {:#x}, {}, which serves {}\n", pfn,
               map.tag_page_of(pfn).value(), *block, map.data_pages_of(*block));
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"Print the page-to-tag-block map of arm64 MTE tag-storage regions.\n"
                 "Without --region, uses the Linux RFC v3 series' FVP device tree."};
    std::string page_text = "4K";
    std::vector<std::string> region_texts;
    std::vector<std::string> pfn_texts;
    std::vector<std::string> address_texts;
    app.add_option("--page-size", page_text, "kernel page size: 4K, 16K or 64K")
        ->capture_default_str();
    app.add_option("--region", region_texts,
                   "a region as MEM_BASE:MEM_SIZE:TAG_BASE:TAG_SIZE:BLOCK_SIZE in bytes "
                   "(decimal or 0x-hex, '_' separators allowed); repeat for more regions");
    app.add_option("--pfn", pfn_texts, "print the tag page and block of a data pfn (repeatable)");
    app.add_option("--address", address_texts,
                   "print where the tag of a physical address lives (repeatable)");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return tagsim::command_line_error(app, e, "tagmap");
    }
    constexpr int usage = tagsim::usage_exit_status;

    tagcache::page_size page;
    if (page_text == "4K" || page_text == "4k")
        page = tagcache::page_size::size_4k;
    else if (page_text == "16K" || page_text == "16k")
        page = tagcache::page_size::size_16k;
    else if (page_text == "64K" || page_text == "64k")
        page = tagcache::page_size::size_64k;
    else {
        fmt::print(stderr, "tagmap: --page-size must be 4K, 16K or 64K, not {}\n",
                   tagcache::sim::quoted(page_text));
        return usage;
    }

    std::vector<tagcache::tag_region_desc> regions(std::begin(fvp_regions), std::end(fvp_regions));
    if (!region_texts.empty()) {
        regions.clear();
        for (const std::string& text : region_texts) {
            std::string why;
            const auto region = parse_region(text, why);
            if (!region) {
                fmt::print(stderr,
                           "tagmap: --region {} is not MEM_BASE:MEM_SIZE:TAG_BASE:TAG_SIZE:"
                           "BLOCK_SIZE: {}\n",
                           tagcache::sim::quoted(text), why);
                return usage;
            }
            regions.push_back(*region);
        }
    }

    // Every query read before anything is printed: a refusal leaves stdout empty.
    std::vector<uint64_t> pfns, addresses;
    for (const auto& [texts, values, option] :
         {std::tuple{&pfn_texts, &pfns, "--pfn"},
          std::tuple{&address_texts, &addresses, "--address"}}) {
        for (const std::string& text : *texts) {
            const auto value = parse_unsigned(text);
            if (!value.ok()) {
                fmt::print(stderr, "tagmap: {}: {}\n", option, value.why());
                return usage;
            }
            values->push_back(value.value());
        }
    }

    const auto map = tagcache::tag_map::create(regions, page);
    if (!map) {
        fmt::print(stderr, "tagmap: invalid regions: {}\n", map.error());
        return 1;
    }
    fmt::print("{}\n", *map);

    if (pfns.empty() && addresses.empty()) {
        // A few landmarks per region: its first and last data pages.
        for (const tagcache::tag_region& region : map->regions()) {
            describe_pfn(*map, region.memory.first);
            describe_pfn(*map, region.memory.last());
        }
    }
    for (const uint64_t pfn : pfns)
        describe_pfn(*map, pfn);
    for (const uint64_t address : addresses) {
        const auto where = map->tag_location_of(address);
        if (where)
            fmt::print("address {:#x}: {}\n", address, *where);
        else
            fmt::print("address {:#x}: {}\n", address, tagcache::error_message(where.error()));
    }
    return 0;
}
