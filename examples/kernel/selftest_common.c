// SPDX-License-Identifier: MIT
/* Helpers the self-test cases share: donor pages, pools, tag maps over real pages, stamps. */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "selftest.h"

int st_pages_alloc(struct st_pages *pages, unsigned int order)
{
	pages->page = alloc_pages(GFP_KERNEL | __GFP_ZERO, order);
	if (!pages->page)
		return -ENOMEM;
	pages->order = order;
	pages->pfn = page_to_pfn(pages->page);
	pages->count = 1ULL << order;
	return 0;
}

void st_pages_free(struct st_pages *pages)
{
	if (pages->page)
		__free_pages(pages->page, pages->order);
	pages->page = NULL;
}

/* The pool's page-memory hook: donor pages are ordinary lowmem, mapped by the linear map. */
static void *st_map_pfn(void *context, uint64_t pfn)
{
	return st_va(pfn);
}

int st_pool_create(struct st_pool *pool, u32 slots, u32 max_block_pages,
		   enum tagcache_partial_take mode)
{
	const struct tagcache_pool_params params = {
		.slots = slots,
		.max_block_pages = max_block_pages,
		.page_size = PAGE_SIZE,
		.partial_take = mode,
		.map_pfn = st_map_pfn,
	};
	/* kvzalloc of at least a page is page-aligned, more than the 64 bytes required. */
	size_t bytes = max_t(size_t, tagcache_pool_bytes(&params), PAGE_SIZE);
	int status;

	pool->buffer = kvzalloc(bytes, GFP_KERNEL);
	if (!pool->buffer)
		return -ENOMEM;
	status = tagcache_pool_create(pool->buffer, bytes, &params, &pool->pool);
	if (status != TAGCACHE_E_ok) {
		st_diag("tagcache_pool_create: %s", tagcache_error_name(status));
		kvfree(pool->buffer);
		pool->buffer = NULL;
		return -EINVAL;
	}
	return 0;
}

void st_pool_destroy(struct st_pool *pool)
{
	/* The pool owns nothing but its buffer: no destructor to run. */
	kvfree(pool->buffer);
	pool->buffer = NULL;
	pool->pool = NULL;
}

int st_pool_add_donor(struct st_pool *pool, const char *name, const struct st_pages *pages,
		      u32 block_pages, u32 *donor)
{
	const struct tagcache_pfn_range range = { pages->pfn, pages->count };
	int status = tagcache_pool_register_donor(pool->pool, name, &range, 1, block_pages, 0,
						  donor);
	u64 i;

	for (i = 0; status == TAGCACHE_E_ok && i < pages->count; ++i)
		status = tagcache_pool_donate(pool->pool, *donor, pages->pfn + i);
	if (status != TAGCACHE_E_ok)
		st_diag("adding donor %s: %s", name, tagcache_error_name(status));
	return status;
}

u64 st_pool_take_back_all(struct st_pool *pool, u32 donor, u64 first, u64 count)
{
	u64 taken = 0, i;

	for (i = 0; i < count; ++i)
		taken += tagcache_pool_take_back(pool->pool, donor, first + i) == TAGCACHE_E_ok;
	return taken;
}

int st_tags_create(struct st_tags *tags, const struct st_pages *data, const struct st_pages *tag,
		   u64 block_size, struct st_pool *pool, const struct tagcache_tag_hooks *hooks)
{
	const struct tagcache_region_desc region = {
		.memory_base = data->pfn << PAGE_SHIFT,
		.memory_size = data->count << PAGE_SHIFT,
		.tag_base = tag->pfn << PAGE_SHIFT,
		.tag_size = tag->count << PAGE_SHIFT,
		.block_size = block_size,
	};
	size_t map_bytes = max_t(size_t, tagcache_map_bytes(), PAGE_SIZE);
	size_t bytes;
	int status;

	memset(tags, 0, sizeof(*tags));
	tags->map_buffer = kvzalloc(map_bytes, GFP_KERNEL);
	if (!tags->map_buffer)
		return -ENOMEM;
	status = tagcache_map_create(tags->map_buffer, map_bytes, &region, 1, PAGE_SIZE, &tags->map,
				     NULL);
	if (status != TAGCACHE_E_ok) {
		st_diag("tagcache_map_create: %s", tagcache_error_name(status));
		goto fail;
	}
	bytes = max_t(size_t, tagcache_tags_bytes(tags->map), PAGE_SIZE);
	tags->buffer = kvzalloc(bytes, GFP_KERNEL);
	if (!tags->buffer)
		goto fail;
	status = tagcache_tags_create(tags->buffer, bytes, tags->map, pool->pool, hooks,
				      &tags->tags);
	if (status != TAGCACHE_E_ok) {
		st_diag("tagcache_tags_create: %s", tagcache_error_name(status));
		goto fail;
	}
	return 0;
fail:
	st_tags_destroy(tags);
	return -EINVAL;
}

void st_tags_destroy(struct st_tags *tags)
{
	kvfree(tags->buffer);
	kvfree(tags->map_buffer);
	memset(tags, 0, sizeof(*tags));
}

#define ST_STAMP_MULTIPLIER 0x9E3779B97F4A7C15ULL

void st_stamp(void *page, u64 seed)
{
	u64 *words = page;
	const u64 base = seed * ST_STAMP_MULTIPLIER;
	size_t i;

	for (i = 0; i < PAGE_SIZE / sizeof(u64); ++i)
		words[i] = base + i;
}

u64 st_wrong_bytes(const void *page, u64 seed)
{
	const u64 *words = page;
	const u64 base = seed * ST_STAMP_MULTIPLIER;
	u64 wrong = 0;
	size_t i;

	for (i = 0; i < PAGE_SIZE / sizeof(u64); ++i) {
		u64 diff = words[i] ^ (base + i);

		while (diff) { /* count the differing bytes of the word */
			wrong += (diff & 0xff) != 0;
			diff >>= 8;
		}
	}
	return wrong;
}
