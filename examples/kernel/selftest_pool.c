// SPDX-License-Identifier: MIT
/* Pool cases: round trip through real donor pages, eviction, invalidation, folio take-back. */
#include <linux/mm.h>
#include <linux/string.h>

#include "selftest.h"

/* The pages a case works with: a donor's pages and a 4-page staging buffer. */
struct pool_case {
	struct st_pages donor_pages, staging;
	struct st_pool pool;
	u32 donor, fs;
};

static bool pool_case_begin(struct st_case *c, struct pool_case *p, unsigned int donor_order,
			    u32 block_pages, enum tagcache_partial_take mode)
{
	memset(p, 0, sizeof(*p));
	if (!ST_EXPECT(c, st_pages_alloc(&p->donor_pages, donor_order) == 0, "alloc_pages") ||
	    !ST_EXPECT(c, st_pages_alloc(&p->staging, 2) == 0, "alloc_pages") ||
	    !ST_EXPECT(c, st_pool_create(&p->pool, p->donor_pages.count, 4, mode) == 0, "pool") ||
	    !ST_EXPECT(c, st_pool_add_donor(&p->pool, "carve-out", &p->donor_pages, block_pages,
					    &p->donor) == TAGCACHE_E_ok, "donor") ||
	    !ST_EXPECT_CODE(c, tagcache_pool_add_fs(p->pool.pool, &p->fs), TAGCACHE_E_ok))
		return false;
	return true;
}

static void pool_case_end(struct st_case *c, struct pool_case *p)
{
	if (p->pool.pool) {
		const char *broken = tagcache_pool_check_invariants(p->pool.pool);

		ST_EXPECT(c, broken == NULL, "pool invariant: %s", broken);
		/* Every page comes back before the pages are freed: nothing touches them after. */
		st_pool_take_back_all(&p->pool, p->donor, p->donor_pages.pfn,
				      p->donor_pages.count);
	}
	st_pool_destroy(&p->pool);
	st_pages_free(&p->staging);
	st_pages_free(&p->donor_pages);
}

static void *staging_page(struct pool_case *p, unsigned int i)
{
	return st_va(p->staging.pfn + i);
}

/* Stores pages of (fs, inode) at `index`, page i stamped with seed + i. */
static int store_stamped(struct pool_case *p, u32 fs, u64 inode, u64 index, unsigned int order,
			 u64 seed)
{
	unsigned int i;

	for (i = 0; i < (1U << order); ++i)
		st_stamp(staging_page(p, i), seed + i);
	return tagcache_pool_store(p->pool.pool, fs, inode, index, order, st_va(p->staging.pfn));
}

/* Restores and returns the filled bitmap; every filled page must hold seed + i exactly. */
static u64 restore_checked(struct st_case *c, struct pool_case *p, u32 fs, u64 inode, u64 index,
			   unsigned int order, u64 seed)
{
	u64 filled = 0;
	unsigned int i;

	memset(staging_page(p, 0), 0, PAGE_SIZE << order);
	ST_EXPECT_CODE(c, tagcache_pool_restore(p->pool.pool, fs, inode, index, order,
						staging_page(p, 0), &filled),
		       TAGCACHE_E_ok);
	for (i = 0; i < (1U << order); ++i)
		if (filled & (1ULL << i))
			ST_EXPECT(c, st_wrong_bytes(staging_page(p, i), seed + i) == 0,
				  "inode %llu page %llu: wrong bytes", inode, index + i);
	return filled;
}

static void expect_stats(struct st_case *c, struct pool_case *p, u64 stored, u64 restored,
			 u64 recalled, u64 cached)
{
	struct tagcache_pool_stats s;

	tagcache_pool_get_stats(p->pool.pool, &s);
	ST_EXPECT(c, s.stored == stored && s.restored == restored && s.recalled == recalled &&
			     s.cached == cached,
		  "stored/restored/recalled/cached %llu %llu %llu %llu, expected %llu %llu %llu "
		  "%llu",
		  s.stored, s.restored, s.recalled, s.cached, stored, restored, recalled,
		  cached);
}

