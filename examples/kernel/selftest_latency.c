// SPDX-License-Identifier: MIT
/*
 * In-kernel latency, printed as KTAP diagnostics (a figure, not a pass condition): take-back of
 * a cached page, a tag-storage reservation whose block holds cached pages that must be
 * dropped, and the miss path (a restore that misses, a store that evicts, a restore that hits). Each timed call runs with local interrupts off, so the figure is the operation's own
 * time, read from ktime_get_ns(). Under QEMU TCG these are emulated-CPU figures: compare them
 * with each other, not with hardware. The case fails only if an operation misbehaves.
 */
#include <linux/irqflags.h>
#include <linux/log2.h>
#include <linux/string.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/timekeeping.h>

#include "selftest.h"

#define LATENCY_OPS 10000

static int compare_u64(const void *a, const void *b)
{
	const u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *what, u64 *samples, size_t n)
{
	sort(samples, n, sizeof(*samples), compare_u64, NULL);
	st_diag("latency %s: n=%zu p50=%llu ns p99=%llu ns max=%llu ns", what, n, samples[n / 2],
		samples[n * 99 / 100], samples[n - 1]);
}

/* One donor page, stored into and taken back LATENCY_OPS times. */
static void take_back_cached_page(struct st_case *c, u64 *samples)
{
	struct st_pages page = {}, staging = {};
	struct tagcache_pool_stats stats;
	struct st_pool pool = {};
	unsigned long flags;
	u64 errors = 0, t0, i;
	u32 donor = 0, fs = 0;
	int status;

	if (!ST_EXPECT(c, st_pages_alloc(&page, 0) == 0 && st_pages_alloc(&staging, 0) == 0,
		       "alloc_pages") ||
	    !ST_EXPECT(c, st_pool_create(&pool, 1, 1, TAGCACHE_DROP_WHOLE_FOLIO) == 0, "pool") ||
	    !ST_EXPECT(c, st_pool_add_donor(&pool, "latency", &page, 1, &donor) == 0, "donor"))
		goto out;
	tagcache_pool_add_fs(pool.pool, &fs);
	st_stamp(st_va(staging.pfn), 1);
	for (i = 0; i < LATENCY_OPS; ++i) {
		if (i > 0)
			errors += tagcache_pool_donate(pool.pool, donor, page.pfn) != TAGCACHE_E_ok;
		errors += tagcache_pool_store(pool.pool, fs, 1, i, 0, st_va(staging.pfn)) !=
			  TAGCACHE_E_ok;
		local_irq_save(flags);
		t0 = ktime_get_ns();
		status = tagcache_pool_take_back(pool.pool, donor, page.pfn);
		samples[i] = ktime_get_ns() - t0;
		local_irq_restore(flags);
		errors += status != TAGCACHE_E_ok;
	}
	tagcache_pool_get_stats(pool.pool, &stats);
	/* Every take-back found the page holding data and dropped it. */
	if (ST_EXPECT(c, errors == 0 && stats.recalled == LATENCY_OPS,
		      "%llu errors, %llu of %d take-backs dropped a cached page", errors,
		      stats.recalled, LATENCY_OPS))
		report("take_back_cached_page", samples, LATENCY_OPS);
out:
	st_pool_destroy(&pool);
	st_pages_free(&staging);
	st_pages_free(&page);
}

/* One block of two tag pages, both caching a folio, reserved and released LATENCY_OPS times. */
static void reserve_with_drop(struct st_case *c, u64 *samples)
{
	struct st_pages data = {}, tag = {}, staging = {};
	struct tagcache_pool_stats stats;
	struct st_tags tags = {};
	struct st_pool pool = {};
	unsigned long flags;
	u64 errors = 0, t0, i;
	u32 fs = 0;
	int status;

	if (!ST_EXPECT(c, st_pages_alloc(&data, 6) == 0 && st_pages_alloc(&tag, 1) == 0 &&
			       st_pages_alloc(&staging, 1) == 0, "alloc_pages") ||
	    !ST_EXPECT(c, st_pool_create(&pool, 2, 2, TAGCACHE_DROP_WHOLE_FOLIO) == 0, "pool") ||
	    !ST_EXPECT(c, st_tags_create(&tags, &data, &tag, 2 * PAGE_SIZE, &pool, NULL) == 0,
		       "manager"))
		goto out;
	tagcache_pool_add_fs(pool.pool, &fs);
	st_stamp(st_va(staging.pfn), 2);
	st_stamp(st_va(staging.pfn + 1), 3);
	for (i = 0; i < LATENCY_OPS; ++i) {
		errors += tagcache_pool_store(pool.pool, fs, 2, 2 * i, 1, st_va(staging.pfn)) !=
			  TAGCACHE_E_ok;
		local_irq_save(flags);
		t0 = ktime_get_ns();
		status = tagcache_tags_reserve(tags.tags, data.pfn, 0);
		samples[i] = ktime_get_ns() - t0;
		local_irq_restore(flags);
		errors += status != TAGCACHE_E_ok;
		errors += tagcache_tags_release(tags.tags, data.pfn, 0) != TAGCACHE_E_ok;
	}
	tagcache_pool_get_stats(pool.pool, &stats);
	/* Each reservation drops the folio: one page recalled, its sibling with it. */
	if (ST_EXPECT(c, errors == 0 && stats.recalled == LATENCY_OPS &&
				 stats.collateral_dropped == LATENCY_OPS,
		      "%llu errors, %llu + %llu pages dropped by %d reservations", errors,
		      stats.recalled, stats.collateral_dropped, LATENCY_OPS))
		report("reserve_with_drop (2 cached pages)", samples, LATENCY_OPS);
out:
	if (tags.tags)
		st_pool_take_back_all(&pool, tagcache_tags_donor(tags.tags, 0), tag.pfn, tag.count);
	st_tags_destroy(&tags);
	st_pool_destroy(&pool);
	st_pages_free(&staging);
	st_pages_free(&tag);
	st_pages_free(&data);
}

