// SPDX-License-Identifier: MIT
/*
 * arm64 MTE: the tag-storage manager's maintenance hooks write real allocation tags. The
 * zero-tags hook stores tag 0 in every 16-byte granule of a newly reserved page with STG and
 * reads each back with LDG (the instructions: "STG", "LDG" in
 * https://developer.arm.com/documentation/ddi0602/latest/Base-Instructions/). The kernel's
 * linear map is Normal Tagged when the CPU has MTE (arch/arm64/mm/mmu.c, map_mem()), so
 * page_address() of our own pages is a tagged mapping.
 *
 * The case first writes a different non-zero tag into every granule of the folio and reads
 * them all back: an emulator that keeps one tag per page (QEMU 7.2, fixed in 8.0) returns the
 * last tag written for every granule, and the case fails there. It is skipped only on other
 * architectures; on arm64 without MTE it fails.
 *
 * The tag map here is synthetic: its "tag storage" is four ordinary pages the module lends to
 * the pool (QEMU keeps the real tags in its own tag memory), so what the case proves is the
 * order of operations (cached data dropped, tags zeroed, per-granule tags kept), not where
 * real hardware stores tags.
 */
#include <linux/mm.h>
#include <linux/utsname.h>

#include "selftest.h"

#ifdef CONFIG_ARM64
#include <asm/cpufeature.h>

#define GRANULE 16
#define GRANULES_PER_PAGE (PAGE_SIZE / GRANULE)

/* STG: the tag comes from bits 59:56 of the first register, the address from the second. */
static inline void granule_set_tag(void *granule, unsigned int tag)
{
	const u64 address = (u64)granule;
	const u64 tagged = (address & ~(0xfULL << 56)) | ((u64)(tag & 0xf) << 56);

	asm volatile(".arch armv8.5-a+memtag\n\tstg %0, [%1]" : : "r"(tagged), "r"(address)
		     : "memory");
}

/* LDG: replaces bits 59:56 of the register with the granule's allocation tag. */
static inline unsigned int granule_tag(const void *granule)
{
	u64 value = 0;

	asm volatile(".arch armv8.5-a+memtag\n\tldg %0, [%1]" : "+r"(value) : "r"(granule)
		     : "memory");
	return (value >> 56) & 0xf;
}

static unsigned int pattern_tag(u64 page, unsigned int granule)
{
	return 1 + (page * GRANULES_PER_PAGE + granule) % 15; /* never 0 */
}

/* Writes the pattern into every granule of `pages` pages, then reads every granule back. */
static u64 write_and_check_pattern(u64 pfn, u64 pages)
{
	u64 wrong = 0, p;
	unsigned int g;

	for (p = 0; p < pages; ++p)
		for (g = 0; g < GRANULES_PER_PAGE; ++g)
			granule_set_tag(st_va(pfn + p) + g * GRANULE, pattern_tag(p, g));
	for (p = 0; p < pages; ++p)
		for (g = 0; g < GRANULES_PER_PAGE; ++g)
			wrong += granule_tag(st_va(pfn + p) + g * GRANULE) != pattern_tag(p, g);
	return wrong;
}

static u64 nonzero_granules(u64 pfn, u64 pages)
{
	u64 nonzero = 0, p;
	unsigned int g;

	for (p = 0; p < pages; ++p)
		for (g = 0; g < GRANULES_PER_PAGE; ++g)
			nonzero += granule_tag(st_va(pfn + p) + g * GRANULE) != 0;
	return nonzero;
}

struct tag_hook_counts {
	u64 to_tags, zero_tags, zero_failures, invalidate_tags;
};

static void hook_to_tags(void *context, uint64_t first, uint64_t count)
{
	/* Real tag storage would have its data cache lines invalidated here; QEMU needs none. */
	++((struct tag_hook_counts *)context)->to_tags;
}

/* The zero-tags hook: tag 0 into each granule with STG, each read back with LDG. */
static void hook_zero_tags(void *context, uint64_t pfn)
{
	struct tag_hook_counts *h = context;
	void *page = st_va(pfn);
	unsigned int g;

	for (g = 0; g < GRANULES_PER_PAGE; ++g)
		granule_set_tag(page + g * GRANULE, 0);
	for (g = 0; g < GRANULES_PER_PAGE; ++g)
		h->zero_failures += granule_tag(page + g * GRANULE) != 0;
	++h->zero_tags;
}