void st_pool_round_trip(struct st_case *c)
{
	struct tagcache_pool_stats s;
	struct pool_case p;
	u64 i, j, copies;

	if (pool_case_begin(c, &p, 4, 4, TAGCACHE_DROP_WHOLE_FOLIO)) {
		/* Eight order-0 pages of inode 1, one order-2 folio of inode 2: 12 of 16 pages. */
		for (i = 0; i < 8; ++i)
			ST_EXPECT_CODE(c, store_stamped(&p, p.fs, 1, i, 0, 100 + i), TAGCACHE_E_ok);
		ST_EXPECT_CODE(c, store_stamped(&p, p.fs, 2, 4, 2, 200), TAGCACHE_E_ok);
		for (i = 0; i < 8; ++i)
			ST_EXPECT(c, restore_checked(c, &p, p.fs, 1, i, 0, 100 + i) == 1,
				  "page %llu missed", i);
		ST_EXPECT(c, restore_checked(c, &p, p.fs, 2, 4, 2, 200) == 0xf, "folio missed");
		ST_EXPECT(c, restore_checked(c, &p, p.fs, 1, 100, 0, 0) == 0, "never stored");
		/* The bytes live in the donor's own pages: each stamp in exactly one of them. */
		for (i = 0; i < 12; ++i) {
			const u64 seed = i < 8 ? 100 + i : 200 + (i - 8);

			for (j = 0, copies = 0; j < p.donor_pages.count; ++j)
				copies += st_wrong_bytes(st_va(p.donor_pages.pfn + j), seed) == 0;
			ST_EXPECT(c, copies == 1, "stamp %llu in %llu donor pages", seed, copies);
		}
		expect_stats(c, &p, 12, 12, 0, 12);
		/* The donor takes everything back: the data is dropped, restores miss. */
		ST_EXPECT(c, st_pool_take_back_all(&p.pool, p.donor, p.donor_pages.pfn,
						   p.donor_pages.count) == 16, "take-back");
		ST_EXPECT(c, restore_checked(c, &p, p.fs, 1, 0, 0, 100) == 0, "hit after take");
		/* 8 pages and the folio recalled; the folio's other 3 pages dropped with it. */
		expect_stats(c, &p, 12, 12, 9, 0);
		tagcache_pool_get_stats(p.pool.pool, &s);
		ST_EXPECT(c, s.collateral_dropped == 3, "collateral_dropped %llu",
			  s.collateral_dropped);
		st_diag("pool_round_trip: 12 pages through 16 alloc_pages() donor pages, bytes "
			"equal");
	}
	pool_case_end(c, &p);
}

void st_pool_eviction(struct st_case *c)
{
	struct tagcache_pool_stats s;
	struct pool_case p;
	u64 i;

	if (pool_case_begin(c, &p, 2, 1, TAGCACHE_DROP_WHOLE_FOLIO)) {
		/* Four pages fill the donor; page 0 is used again, so LRU evicts 1 and 2. */
		for (i = 0; i < 4; ++i)
			ST_EXPECT_CODE(c, store_stamped(&p, p.fs, 3, i, 0, 300 + i), TAGCACHE_E_ok);
		ST_EXPECT(c, restore_checked(c, &p, p.fs, 3, 0, 0, 300) == 1, "page 0 missed");
		for (i = 4; i < 6; ++i)
			ST_EXPECT_CODE(c, store_stamped(&p, p.fs, 3, i, 0, 300 + i), TAGCACHE_E_ok);
		for (i = 0; i < 6; ++i) {
			const u64 expected = (i == 1 || i == 2) ? 0 : 1;

			ST_EXPECT(c, restore_checked(c, &p, p.fs, 3, i, 0, 300 + i) == expected,
				  "page %llu: expected %s", i, expected ? "a hit" : "a miss");
		}
		tagcache_pool_get_stats(p.pool.pool, &s);
		ST_EXPECT(c, s.reclaimed == 2 && s.cached == 4, "reclaimed %llu cached %llu",
			  s.reclaimed, s.cached);
	}
	pool_case_end(c, &p);
}

