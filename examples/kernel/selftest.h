/* SPDX-License-Identifier: MIT */
/*
 * The module's self-test: cases, KTAP output and the helpers they share. Debian's kernels have
 * CONFIG_KUNIT unset, so the module prints KTAP itself (format:
 * https://docs.kernel.org/dev-tools/ktap.html): "KTAP version 1", the plan "1..N", then one
 * "ok N name" / "not ok N name" / "ok N name # SKIP why" per case, "# ..." diagnostics between.
 */
#ifndef TAGCACHE_SELFTEST_H
#define TAGCACHE_SELFTEST_H

#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/printk.h>

#include "tagcache_kernel.h"

/* One case: its name, and whether a check failed or it was skipped. */
struct st_case {
	const char *name;
	bool failed;
	const char *skip; /* non-NULL: skipped, for this reason */
};

/* A KTAP diagnostic line. */
#define st_diag(fmt, ...) printk(KERN_INFO "# " fmt "\n", ##__VA_ARGS__)

/* Checks `cond`; on failure marks the case failed and says what and where. Evaluates to cond. */
#define ST_EXPECT(c, cond, fmt, ...)                                                        \
	({                                                                                  \
		bool st_ok__ = (cond);                                                      \
		if (!st_ok__) {                                                             \
			(c)->failed = true;                                                 \
			st_diag("%s: line %d: %s: " fmt, (c)->name, __LINE__, #cond,        \
				##__VA_ARGS__);                                             \
		}                                                                           \
		st_ok__;                                                                    \
	})

/* Checks that a tagcache call returned `expected` (a TAGCACHE_E_* code). */
#define ST_EXPECT_CODE(c, call, expected)                                                   \
	({                                                                                  \
		int st_got__ = (call);                                                      \
		ST_EXPECT(c, st_got__ == (expected), "returned %s, expected %s",            \
			  tagcache_error_name(st_got__), tagcache_error_name(expected));    \
	})

/* Physically contiguous pages from alloc_pages(), zeroed. */
struct st_pages {
	struct page *page;
	unsigned int order;
	u64 pfn;
	u64 count;
};
int st_pages_alloc(struct st_pages *pages, unsigned int order);
void st_pages_free(struct st_pages *pages);
static inline void *st_va(u64 pfn)
{
	return page_address(pfn_to_page(pfn));
}

/* A pool in a kvzalloc'd buffer; donor pages are mapped with page_address(). */
struct st_pool {
	struct tagcache_pool *pool;
	void *buffer;
};
int st_pool_create(struct st_pool *pool, u32 slots, u32 max_block_pages,
		   enum tagcache_partial_take mode);
void st_pool_destroy(struct st_pool *pool);
/* Registers `pages` as one donor (block size block_pages) and donates them all. */
int st_pool_add_donor(struct st_pool *pool, const char *name, const struct st_pages *pages,
		      u32 block_pages, u32 *donor);
/* Takes back every donated page of a donor; returns how many were taken. */
u64 st_pool_take_back_all(struct st_pool *pool, u32 donor, u64 first, u64 count);

/* A tag map with one region over real pages: `data` is the tagged memory, `tags` its tag
 * storage (data->count == 32 * tags->count), and a manager over it sharing `pool`. */
struct st_tags {
	void *map_buffer;
	struct tagcache_map *map;
	void *buffer;
	struct tagcache_tags *tags;
};
int st_tags_create(struct st_tags *tags, const struct st_pages *data, const struct st_pages *tag,
		   u64 block_size, struct st_pool *pool, const struct tagcache_tag_hooks *hooks);
void st_tags_destroy(struct st_tags *tags);

/* Page contents that name their key and version: word i of the page is seed * K + i. */
void st_stamp(void *page, u64 seed);
/* How many bytes of `page` differ from st_stamp(page, seed). */
u64 st_wrong_bytes(const void *page, u64 seed);

/* The cases (selftest_*.c), in KTAP order. */
void st_error_codes(struct st_case *c);
void st_tag_map_known_answers(struct st_case *c);
void st_pool_round_trip(struct st_case *c);
void st_pool_eviction(struct st_case *c);
void st_pool_invalidation(struct st_case *c);
void st_folio_take_back_drop(struct st_case *c);
void st_folio_take_back_split(struct st_case *c);
void st_tag_storage_reserve_release(struct st_case *c);
void st_mte_tags(struct st_case *c);
void st_concurrency(struct st_case *c);
void st_atomic_spin_lock_irqsave(struct st_case *c);
void st_atomic_hrtimer(struct st_case *c);
void st_latency(struct st_case *c);
void st_debugfs_counters(struct st_case *c);

/* The concurrency case's pool stays alive after the test: debugfs shows its counters. */
struct tagcache_pool *st_stress_pool(void);
void st_stress_cleanup(void);

/* The debugfs file's text for `stats`; returns its length. */
int st_format_counters(char *buffer, size_t size, const struct tagcache_pool_stats *stats);

#endif /* TAGCACHE_SELFTEST_H */
