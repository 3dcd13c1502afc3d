// SPDX-License-Identifier: MIT
/*
 * tagcache's KUnit suite: the tag-map known answers (tests/mapping/tag_map_known_answers.h,
 * the same table the userspace tests and the self-test read) and the C ABI's own checks,
 * run by KUnit when the module loads, in a kernel with KUnit built in (the kernels build.sh
 * makes: CONFIG_KUNIT=y). Debian's stock kernel has KUnit as a module: there the suite is left
 * out, so that the module loads without kunit.ko. Printed as nested KTAP (a suite "tagcache",
 * a parameterised case per table), which scripts/kernel/check_ktap.sh --kunit checks.
 */
#include <linux/kconfig.h>

#if IS_BUILTIN(CONFIG_KUNIT)
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "tag_map_known_answers.h"
#include "tagcache_kernel.h"

/* ---- the known answers, one parameter per map and per folio ---------------------------------- */

static void ka_map_name(const struct tagcache_ka_map *map, char *description)
{
	strscpy(description, map->name, KUNIT_PARAM_DESC_SIZE);
}
KUNIT_ARRAY_PARAM(ka_maps, tagcache_ka_maps, ka_map_name);

static void ka_folio_name(const struct tagcache_ka_folio *folio, char *description)
{
	strscpy(description, folio->why, KUNIT_PARAM_DESC_SIZE);
}
KUNIT_ARRAY_PARAM(ka_folios, tagcache_ka_folios, ka_folio_name);

static struct tagcache_map *ka_build(struct kunit *test, const struct tagcache_ka_map *v)
{
	const size_t bytes = max_t(size_t, tagcache_map_bytes(), PAGE_SIZE);
	void *buffer = kunit_kzalloc(test, bytes, GFP_KERNEL);
	struct tagcache_region_desc descs[2];
	struct tagcache_map *map = NULL;
	u32 r;

	KUNIT_ASSERT_NOT_NULL(test, buffer);
	KUNIT_ASSERT_LE(test, v->region_count, 2U);
	for (r = 0; r < v->region_count; ++r)
		descs[r] = (struct tagcache_region_desc){ v->regions[r].memory_base,
							  v->regions[r].memory_size,
							  v->regions[r].tag_base, v->regions[r].tag_size,
							  v->regions[r].block_size };
	KUNIT_ASSERT_EQ(test, tagcache_map_create(buffer, bytes, descs, v->region_count,
						  v->page_size, &map, NULL),
			TAGCACHE_E_ok);
	return map;
}

static void tag_map_regions(struct kunit *test)
{
	const struct tagcache_ka_map *v = test->param_value;
	struct tagcache_map *map = ka_build(test, v);
	struct tagcache_region_info got;
	u32 r;

	KUNIT_EXPECT_EQ(test, tagcache_map_region_count(map), v->region_count);
	for (r = 0; r < v->region_count; ++r) {
		const struct tagcache_ka_pages *e = &v->expected[r];

		KUNIT_ASSERT_EQ(test, tagcache_map_region(map, r, &got), TAGCACHE_E_ok);
		KUNIT_EXPECT_EQ(test, got.memory_first, e->memory_first);
		KUNIT_EXPECT_EQ(test, got.memory_pages, e->memory_pages);
		KUNIT_EXPECT_EQ(test, got.tags_first, e->tags_first);
		KUNIT_EXPECT_EQ(test, got.tag_pages, e->tag_pages);
		KUNIT_EXPECT_EQ(test, got.block_pages, e->block_pages);
		KUNIT_EXPECT_EQ(test, got.blocks, e->blocks);
	}
}

static void tag_map_folios(struct kunit *test)
{
	const struct tagcache_ka_folio *v = test->param_value;
	struct tagcache_map *map = ka_build(test, &tagcache_ka_maps[v->map]);
	struct tagcache_block_span span = {};
	u64 tag_page = 0;
	int code = tagcache_map_blocks_for_folio(map, v->pfn, v->order, &span);

	KUNIT_EXPECT_STREQ(test, tagcache_error_name(code), v->error);
	if (code != TAGCACHE_E_ok)
		return;
	KUNIT_EXPECT_EQ(test, tagcache_map_tag_page_of(map, v->pfn, &tag_page), TAGCACHE_E_ok);
	KUNIT_EXPECT_EQ(test, tag_page, v->tag_page);
	KUNIT_EXPECT_EQ(test, span.region, v->region);
	KUNIT_EXPECT_EQ(test, span.first, v->first_block);
	KUNIT_EXPECT_EQ(test, span.count, v->block_count);
}

/* ---- the C ABI's checks ------------------------------------------------------------------------ */

static void abi_error_codes(struct kunit *test)
{
	int code;

	KUNIT_EXPECT_EQ(test, TAGCACHE_E_ok, 0);
	KUNIT_EXPECT_STREQ(test, tagcache_error_name(TAGCACHE_E_ok), "ok");
	for (code = 1; code < TAGCACHE_ERROR_COUNT; ++code) {
		KUNIT_EXPECT_STRNEQ(test, tagcache_error_name(code), "unknown_error");
		KUNIT_EXPECT_GT(test, strlen(tagcache_error_message(code)), (size_t)0);
	}
	KUNIT_EXPECT_STREQ(test, tagcache_error_name(TAGCACHE_ERROR_COUNT), "unknown_error");
	KUNIT_EXPECT_STREQ(test, tagcache_error_name(-1), "unknown_error");
}

