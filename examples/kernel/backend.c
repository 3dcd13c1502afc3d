// SPDX-License-Identifier: MIT
/*
 * tagcache.ko as a cleancache backend (module parameter backend=1), for a kernel built with
 * the project's patch series (examples/kernel/linux/, CONFIG_CLEANCACHE). The pool's donor is
 * memory reserved at boot that the kernel still maps, so page_address() reaches it:
 *
 *   arm64:  a device-tree reserved-memory child, compatible "tagcache,donor-memory", without
 *           no-map (scripts/kernel/workload.sh adds it to QEMU's dumpdtb output)
 *   x86-64: cleancache_mem=<size>@<address> (the patch series; memblock-reserved, mapped)
 *
 * churn_us=N (0: off): every N µs an hrtimer callback takes back five pages of one donor
 * block (their cached data dropped, and the rest of any folio they held) and, the next
 * period, returns them; a kthread does the same with other blocks under spin_lock_irqsave.
 * As tag reservation will, mid-read.
 *
 * tags=1 (tag_storage.c): the donor is the device tree's MTE tag storage instead, reserved
 * where pages become tagged; the churn is off (the reservations are the take-backs).
 *
 * /sys/kernel/debug/tagcache/backend: the pool's counters, then the churn's.
 * On a kernel without CONFIG_CLEANCACHE (Debian's), backend=1 makes the load fail.
 */
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/of_address.h>
#include <linux/random.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "backend.h"
#include "recording.h"
#include "selftest.h"
#include "tag_storage.h"

static bool backend;
module_param(backend, bool, 0444);
MODULE_PARM_DESC(backend, "serve the kernel's cleancache (CONFIG_CLEANCACHE) from the boot-reserved region");
static unsigned int churn_us;
module_param(churn_us, uint, 0444);
MODULE_PARM_DESC(churn_us, "take back and return a donor block every N microseconds (0: never)");

#define BACKEND_BLOCK_PAGES 16 /* the donor's block: 64 KiB at 4 KiB pages */
/*
 * The churn takes back pages [3, 8) of a block, not all of it: a cached folio of order 2 to 4
 * (placed block-aligned) then loses only some of its pages, as a tag reservation of a small
 * folio would take, and the pool drops the rest (collateral_dropped).
 */
#define CHURN_FIRST 3
#define CHURN_PAGES 5

bool tagcache_backend_requested(void)
{
	return backend;
}

#ifdef CONFIG_CLEANCACHE
#include <linux/cleancache.h>

static struct {
	struct tagcache_pool *pool;
	void *buffer;
	struct tagcache_record *records; /* record=N: the recording's array */
	struct dentry *recording;	 /* its debugfs file */
	u32 donor;
	u64 first_pfn, blocks, donor_pages;
	bool tags; /* tags=1: the tag-storage manager owns the donors */
	/* churn: each actor holds at most one block; the hrtimer even blocks, the kthread odd */
	struct hrtimer timer;
	struct task_struct *thread;
	spinlock_t lock;
	s64 held[2]; /* block index, -1: none */
	atomic64_t taken[2], returned[2], failures;
	struct dentry *debugfs;
} tb;

static void *map_pfn(void *context, uint64_t pfn)
{
	return page_address(pfn_to_page(pfn));
}

/* ---- the cleancache_backend operations ------------------------------------------------------ */

static int tb_add_fs(void *priv)
{
	u32 fs;

	return tagcache_pool_add_fs(tb.pool, &fs) ? -ENOSPC : (int)fs;
}

static void tb_remove_fs(void *priv, int pool)
{
	tagcache_pool_remove_fs(tb.pool, pool);
}

static int tb_store(void *priv, int pool, u64 ino, pgoff_t index, unsigned int order,
		    const void *source)
{
	return tagcache_pool_store(tb.pool, pool, ino, index, order, source) ? -ENOSPC : 0;
}

static int tb_restore(void *priv, int pool, u64 ino, pgoff_t index, unsigned int order,
		      void *sink)
{
	u64 filled = 0, all = order >= 64 ? ~0ULL : (1ULL << (1U << order)) - 1;

	if (tagcache_pool_restore(tb.pool, pool, ino, index, order, sink, &filled) ||
	    filled != all)
		return -ENOENT;
	/* Exclusive: the page cache holds the folio now. */
	tagcache_pool_invalidate_page(tb.pool, pool, ino, index, order);
	return 0;
}

static void tb_invalidate_range(void *priv, int pool, u64 ino, pgoff_t first, pgoff_t last)
{
	pgoff_t index;

	for (index = first; index <= last; ++index) {
		tagcache_pool_invalidate_page(tb.pool, pool, ino, index, 0);
		if (index == ULONG_MAX)
			break;
	}
}