void st_pool_invalidation(struct st_case *c)
{
	struct tagcache_pool_stats s;
	struct pool_case p;
	u32 fs_b = 0;
	u64 i;

	if (pool_case_begin(c, &p, 4, 1, TAGCACHE_DROP_WHOLE_FOLIO) &&
	    ST_EXPECT_CODE(c, tagcache_pool_add_fs(p.pool.pool, &fs_b), TAGCACHE_E_ok)) {
		/* fs A: inodes 1 and 2, fs B: inode 1; four pages each. */
		for (i = 0; i < 4; ++i) {
			store_stamped(&p, p.fs, 1, i, 0, 400 + i);
			store_stamped(&p, p.fs, 2, i, 0, 410 + i);
			store_stamped(&p, fs_b, 1, i, 0, 420 + i);
		}
		ST_EXPECT_CODE(c, tagcache_pool_invalidate_page(p.pool.pool, p.fs, 1, 1, 0),
			       TAGCACHE_E_ok);
		ST_EXPECT(c, restore_checked(c, &p, p.fs, 1, 1, 0, 401) == 0, "invalidated page");
		ST_EXPECT(c, restore_checked(c, &p, p.fs, 1, 0, 0, 400) == 1, "its neighbour");
		ST_EXPECT_CODE(c, tagcache_pool_invalidate_inode(p.pool.pool, p.fs, 2),
			       TAGCACHE_E_ok);
		ST_EXPECT_CODE(c, tagcache_pool_invalidate_fs(p.pool.pool, fs_b), TAGCACHE_E_ok);
		for (i = 0; i < 4; ++i) {
			ST_EXPECT(c, restore_checked(c, &p, p.fs, 2, i, 0, 410 + i) == 0, "inode");
			ST_EXPECT(c, restore_checked(c, &p, fs_b, 1, i, 0, 420 + i) == 0, "fs");
		}
		ST_EXPECT(c, restore_checked(c, &p, p.fs, 1, 3, 0, 403) == 1, "fs A inode 1 lost");
		tagcache_pool_get_stats(p.pool.pool, &s);
		ST_EXPECT(c, s.invalidated == 9 && s.cached == 3 && s.stale == 8,
			  "invalidated %llu cached %llu stale %llu", s.invalidated, s.cached,
			  s.stale);
		tagcache_pool_reclaim_stale(p.pool.pool, 16);
		tagcache_pool_get_stats(p.pool.pool, &s);
		ST_EXPECT(c, s.stale == 0, "stale %llu after reclaim", s.stale);
		/* The invalidated inode caches again. */
		ST_EXPECT_CODE(c, store_stamped(&p, p.fs, 2, 0, 0, 430), TAGCACHE_E_ok);
		ST_EXPECT(c, restore_checked(c, &p, p.fs, 2, 0, 0, 430) == 1, "new store missed");
	}
	pool_case_end(c, &p);
}

/* An order-2 folio fills a 4-page donor; the donor takes page 1 back. */
static void folio_take_back(struct st_case *c, enum tagcache_partial_take mode)
{
	const bool split = mode == TAGCACHE_SPLIT_FOLIO;
	struct tagcache_donor_stats donor;
	struct tagcache_pool_stats s;
	unsigned int taken = 4, i;
	struct pool_case p;
	u64 filled;

	if (!pool_case_begin(c, &p, 2, 4, mode))
		goto out;
	ST_EXPECT_CODE(c, store_stamped(&p, p.fs, 5, 8, 2, 500), TAGCACHE_E_ok);
	ST_EXPECT_CODE(c, tagcache_pool_take_back(p.pool.pool, p.donor, p.donor_pages.pfn + 1),
		       TAGCACHE_E_ok);
	/* Which folio page the taken pfn held: its bytes are still there (dropped, not wiped). */
	for (i = 0; i < 4; ++i)
		if (st_wrong_bytes(st_va(p.donor_pages.pfn + 1), 500 + i) == 0)
			taken = i;
	if (!ST_EXPECT(c, taken < 4, "the taken page held none of the folio's pages"))
		goto out;
	filled = restore_checked(c, &p, p.fs, 5, 8, 2, 500);
	tagcache_pool_get_stats(p.pool.pool, &s);
	ST_EXPECT_CODE(c, tagcache_pool_get_donor_stats(p.pool.pool, p.donor, &donor),
		       TAGCACHE_E_ok);
	ST_EXPECT(c, s.recalled == 1, "recalled %llu", s.recalled);
	ST_EXPECT(c, donor.size == 3, "donor still lends %llu pages", donor.size);
	if (split) {
		ST_EXPECT(c, filled == (0xfULL & ~(1ULL << taken)), "filled %#llx, page %u taken",
			  filled, taken);
		ST_EXPECT(c, s.collateral_dropped == 0 && s.cached == 3,
			  "collateral %llu cached %llu", s.collateral_dropped, s.cached);
	} else {
		ST_EXPECT(c, filled == 0, "filled %#llx after the folio was dropped", filled);
		ST_EXPECT(c, s.collateral_dropped == 3 && s.cached == 0 && donor.free == 3,
			  "collateral %llu cached %llu free %llu", s.collateral_dropped, s.cached,
			  donor.free);
	}
	st_diag("%s: folio page %u taken, restore filled %#llx", c->name, taken, filled);
out:
	pool_case_end(c, &p);
}

void st_folio_take_back_drop(struct st_case *c)
{
	folio_take_back(c, TAGCACHE_DROP_WHOLE_FOLIO);
}

void st_folio_take_back_split(struct st_case *c)
{
	folio_take_back(c, TAGCACHE_SPLIT_FOLIO);
}