static void hook_invalidate_tags(void *context, uint64_t pfn)
{
	++((struct tag_hook_counts *)context)->invalidate_tags;
}

static void tag_writing_case(struct st_case *c)
{
	struct tag_hook_counts h = {};
	const struct tagcache_tag_hooks hooks = { hook_to_tags, NULL, hook_zero_tags,
						  hook_invalidate_tags, &h };
	struct st_pages data = {}, tag = {};
	struct tagcache_pool_stats ps;
	struct st_tags tags = {};
	struct st_pool pool = {};
	u64 wrong, nonzero;
	u32 fs = 0;
	int round;

	/* 32 data pages, their one tag page (one block); the folio is the first 4 data pages. */
	if (!ST_EXPECT(c, st_pages_alloc(&data, 5) == 0 && st_pages_alloc(&tag, 0) == 0,
		       "alloc_pages") ||
	    !ST_EXPECT(c, st_pool_create(&pool, 1, 1, TAGCACHE_DROP_WHOLE_FOLIO) == 0, "pool") ||
	    !ST_EXPECT(c, st_tags_create(&tags, &data, &tag, PAGE_SIZE, &pool, &hooks) == 0,
		       "manager"))
		goto out;
	tagcache_pool_add_fs(pool.pool, &fs);
	st_stamp(st_va(data.pfn), 7); /* any page's bytes will do as the file page */
	ST_EXPECT_CODE(c, tagcache_pool_store(pool.pool, fs, 1, 0, 0, st_va(data.pfn)),
		       TAGCACHE_E_ok);
	for (round = 0; round < 2; ++round) {
		/* As a tagged allocation would: a distinct tag in every granule, read back. */
		wrong = write_and_check_pattern(data.pfn, 4);
		ST_EXPECT(c, wrong == 0,
			  "%llu of %lu granules read back another tag (one tag per page?)", wrong,
			  4 * GRANULES_PER_PAGE);
		if (round == 1)
			ST_EXPECT_CODE(c, tagcache_tags_release(tags.tags, data.pfn, 2),
				       TAGCACHE_E_ok);
		ST_EXPECT_CODE(c, tagcache_tags_reserve(tags.tags, data.pfn, 2), TAGCACHE_E_ok);
		nonzero = nonzero_granules(data.pfn, 4);
		ST_EXPECT(c, nonzero == 0 && h.zero_failures == 0,
			  "round %d: %llu granules not 0 after reserve (%llu in the hook)",
			  round, nonzero, h.zero_failures);
	}
	tagcache_pool_get_stats(pool.pool, &ps);
	ST_EXPECT(c, h.to_tags == 2 && h.zero_tags == 8 && h.invalidate_tags == 4,
		  "to_tags %llu zero_tags %llu invalidate_tags %llu", h.to_tags, h.zero_tags,
		  h.invalidate_tags);
	ST_EXPECT(c, ps.recalled == 1, "the cached page in the block was not dropped");
	ST_EXPECT_CODE(c, tagcache_tags_release(tags.tags, data.pfn, 2), TAGCACHE_E_ok);
	if (!c->failed)
		st_diag("mte_tags: 4 pages x %lu granules: distinct tags read back exactly "
			"(STG/LDG), zero-tags hook left all at 0, twice", GRANULES_PER_PAGE);
out:
	if (tags.tags)
		st_pool_take_back_all(&pool, tagcache_tags_donor(tags.tags, 0), tag.pfn, tag.count);
	st_tags_destroy(&tags);
	st_pool_destroy(&pool);
	st_pages_free(&tag);
	st_pages_free(&data);
}
#endif /* CONFIG_ARM64 */

void st_mte_tags(struct st_case *c)
{
#ifdef CONFIG_ARM64
	if (!ST_EXPECT(c, system_supports_mte(),
		       "arm64 without MTE: boot with -machine virt,mte=on -cpu max"))
		return;
	tag_writing_case(c);
#else
	c->skip = "MTE is an arm64 feature";
	st_diag("mte_tags: skipped on %s", utsname()->machine);
#endif
}