static void tb_invalidate_inode(void *priv, int pool, u64 ino)
{
	tagcache_pool_invalidate_inode(tb.pool, pool, ino);
}

static void tb_stats(void *priv, struct cleancache_backend_stats *out)
{
	struct tagcache_pool_stats s;

	tagcache_pool_get_stats(tb.pool, &s);
	out->reclaimed = s.reclaimed;
	out->recalled = s.recalled;
	out->cached = s.cached;
}

static const struct cleancache_backend tb_ops = {
	.name = "tagcache",
	.max_order = 4, /* the kernel configuration's max_order (tagcache_kernel_config.hpp) */
	.add_fs = tb_add_fs,
	.remove_fs = tb_remove_fs,
	.store = tb_store,
	.restore = tb_restore,
	.invalidate_range = tb_invalidate_range,
	.invalidate_inode = tb_invalidate_inode,
	.stats = tb_stats,
};

/* ---- the donor region ---------------------------------------------------------------------- */

static int find_region(phys_addr_t *base, phys_addr_t *size)
{
	struct device_node *node;
	struct resource res;
	int err;

	if (cleancache_reserved_region(base, size))
		return 0;
	node = of_find_compatible_node(NULL, NULL, "tagcache,donor-memory");
	if (!node)
		return -ENODEV;
	err = of_address_to_resource(node, 0, &res);
	if (!err && of_property_read_bool(node, "no-map"))
		err = -EINVAL; /* unmapped: page_address() would not reach it */
	of_node_put(node);
	if (err)
		return err;
	*base = res.start;
	*size = resource_size(&res);
	return 0;
}

/* ---- churn ------------------------------------------------------------------------------------ */

/*
 * Returns the pages it holds, or takes back part of a random block of parity `actor`;
 * interrupts are off.
 */
static void churn_step(int actor)
{
	u64 block = (get_random_u32() % (tb.blocks / 2)) * 2 + actor, pfn, i;

	if (tb.held[actor] >= 0) {
		pfn = tb.first_pfn + tb.held[actor] * BACKEND_BLOCK_PAGES + CHURN_FIRST;
		for (i = 0; i < CHURN_PAGES; ++i)
			if (tagcache_pool_donate(tb.pool, tb.donor, pfn + i))
				atomic64_inc(&tb.failures);
		atomic64_inc(&tb.returned[actor]);
		tb.held[actor] = -1;
		return; /* hold nothing for one period: half the time the region is whole */
	}
	pfn = tb.first_pfn + block * BACKEND_BLOCK_PAGES + CHURN_FIRST;
	for (i = 0; i < CHURN_PAGES; ++i)
		if (tagcache_pool_take_back(tb.pool, tb.donor, pfn + i))
			atomic64_inc(&tb.failures);
	tb.held[actor] = block;
	atomic64_inc(&tb.taken[actor]);
}

