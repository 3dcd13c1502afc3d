/* SPDX-License-Identifier: MIT */
/*
 * Tag-map known answers, for C users and for tagcache's own tests (Catch2:
 * tests/mapping/known_answers_test.cpp; in a kernel: examples/kernel/selftest_tags.c).
 *
 * Every number below is derived by hand from the `arm,mte-tag-storage` binding (patch 19 of
 * the Linux RFC v3 series,
 * https://lore.kernel.org/all/20240125164256.4147-1-alexandru.elisei@arm.com/) and
 * MTE's tag size (one 4-bit tag per 16-byte granule, so one tag page serves 32 data pages
 * whatever the page size: Documentation/arch/arm64/memory-tagging-extension.rst), never
 * produced by the code under test. For a region with tagged memory at pfn M and tag storage at
 * pfn T, in pages of size P:
 *   bsp (pages per block)  = lcm(block-size, P) / P
 *   tag page of data pfn p = T + (p - M) / 32
 *   block of data pfn p    = (tag page of p - T) / bsp
 *   a folio (p, order) needs every block from the block of p to the block of p + 2^order - 1.
 * The last two vectors are the RFC v3 series' counting bugs (docs/mapping.md): v3 reserves one
 * block where two are needed.
 */
#ifndef TAGCACHE_TAG_MAP_KNOWN_ANSWERS_H
#define TAGCACHE_TAG_MAP_KNOWN_ANSWERS_H

#if defined(__KERNEL__) && !defined(__cplusplus)
#include <linux/types.h>
#else
#include <stdint.h>
#endif

/* A region as the device tree states it, in bytes. */
struct tagcache_ka_region {
	uint64_t memory_base, memory_size, tag_base, tag_size, block_size;
};

/* The validated region, in pages. */
struct tagcache_ka_pages {
	uint64_t memory_first, memory_pages, tags_first, tag_pages, block_pages, blocks;
};

struct tagcache_ka_map {
	const char *name;
	uint32_t page_size;
	uint32_t region_count;
	struct tagcache_ka_region regions[2];
	struct tagcache_ka_pages expected[2];
};

/* blocks_for_folio(pfn, order) of map `map`: "ok" and the answer, or the error's name. */
struct tagcache_ka_folio {
	uint32_t map;
	uint64_t pfn;
	uint32_t order;
	const char *error;
	uint64_t tag_page; /* tag page of pfn (when "ok") */
	uint32_t region;
	uint64_t first_block, block_count;
	const char *why;
};

/* 96 MiB of tagged memory at 0x4000_0000, its 3 MiB of tag storage at 0x1_0000_0000: a whole
 * number of blocks for every block size below. 4K: memory pfn 0x40000 + 0x6000, tags pfn
 * 0x100000 + 0x300. 16K: memory pfn 0x10000 + 0x1800, tags pfn 0x40000 + 0xc0. */
#define TAGCACHE_KA_SMALL(block) {0x40000000, 0x6000000, 0x100000000, 0x300000, block}
#define TAGCACHE_KA_SMALL_4K(bsp, blocks) {0x40000, 0x6000, 0x100000, 0x300, bsp, blocks}
#define TAGCACHE_KA_SMALL_16K(bsp, blocks) {0x10000, 0x1800, 0x40000, 0xc0, bsp, blocks}

