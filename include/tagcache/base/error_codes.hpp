// The error-code list of every layer, as one X-macro: X(identifier, message). Preprocessor
// only, so that C code can include it too (a kernel shim generates its C names from it, e.g.
// `#define E(identifier, message) MY_E_##identifier,`); error.hpp builds tagcache::errc and the
// name and message tables from it. Freestanding.
#pragma once

// X(identifier, message). Append new codes at the end of their group; values are not part of
// the ABI, names are.
#define TAGCACHE_ERROR_CODES(X)                                                                    \
    X(ok, "no error")                                                                              \
    /* Region validation (tag_map::create): one code per rule. */                                  \
    X(invalid_page_size, "page size must be 4 KiB, 16 KiB or 64 KiB")                              \
    X(too_many_regions, "more than 32 tag-storage regions")                                        \
    X(empty_range, "a tagged-memory or tag-storage range is empty")                                \
    X(range_unaligned, "a range's base or size is not a multiple of the page size")                \
    X(address_overflow, "address arithmetic overflows 64 bits")                                    \
    X(block_size_zero, "block-size is zero")                                                       \
    X(block_size_unaligned, "block-size is not a multiple of 4 KiB")                               \
    X(tag_size_mismatch, "tag-storage size * 32 differs from tagged-memory size")                  \
    X(tag_size_not_block_multiple, "tag-storage size is not a whole number of blocks")             \
    X(tag_storage_overlaps_tagged_memory,                                                          \
      "tag storage overlaps tagged memory (tag storage cannot be tagged)")                         \
    X(regions_overlap, "two regions overlap")                                                      \
    /* Map queries. */                                                                             \
    X(not_tagged_memory, "address is not in any region's tagged memory")                           \
    X(tag_storage_not_taggable, "tag storage cannot itself be tagged")                             \
    X(folio_unaligned, "folio pfn is not aligned to its order")                                    \
    X(order_too_large, "folio order is too large")                                                 \
    X(folio_spans_regions, "folio spans more than one region")                                     \
    /* Pool construction and donors. */                                                            \
    X(invalid_geometry, "pool geometry is invalid (no slots, or a size out of range)")             \
    X(buffer_too_small, "the buffer is smaller than the pool's required_bytes()")                  \
    X(too_many_donors, "the pool has no room for another donor")                                   \
    X(invalid_block_pages, "donor block size is zero or above the pool's max_block_pages")         \
    X(too_many_ranges, "the pool has no room for more donor ranges")                               \
    X(range_not_block_multiple, "a donor range is not a whole number of its blocks")               \
    X(donor_ranges_overlap, "a donor range overlaps a range already registered")                   \
    X(not_enough_slots, "the donor's pages exceed the pool's free slots")                          \
    X(unknown_donor, "no donor has that id")                                                       \
    X(not_donor_page, "the page was not registered by this donor")                                 \
    X(already_donated, "the page is already donated")                                              \
    X(not_donated, "the page is not donated, so it cannot be taken back")                          \
    X(page_busy, "the page is still being taken back")                                             \
    /* Pool frontend. */                                                                           \
    X(unknown_filesystem, "no filesystem has that id")                                             \
    X(too_many_filesystems, "the pool has no room for another filesystem")                         \
    X(index_too_large, "page index beyond 2^40")                                                   \
    X(not_admitted, "the admission policy refused the store")                                      \
    X(no_space, "no page could be freed for the store")                                            \
    /* Tag-storage manager. */                                                                     \
    X(already_reserved, "a page of the folio already has its tag storage reserved")                \
    X(not_reserved, "a page of the folio has no tag storage reserved (double free?)")              \
    X(page_size_mismatch, "the tag map's page size differs from the pool's")                       \
    /* Models. */                                                                                  \
    X(would_sleep, "the reservation would have to migrate pages, which may sleep, in atomic "      \
                   "context")                                                                      \
    X(page_pinned, "a pinned page cannot be migrated or freed")                                    \
    X(not_allocated, "no live allocation there")                                                   \
    /* virtio-tmem device. */                                                                      \
    X(device_block_size_invalid, "the device block size is zero or not a whole number of pages")   \
    X(size_above_region, "the requested size is above the device region's size")                   \
    X(size_not_block_aligned, "the requested size is not a multiple of the device block size")