static enum hrtimer_restart churn_timer(struct hrtimer *timer)
{
	churn_step(0);
	hrtimer_forward_now(timer, ns_to_ktime((u64)churn_us * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

static int churn_thread(void *unused)
{
	unsigned long flags;

	while (!kthread_should_stop()) {
		spin_lock_irqsave(&tb.lock, flags);
		churn_step(1);
		spin_unlock_irqrestore(&tb.lock, flags);
		usleep_range(churn_us, churn_us + churn_us / 4 + 1);
	}
	return 0;
}

/* ---- debugfs, init, exit ---------------------------------------------------------------------- */

static int backend_show(struct seq_file *m, void *v)
{
	struct tagcache_pool_stats stats;
	char text[512];

	tagcache_pool_get_stats(tb.pool, &stats);
	st_format_counters(text, sizeof(text), &stats);
	seq_puts(m, text);
	seq_printf(m, "donor_pages %llu\nchurn_hrtimer_taken %lld\nchurn_hrtimer_returned %lld\n"
		   "churn_irqsave_taken %lld\nchurn_irqsave_returned %lld\nchurn_failures %lld\n",
		   tb.donor_pages, atomic64_read(&tb.taken[0]),
		   atomic64_read(&tb.returned[0]), atomic64_read(&tb.taken[1]),
		   atomic64_read(&tb.returned[1]), atomic64_read(&tb.failures));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(backend);

int tagcache_backend_init(struct dentry *debugfs_dir)
{
	struct tagcache_pfn_range range;
	struct tagcache_pool_params params = {
		.max_block_pages = BACKEND_BLOCK_PAGES,
		.page_size = PAGE_SIZE,
		.partial_take = TAGCACHE_DROP_WHOLE_FOLIO,
		.map_pfn = map_pfn,
	};
	phys_addr_t base, size;
	size_t bytes;
	u64 i;
	int err;

	tb.tags = tagcache_tag_storage_requested();
	if (tb.tags) {
		u64 tag_pages;
		u32 block_pages;

		err = tagcache_tag_storage_probe(&tag_pages, &block_pages);
		if (err)
			return err;
		if (churn_us)
			pr_info("tagcache: backend: tags=1: churn_us ignored (reservations take back)\n");
		churn_us = 0;
		params.slots = tag_pages;
		params.max_block_pages = max_t(u32, block_pages, 1);
	} else {
		err = find_region(&base, &size);
		if (err) {
			pr_err("tagcache: backend: no donor region (cleancache_mem= or a tagcache,donor-memory node): %d\n",
			       err);
			return err;
		}
		tb.first_pfn = PFN_UP(base);
		tb.blocks = (PFN_DOWN(base + size) - tb.first_pfn) / BACKEND_BLOCK_PAGES;
		if (tb.blocks < 2 || tb.blocks * BACKEND_BLOCK_PAGES > U32_MAX)
			return -EINVAL;
		params.slots = tb.blocks * BACKEND_BLOCK_PAGES;
	}
	tb.donor_pages = params.slots;
	params.records = tagcache_recording_alloc(&params.record_capacity); /* record=N */
	if (params.record_capacity && !params.records) {
		err = -ENOMEM;
		goto fail_tags;
	}
	tb.records = params.records;
	bytes = max_t(size_t, tagcache_pool_bytes(&params), PAGE_SIZE);
	tb.buffer = kvzalloc(bytes, GFP_KERNEL); /* at least a page: page-aligned */
	if (!tb.buffer) {
		err = -ENOMEM;
		goto fail_records;
	}
	err = tagcache_pool_create(tb.buffer, bytes, &params, &tb.pool);
	if (!err && tb.tags) {
		err = tagcache_tag_storage_start(tb.pool, debugfs_dir);
		if (err)
			goto fail_buffer;
	} else if (!err) {
		range.first = tb.first_pfn;
		range.count = params.slots;
		err = tagcache_pool_register_donor(tb.pool, "boot-reserved", &range, 1,
						   BACKEND_BLOCK_PAGES, 0, &tb.donor);
		for (i = 0; !err && i < params.slots; ++i)
			err = tagcache_pool_donate(tb.pool, tb.donor, tb.first_pfn + i);
	}
	if (err) {
		pr_err("tagcache: backend: pool setup failed: %s\n", tagcache_error_name(err));
		err = -EINVAL;
		goto fail_buffer;
	}
	spin_lock_init(&tb.lock);
	tb.held[0] = tb.held[1] = -1;
	err = cleancache_register_backend(&tb_ops);
	if (err)
		goto fail_buffer;
	tb.recording = tagcache_recording_debugfs(debugfs_dir, tb.pool);
	tb.debugfs = debugfs_create_file("backend", 0444, debugfs_dir, NULL, &backend_fops);
	if (churn_us) {
		hrtimer_init(&tb.timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
		tb.timer.function = churn_timer;
		hrtimer_start(&tb.timer, ns_to_ktime((u64)churn_us * NSEC_PER_USEC),
			      HRTIMER_MODE_REL);
		tb.thread = kthread_run(churn_thread, NULL, "tagcache-churn");
		if (IS_ERR(tb.thread))
			tb.thread = NULL;
	}
	pr_info("tagcache: backend: %llu donor pages (%llu MiB, %s), %zu bytes of metadata, churn %u us\n",
		tb.donor_pages, (tb.donor_pages * PAGE_SIZE) >> 20,
		tb.tags ? "the tag storage" : "boot-reserved", bytes, churn_us);
	return 0;

fail_buffer:
	if (tb.tags)
		tagcache_tag_storage_stop(); /* before the pool it uses is freed */
	kvfree(tb.buffer);
	tb.pool = NULL;
fail_records:
	tagcache_recording_free(tb.records);
fail_tags:
	if (tb.tags)
		tagcache_tag_storage_stop(); /* idempotent: the probe's map */
	return err;
}

void tagcache_backend_exit(void)
{
	if (!tb.pool)
		return;
	if (churn_us) {
		hrtimer_cancel(&tb.timer);
		if (tb.thread)
			kthread_stop(tb.thread);
	}
	cleancache_unregister_backend(&tb_ops);
	if (tb.tags)
		tagcache_tag_storage_stop();
	debugfs_remove(tb.debugfs);
	debugfs_remove(tb.recording);
	kvfree(tb.buffer);
	tagcache_recording_free(tb.records);
	tb.pool = NULL;
}

#else /* !CONFIG_CLEANCACHE */

int tagcache_backend_init(struct dentry *debugfs_dir)
{
	pr_err("tagcache: backend=1 needs a kernel with CONFIG_CLEANCACHE (examples/kernel/linux/)\n");
	return -ENODEV;
}

void tagcache_backend_exit(void)
{
}

#endif