#define MISS_PATH_SLOTS 64

/*
 * The cleancache's miss path as a page cache drives it: a read's restore that misses, the
 * store of the page read (evicting once the pool is full), and the next read's restore that
 * hits, LATENCY_OPS times over a pool of MISS_PATH_SLOTS one-page donor blocks.
 */
static void miss_path(struct st_case *c, u64 *store_samples)
{
	struct st_pages donor_pages = {}, staging = {}, sink = {};
	struct tagcache_pool_stats stats;
	struct st_pool pool = {};
	u64 *miss_samples = kvmalloc_array(LATENCY_OPS, sizeof(u64), GFP_KERNEL);
	u64 *hit_samples = kvmalloc_array(LATENCY_OPS, sizeof(u64), GFP_KERNEL);
	u64 errors = 0, filled = 0, t0, i;
	unsigned long flags;
	u32 donor = 0, fs = 0;
	int status;

	if (!ST_EXPECT(c, miss_samples && hit_samples, "kvmalloc") ||
	    !ST_EXPECT(c, st_pages_alloc(&donor_pages, ilog2(MISS_PATH_SLOTS)) == 0 &&
			       st_pages_alloc(&staging, 0) == 0 && st_pages_alloc(&sink, 0) == 0,
		       "alloc_pages") ||
	    !ST_EXPECT(c, st_pool_create(&pool, MISS_PATH_SLOTS, 1, TAGCACHE_DROP_WHOLE_FOLIO) == 0,
		       "pool") ||
	    !ST_EXPECT(c, st_pool_add_donor(&pool, "miss-path", &donor_pages, 1, &donor) == 0,
		       "donor"))
		goto out;
	tagcache_pool_add_fs(pool.pool, &fs);
	st_stamp(st_va(staging.pfn), 4);
	for (i = 0; i < LATENCY_OPS; ++i) {
		local_irq_save(flags);
		t0 = ktime_get_ns();
		status = tagcache_pool_restore(pool.pool, fs, 1, i, 0, st_va(sink.pfn), &filled);
		miss_samples[i] = ktime_get_ns() - t0;
		local_irq_restore(flags);
		errors += status != TAGCACHE_E_ok || filled != 0;

		local_irq_save(flags);
		t0 = ktime_get_ns();
		status = tagcache_pool_store(pool.pool, fs, 1, i, 0, st_va(staging.pfn));
		store_samples[i] = ktime_get_ns() - t0;
		local_irq_restore(flags);
		errors += status != TAGCACHE_E_ok;

		local_irq_save(flags);
		t0 = ktime_get_ns();
		status = tagcache_pool_restore(pool.pool, fs, 1, i, 0, st_va(sink.pfn), &filled);
		hit_samples[i] = ktime_get_ns() - t0;
		local_irq_restore(flags);
		errors += status != TAGCACHE_E_ok || filled != 1;
	}
	tagcache_pool_get_stats(pool.pool, &stats);
	/* Every restore missed then hit; every store past the first MISS_PATH_SLOTS evicted one. */
	if (ST_EXPECT(c, errors == 0 && stats.restored == LATENCY_OPS &&
				 stats.missed == LATENCY_OPS &&
				 stats.reclaimed == LATENCY_OPS - MISS_PATH_SLOTS &&
				 memcmp(st_va(sink.pfn), st_va(staging.pfn), PAGE_SIZE) == 0,
		      "%llu errors, %llu restored, %llu missed, %llu evicted of %d", errors,
		      stats.restored, stats.missed, stats.reclaimed, LATENCY_OPS)) {
		report("restore_miss", miss_samples, LATENCY_OPS);
		report("store (evicting once full)", store_samples, LATENCY_OPS);
		report("restore_hit (4 KiB copied)", hit_samples, LATENCY_OPS);
	}
out:
	st_pool_destroy(&pool);
	st_pages_free(&sink);
	st_pages_free(&staging);
	st_pages_free(&donor_pages);
	kvfree(hit_samples);
	kvfree(miss_samples);
}

void st_latency(struct st_case *c)
{
	u64 *samples = kvmalloc_array(LATENCY_OPS, sizeof(*samples), GFP_KERNEL);

	if (!ST_EXPECT(c, samples != NULL, "kvmalloc"))
		return;
	take_back_cached_page(c, samples);
	reserve_with_drop(c, samples);
	miss_path(c, samples);
	kvfree(samples);
}