static const struct tagcache_ka_map tagcache_ka_maps[] = {
	/* 0, 1: the series' FVP tree. Memory 1 ends where region 0's tag storage begins. */
	{"fvp-4k", 4096, 2,
	 {{0x80000000, 0x80000000, 0x8f8000000, 0x4000000, 0x1000},
	  {0x880000000, 0x78000000, 0x8fc000000, 0x3c00000, 0x1000}},
	 {{0x80000, 0x80000, 0x8f8000, 0x4000, 1, 0x4000},
	  {0x880000, 0x78000, 0x8fc000, 0x3c00, 1, 0x3c00}}},
	{"fvp-16k", 16384, 2,
	 {{0x80000000, 0x80000000, 0x8f8000000, 0x4000000, 0x1000},
	  {0x880000000, 0x78000000, 0x8fc000000, 0x3c00000, 0x1000}},
	 {{0x20000, 0x20000, 0x23e000, 0x1000, 1, 0x1000},
	  {0x220000, 0x1e000, 0x23f000, 0xf00, 1, 0xf00}}},
	/* 2-5: 1, 2, 3, 4 pages per block at 4K (block-size 0x1000, 0x2000, 0x3000, 0x4000). */
	{"bsp1-4k", 4096, 1, {TAGCACHE_KA_SMALL(0x1000)}, {TAGCACHE_KA_SMALL_4K(1, 0x300)}},
	{"bsp2-4k", 4096, 1, {TAGCACHE_KA_SMALL(0x2000)}, {TAGCACHE_KA_SMALL_4K(2, 0x180)}},
	{"bsp3-4k", 4096, 1, {TAGCACHE_KA_SMALL(0x3000)}, {TAGCACHE_KA_SMALL_4K(3, 0x100)}},
	{"bsp4-4k", 4096, 1, {TAGCACHE_KA_SMALL(0x4000)}, {TAGCACHE_KA_SMALL_4K(4, 0xc0)}},
	/* 6-9: 1, 2, 3, 4 pages per block at 16K (0x4000, 0x8000, 0x3000: lcm 0xc000, 0x10000). */
	{"bsp1-16k", 16384, 1, {TAGCACHE_KA_SMALL(0x4000)}, {TAGCACHE_KA_SMALL_16K(1, 0xc0)}},
	{"bsp2-16k", 16384, 1, {TAGCACHE_KA_SMALL(0x8000)}, {TAGCACHE_KA_SMALL_16K(2, 0x60)}},
	{"bsp3-16k", 16384, 1, {TAGCACHE_KA_SMALL(0x3000)}, {TAGCACHE_KA_SMALL_16K(3, 0x40)}},
	{"bsp4-16k", 16384, 1, {TAGCACHE_KA_SMALL(0x10000)}, {TAGCACHE_KA_SMALL_16K(4, 0x30)}},
	/* 10: a block smaller than the page: 0x2000 at 16K is one page per block. */
	{"block-0x2000-16k", 16384, 1, {TAGCACHE_KA_SMALL(0x2000)},
	 {TAGCACHE_KA_SMALL_16K(1, 0xc0)}},
};

