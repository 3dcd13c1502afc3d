// SPDX-License-Identifier: MIT
/* Error codes, tag-map known answers and the tag-storage manager, checked from C. */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "selftest.h"
#include "tag_map_known_answers.h"

void st_error_codes(struct st_case *c)
{
	/* The C names come from the library's list: each must name its own code. */
#define ST_CHECK_CODE(identifier, message)                                                  \
	ST_EXPECT(c, !strcmp(tagcache_error_name(TAGCACHE_E_##identifier), #identifier) &&  \
			     !strcmp(tagcache_error_message(TAGCACHE_E_##identifier), message), \
		  "TAGCACHE_E_%s is \"%s\"", #identifier,                                \
		  tagcache_error_name(TAGCACHE_E_##identifier));
	TAGCACHE_ERROR_CODES(ST_CHECK_CODE)
#undef ST_CHECK_CODE
	ST_EXPECT(c, TAGCACHE_E_ok == 0, "ok is %d", TAGCACHE_E_ok);
	ST_EXPECT(c, strcmp(tagcache_error_name(TAGCACHE_ERROR_COUNT), "unknown_error") == 0,
		  "a code past the list");
	st_diag("error_codes: %d codes, C names generated from TAGCACHE_ERROR_CODES",
		TAGCACHE_ERROR_COUNT);
}

void st_tag_map_known_answers(struct st_case *c)
{
	const size_t bytes = max_t(size_t, tagcache_map_bytes(), PAGE_SIZE);
	struct tagcache_map *maps[TAGCACHE_KA_MAP_COUNT] = {};
	void *buffer = kvzalloc(bytes * TAGCACHE_KA_MAP_COUNT, GFP_KERNEL);
	size_t m, f;
	u32 r;

	if (!ST_EXPECT(c, buffer != NULL, "kvzalloc"))
		return;
	for (m = 0; m < TAGCACHE_KA_MAP_COUNT; ++m) {
		const struct tagcache_ka_map *v = &tagcache_ka_maps[m];
		struct tagcache_region_desc descs[2];

		for (r = 0; r < v->region_count; ++r)
			descs[r] = (struct tagcache_region_desc){
				v->regions[r].memory_base, v->regions[r].memory_size,
				v->regions[r].tag_base, v->regions[r].tag_size,
				v->regions[r].block_size };
		if (!ST_EXPECT_CODE(c, tagcache_map_create(buffer + m * bytes, bytes, descs,
							   v->region_count, v->page_size, &maps[m],
							   NULL),
				    TAGCACHE_E_ok))
			goto out;
		for (r = 0; r < v->region_count; ++r) {
			const struct tagcache_ka_pages *e = &v->expected[r];
			struct tagcache_region_info got;

			tagcache_map_region(maps[m], r, &got);
			ST_EXPECT(c, got.memory_first == e->memory_first &&
					     got.memory_pages == e->memory_pages &&
					     got.tags_first == e->tags_first &&
					     got.tag_pages == e->tag_pages &&
					     got.block_pages == e->block_pages &&
					     got.blocks == e->blocks,
				  "%s region %u", v->name, r);
		}
	}
	for (f = 0; f < TAGCACHE_KA_FOLIO_COUNT; ++f) {
		const struct tagcache_ka_folio *v = &tagcache_ka_folios[f];
		struct tagcache_block_span span = {};
		u64 tag_page = 0;
		int code = tagcache_map_blocks_for_folio(maps[v->map], v->pfn, v->order, &span);

		if (!ST_EXPECT(c, strcmp(tagcache_error_name(code), v->error) == 0,
			       "%s: %s, expected %s", v->why, tagcache_error_name(code),
			       v->error) ||
		    code != TAGCACHE_E_ok)
			continue;
		ST_EXPECT_CODE(c, tagcache_map_tag_page_of(maps[v->map], v->pfn, &tag_page),
			       TAGCACHE_E_ok);
		ST_EXPECT(c, span.region == v->region && span.first == v->first_block &&
				     span.count == v->block_count && tag_page == v->tag_page,
			  "%s: region %u blocks %llu+%llu tag page %#llx", v->why, span.region,
			  span.first, span.count, tag_page);
	}
	st_diag("tag_map_known_answers: %zu maps, %zu folios, from tag_map_known_answers.h",
		TAGCACHE_KA_MAP_COUNT, TAGCACHE_KA_FOLIO_COUNT);
out:
	kvfree(buffer);
}

/* What the maintenance hooks saw. */
struct hook_counts {
	u64 to_tags, to_data, zero_tags, invalidate_tags;
	u64 last_first, last_count;
};

static void count_to_tags(void *context, uint64_t first, uint64_t count)
{
	struct hook_counts *h = context;

	++h->to_tags;
	h->last_first = first;
	h->last_count = count;
}

static void count_to_data(void *context, uint64_t first, uint64_t count)
{
	++((struct hook_counts *)context)->to_data;
}

static void count_zero_tags(void *context, uint64_t pfn)
{
	++((struct hook_counts *)context)->zero_tags;
}

static void count_invalidate_tags(void *context, uint64_t pfn)
{
	++((struct hook_counts *)context)->invalidate_tags;
}

void st_tag_storage_reserve_release(struct st_case *c)
{
	struct hook_counts h = {};
	const struct tagcache_tag_hooks hooks = { count_to_tags, count_to_data, count_zero_tags,
						  count_invalidate_tags, &h };
	struct st_pages data = {}, tag = {}, staging = {};
	struct tagcache_tag_stats ts;
	struct tagcache_pool_stats ps;
	struct st_tags tags = {};
	struct st_pool pool = {};
	const char *broken;
	u32 fs = 0;
	u64 i;

	/* 128 data pages, their 4 tag pages in blocks of 2 pages: block b serves 64 data pages. */
	if (!ST_EXPECT(c, st_pages_alloc(&data, 7) == 0 && st_pages_alloc(&tag, 2) == 0 &&
			       st_pages_alloc(&staging, 0) == 0, "alloc_pages") ||
	    !ST_EXPECT(c, st_pool_create(&pool, 4, 2, TAGCACHE_DROP_WHOLE_FOLIO) == 0, "pool") ||
	    !ST_EXPECT(c, st_tags_create(&tags, &data, &tag, 2 * PAGE_SIZE, &pool, &hooks) == 0,
		       "manager"))
		goto out;
	/* The tag pages cache four file pages. */
	tagcache_pool_add_fs(pool.pool, &fs);
	for (i = 0; i < 4; ++i) {
		st_stamp(st_va(staging.pfn), i);
		ST_EXPECT_CODE(c, tagcache_pool_store(pool.pool, fs, 9, i, 0, st_va(staging.pfn)),
			       TAGCACHE_E_ok);
	}
	/* Block 0 goes 0 -> 1: taken back (its two cached pages dropped), then tags. */
	ST_EXPECT_CODE(c, tagcache_tags_reserve(tags.tags, data.pfn, 0), TAGCACHE_E_ok);
	ST_EXPECT(c, h.to_tags == 1 && h.last_first == tag.pfn && h.last_count == 2 &&
			     h.zero_tags == 1,
		  "to_tags %llu (%#llx+%llu) zero_tags %llu", h.to_tags, h.last_first,
		  h.last_count, h.zero_tags);
	ST_EXPECT_CODE(c, tagcache_tags_reserve(tags.tags, data.pfn, 0),
		       TAGCACHE_E_already_reserved);
	ST_EXPECT_CODE(c, tagcache_tags_reserve(tags.tags, data.pfn + 60, 2), TAGCACHE_E_ok);
	ST_EXPECT_CODE(c, tagcache_tags_reserve(tags.tags, data.pfn + 64, 6), TAGCACHE_E_ok);
	ST_EXPECT(c, h.to_tags == 2 && h.last_first == tag.pfn + 2 && h.zero_tags == 69,
		  "to_tags %llu zero_tags %llu", h.to_tags, h.zero_tags);
	ST_EXPECT(c, tagcache_tags_is_reserved(tags.tags, data.pfn + 63) &&
			     !tagcache_tags_is_reserved(tags.tags, data.pfn + 1),
		  "is_reserved");
	tagcache_pool_get_stats(pool.pool, &ps);
	ST_EXPECT(c, ps.recalled == 4 && ps.cached == 0, "recalled %llu cached %llu", ps.recalled,
		  ps.cached);
	broken = tagcache_tags_check_invariants(tags.tags);
	ST_EXPECT(c, broken == NULL, "manager invariant: %s", broken);
	/* Arguments the manager refuses, changing nothing. */
	ST_EXPECT_CODE(c, tagcache_tags_reserve(tags.tags, data.pfn + 1, 1),
		       TAGCACHE_E_folio_unaligned);
	ST_EXPECT_CODE(c, tagcache_tags_reserve(tags.tags, tag.pfn, 0),
		       TAGCACHE_E_tag_storage_not_taggable);
	ST_EXPECT_CODE(c, tagcache_tags_release(tags.tags, data.pfn + 2, 0),
		       TAGCACHE_E_not_reserved);
	/* Releases: block 1 returns at once, block 0 when its last page goes. */
	ST_EXPECT_CODE(c, tagcache_tags_release(tags.tags, data.pfn + 64, 6), TAGCACHE_E_ok);
	ST_EXPECT(c, h.to_data == 1 && h.invalidate_tags == 64, "to_data %llu invalidate %llu",
		  h.to_data, h.invalidate_tags);
	ST_EXPECT_CODE(c, tagcache_tags_release(tags.tags, data.pfn, 0), TAGCACHE_E_ok);
	ST_EXPECT(c, h.to_data == 1, "block 0 returned while page 60-63 hold tags");
	ST_EXPECT_CODE(c, tagcache_tags_release(tags.tags, data.pfn + 60, 2), TAGCACHE_E_ok);
	ST_EXPECT_CODE(c, tagcache_tags_release(tags.tags, data.pfn + 60, 2),
		       TAGCACHE_E_not_reserved);
	tagcache_tags_get_stats(tags.tags, &ts);
	ST_EXPECT(c, h.to_data == 2 && h.invalidate_tags == 69 && ts.reservations == 3 &&
			     ts.releases == 3 && ts.blocks_claimed == 2 &&
			     ts.blocks_returned == 2 && ts.pages_reserved == 0 &&
			     ts.blocks_in_use == 0,
		  "to_data %llu reservations %llu releases %llu claimed %llu returned %llu",
		  h.to_data, ts.reservations, ts.releases, ts.blocks_claimed, ts.blocks_returned);
	broken = tagcache_tags_check_invariants(tags.tags);
	ST_EXPECT(c, broken == NULL, "manager invariant: %s", broken);
	/* The blocks are lent again: the pool caches in them. */
	ST_EXPECT_CODE(c, tagcache_pool_store(pool.pool, fs, 9, 8, 0, st_va(staging.pfn)),
		       TAGCACHE_E_ok);
	broken = tagcache_pool_check_invariants(pool.pool);
	ST_EXPECT(c, broken == NULL, "pool invariant: %s", broken);
	st_diag("tag_storage_reserve_release: to_tags %llu to_data %llu zero_tags %llu "
		"invalidate_tags %llu", h.to_tags, h.to_data, h.zero_tags, h.invalidate_tags);
out:
	if (tags.tags)
		st_pool_take_back_all(&pool, tagcache_tags_donor(tags.tags, 0), tag.pfn, tag.count);
	st_tags_destroy(&tags);
	st_pool_destroy(&pool);
	st_pages_free(&staging);
	st_pages_free(&tag);
	st_pages_free(&data);
}