/* Each region rule, broken once, refused with its own code and the region's index. */
static void abi_map_refuses(struct kunit *test)
{
	static const struct {
		struct tagcache_region_desc desc;
		int code;
	} cases[] = {
		{ { 0x40000000, 0x6000000, 0x100000000, 0x300000, 0 }, TAGCACHE_E_block_size_zero },
		{ { 0x40000000, 0x6000000, 0x100000000, 0x300000, 0x1800 },
		  TAGCACHE_E_block_size_unaligned },
		{ { 0x40000000, 0x6000000, 0x100000000, 0x200000, 0x1000 },
		  TAGCACHE_E_tag_size_mismatch },
		{ { 0x40000000, 0x6000000, 0x45000000, 0x300000, 0x1000 },
		  TAGCACHE_E_tag_storage_overlaps_tagged_memory },
		{ { 0x40000000, 0, 0x100000000, 0, 0x1000 }, TAGCACHE_E_empty_range },
		{ { 0x40000800, 0x6000000, 0x100000000, 0x300000, 0x1000 },
		  TAGCACHE_E_range_unaligned },
	};
	const size_t bytes = max_t(size_t, tagcache_map_bytes(), PAGE_SIZE);
	void *buffer = kunit_kzalloc(test, bytes, GFP_KERNEL);
	struct tagcache_region_desc two[2];
	struct tagcache_map *map;
	u32 bad;
	size_t i;

	KUNIT_ASSERT_NOT_NULL(test, buffer);
	for (i = 0; i < ARRAY_SIZE(cases); ++i) {
		two[0] = (struct tagcache_region_desc){ 0x200000000, 0x6000000, 0x300000000,
							0x300000, 0x1000 };
		two[1] = cases[i].desc;
		bad = 99;
		KUNIT_EXPECT_STREQ_MSG(test,
				       tagcache_error_name(tagcache_map_create(buffer, bytes, two, 2,
									       4096, &map, &bad)),
				       tagcache_error_name(cases[i].code), "case %zu", i);
		KUNIT_EXPECT_EQ_MSG(test, bad, 1U, "case %zu", i);
	}
	KUNIT_EXPECT_EQ(test, tagcache_map_create(buffer, bytes, two, 1, 8192, &map, NULL),
			TAGCACHE_E_invalid_page_size);
	KUNIT_EXPECT_EQ(test, tagcache_map_create(buffer, 16, two, 1, 4096, &map, NULL),
			TAGCACHE_E_buffer_too_small);
}

static void *abi_map_pfn(void *context, uint64_t pfn)
{
	return NULL;
}

/* A pool's parameters: what tagcache_pool_bytes() sizes, tagcache_pool_create() checks. */
static void abi_pool_params(struct kunit *test)
{
	struct tagcache_pool_params params = { .slots = 64, .max_block_pages = 16,
						.page_size = PAGE_SIZE, .map_pfn = abi_map_pfn };
	struct tagcache_pool *pool = NULL;
	size_t bytes = tagcache_pool_bytes(&params);
	void *buffer;

	KUNIT_EXPECT_EQ(test, tagcache_pool_bytes(NULL), (size_t)0);
	KUNIT_ASSERT_GT(test, bytes, (size_t)0);
	buffer = kunit_kzalloc(test, max_t(size_t, bytes, PAGE_SIZE), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buffer);
	KUNIT_EXPECT_NE(test, tagcache_pool_create(buffer, bytes - 1, &params, &pool),
			TAGCACHE_E_ok);
	KUNIT_ASSERT_EQ(test, tagcache_pool_create(buffer, bytes, &params, &pool), TAGCACHE_E_ok);
	KUNIT_ASSERT_NOT_NULL(test, pool);
	KUNIT_EXPECT_NULL(test, tagcache_pool_check_invariants(pool));
	params.map_pfn = NULL;
	KUNIT_EXPECT_EQ(test, tagcache_pool_bytes(&params), (size_t)0);
	params.map_pfn = abi_map_pfn;
	params.page_size = 3000;
	KUNIT_EXPECT_EQ(test, tagcache_pool_bytes(&params), (size_t)0);
}

static struct kunit_case tagcache_kunit_cases[] = {
	KUNIT_CASE_PARAM(tag_map_regions, ka_maps_gen_params),
	KUNIT_CASE_PARAM(tag_map_folios, ka_folios_gen_params),
	KUNIT_CASE(abi_error_codes),
	KUNIT_CASE(abi_map_refuses),
	KUNIT_CASE(abi_pool_params),
	{}
};

static struct kunit_suite tagcache_kunit_suite = {
	.name = "tagcache",
	.test_cases = tagcache_kunit_cases,
};
kunit_test_suite(tagcache_kunit_suite);

#endif /* IS_BUILTIN(CONFIG_KUNIT) */