static const struct tagcache_ka_folio tagcache_ka_folios[] = {
	/* fvp-4k */
	{0, 0x80000, 0, "ok", 0x8f8000, 0, 0, 1, "first page of memory 0"},
	{0, 0x8001f, 0, "ok", 0x8f8000, 0, 0, 1, "32nd page: still tag page 0"},
	{0, 0x80020, 0, "ok", 0x8f8001, 0, 1, 1, "33rd page: tag page 1, block 1"},
	{0, 0xfffff, 0, "ok", 0x8fbfff, 0, 0x3fff, 1, "last page of memory 0: 0x7ffff / 32"},
	{0, 0x880000, 0, "ok", 0x8fc000, 1, 0, 1, "first page of memory 1"},
	{0, 0x8f7e00, 9, "ok", 0x8ffbf0, 1, 0x3bf0, 16, "last 2 MiB of memory 1: 0x77e00 / 32"},
	{0, 0x80000, 5, "ok", 0x8f8000, 0, 0, 1, "32 pages: one tag page"},
	{0, 0x80000, 6, "ok", 0x8f8000, 0, 0, 2, "64 pages: two tag pages, two blocks"},
	{0, 0x8f8000, 0, "tag_storage_not_taggable", 0, 0, 0, 0, "region 0's tag storage"},
	{0, 0x1000, 0, "not_tagged_memory", 0, 0, 0, 0, "below every region"},
	{0, 0x100000, 0, "not_tagged_memory", 0, 0, 0, 0, "first page after memory 0"},
	{0, 0x80001, 1, "folio_unaligned", 0, 0, 0, 0, "odd pfn of an order-1 folio"},
	/* fvp-16k */
	{1, 0x220000, 0, "ok", 0x23f000, 1, 0, 1, "first page of memory 1"},
	{1, 0x23dfff, 0, "ok", 0x23feff, 1, 0xeff, 1, "last page of memory 1: 0x1dfff / 32"},
	{1, 0x3ffff, 0, "ok", 0x23efff, 0, 0xfff, 1, "last page of memory 0: 0x1ffff / 32"},
	{1, 0x23e000, 0, "tag_storage_not_taggable", 0, 0, 0, 0, "region 0's tag storage"},
	/* 1-4 pages per block, 4K */
	{2, 0x40020, 0, "ok", 0x100001, 0, 1, 1, "bsp 1: tag page 1 is block 1"},
	{2, 0x40000, 6, "ok", 0x100000, 0, 0, 2, "bsp 1: tag pages 0-1, blocks 0-1"},
	{3, 0x40040, 0, "ok", 0x100002, 0, 1, 1, "bsp 2: tag page 2 is block 1"},
	{3, 0x40040, 6, "ok", 0x100002, 0, 1, 1, "bsp 2: tag pages 2-3, block 1"},
	{4, 0x40060, 0, "ok", 0x100003, 0, 1, 1, "bsp 3: tag page 3 is block 1"},
	{4, 0x40000, 8, "ok", 0x100000, 0, 0, 3, "bsp 3: tag pages 0-7, blocks 0-2"},
	{5, 0x40080, 0, "ok", 0x100004, 0, 1, 1, "bsp 4: tag page 4 is block 1"},
	{5, 0x40040, 6, "ok", 0x100002, 0, 0, 1, "bsp 4: tag pages 2-3, block 0"},
	{5, 0x45fff, 0, "ok", 0x1002ff, 0, 0xbf, 1, "bsp 4: last page, tag page 0x2ff"},
	/* 1-4 pages per block, 16K */
	{6, 0x10020, 0, "ok", 0x40001, 0, 1, 1, "bsp 1: tag page 1 is block 1"},
	{7, 0x10040, 0, "ok", 0x40002, 0, 1, 1, "bsp 2: tag page 2 is block 1"},
	{7, 0x10000, 7, "ok", 0x40000, 0, 0, 2, "bsp 2: tag pages 0-3, blocks 0-1"},
	{8, 0x10040, 6, "ok", 0x40002, 0, 0, 2, "bsp 3: tag pages 2-3 straddle blocks 0-1"},
	{8, 0x117ff, 0, "ok", 0x400bf, 0, 0x3f, 1, "bsp 3: last page, tag page 0xbf"},
	{9, 0x10080, 0, "ok", 0x40004, 0, 1, 1, "bsp 4: tag page 4 is block 1"},
	{9, 0x10000, 8, "ok", 0x40000, 0, 0, 2, "bsp 4: tag pages 0-7, blocks 0-1"},
	{10, 0x10020, 0, "ok", 0x40001, 0, 1, 1, "block-size 0x2000 at 16K: bsp 1"},
	/* The RFC v3 counting bugs: both folios need blocks 0 and 1; v3 reserves block 0 only. */
	{4, 0x40040, 6, "ok", 0x100002, 0, 0, 2,
	 "v3 bug 1: bsp 3, order 6 at data offset 64 (tag pages 2-3)"},
	{3, 0x40000, 7, "ok", 0x100000, 0, 0, 2,
	 "v3 bug 2: bsp 2, order 7 at offset 0 (tag pages 0-3)"},
};

#define TAGCACHE_KA_MAP_COUNT (sizeof(tagcache_ka_maps) / sizeof(tagcache_ka_maps[0]))
#define TAGCACHE_KA_FOLIO_COUNT (sizeof(tagcache_ka_folios) / sizeof(tagcache_ka_folios[0]))

#undef TAGCACHE_KA_SMALL
#undef TAGCACHE_KA_SMALL_4K
#undef TAGCACHE_KA_SMALL_16K

#endif /* TAGCACHE_TAG_MAP_KNOWN_ANSWERS_H */
