// SPDX-License-Identifier: MIT
/*
 * tags=1 (with backend=1): the cleancache's donor is the machine's MTE tag storage, as the
 * device tree describes it, and tag storage is reserved where pages really become tagged.
 *
 * The device tree: each reserved-memory child with compatible "arm,mte-tag-storage" (the
 * binding of the 2023-24 Linux tag-storage series): `reg` (the tag storage), `block-size`
 * (bytes), `tagged-memory` (a phandle to the memory node whose tags it holds) and `reusable`,
 * without `no-map` (the pool copies pages through the linear map). The tag map is built from
 * them; a node it refuses is printed with the map's named error and the load fails.
 *
 * The kernel's hooks (examples/kernel/linux/0002-*.patch, CONFIG_TAG_STORAGE_HOOKS) call
 * ts_reserve() where a page is about to hold tags, in that path's context (set_pte_at() holds
 * the page-table lock): the manager takes the page's tag block back from the pool, dropping
 * whatever it cached there at once. ts_release() returns it when the tagged page is freed.
 *
 * Under QEMU the tag storage is ordinary RAM: QEMU keeps the real tags elsewhere. So that a
 * stale restore from a block now holding tags cannot go unseen, to_tags overwrites the
 * block's pages with a pattern, as the hardware's tags would.
 *
 * /sys/kernel/debug/tagcache/tags: one "name value" line each (docs/kernel.md).
 */
#include <linux/debugfs.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/of_address.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#ifdef CONFIG_TAG_STORAGE_HOOKS
#include <linux/tag_storage.h>
#endif

#include "tag_storage.h"
#include "tagcache_kernel.h"

static bool tags;
module_param(tags, bool, 0444);
MODULE_PARM_DESC(tags, "backend=1: lend the device tree's arm,mte-tag-storage regions to the cleancache and reserve them where pages become tagged");

#define TS_MAX_REGIONS 8
#define TS_SAMPLES 16384 /* latency samples kept per path, the first ones */
#define TS_PATHS 4	 /* enum tag_storage_path */
#define TS_TAG_PATTERN 0xa5

static const char *const ts_path_names[TS_PATHS] = { "zero", "set_pte", "copy", "swap_restore" };

struct ts_path_counters {
	atomic64_t reserved, already, outside, failed;
	atomic_t samples;
	u32 *latency_ns; /* TS_SAMPLES */
};

static struct {
	void *map_buffer, *tags_buffer;
	struct tagcache_map *map;
	struct tagcache_tags *tags;
	u32 regions;
	u64 tag_pages, blocks;
	bool hooks_registered;
	struct ts_path_counters path[TS_PATHS];
	atomic64_t released, release_unreserved, release_outside, release_failed;
	struct dentry *debugfs;
} ts;

bool tagcache_tag_storage_requested(void)
{
	return tags;
}

/* ---- the device tree ------------------------------------------------------------------------ */

static int ts_read_node(struct device_node *node, struct tagcache_region_desc *desc)
{
	struct device_node *memory;
	struct resource storage, tagged;
	u32 block_size;

	if (of_property_read_bool(node, "no-map")) {
		pr_err("tagcache: tags: %pOF: no-map: the pool could not copy through the linear map\n",
		       node);
		return -EINVAL;
	}
	if (!of_property_read_bool(node, "reusable")) {
		pr_err("tagcache: tags: %pOF: not reusable: the region may not be lent\n", node);
		return -EINVAL;
	}
	if (of_address_to_resource(node, 0, &storage)) {
		pr_err("tagcache: tags: %pOF: no reg\n", node);
		return -EINVAL;
	}
	if (of_property_read_u32(node, "block-size", &block_size)) {
		pr_err("tagcache: tags: %pOF: no block-size (a u32, in bytes)\n", node);
		return -EINVAL;
	}
	memory = of_parse_phandle(node, "tagged-memory", 0);
	if (!memory) {
		pr_err("tagcache: tags: %pOF: no tagged-memory phandle\n", node);
		return -EINVAL;
	}
	if (of_address_to_resource(memory, 0, &tagged)) {
		pr_err("tagcache: tags: %pOF: its tagged-memory %pOF has no reg\n", node, memory);
		of_node_put(memory);
		return -EINVAL;
	}
	of_node_put(memory);
	*desc = (struct tagcache_region_desc){ tagged.start, resource_size(&tagged), storage.start,
					       resource_size(&storage), block_size };
	return 0;
}

int tagcache_tag_storage_probe(u64 *tag_pages, u32 *max_block_pages)
{
	struct tagcache_region_desc descs[TS_MAX_REGIONS];
	struct device_node *node, *nodes[TS_MAX_REGIONS];
	struct tagcache_region_info info;
	u32 count = 0, bad = 0, i;
	size_t bytes;
	int err = 0;

	for_each_compatible_node(node, NULL, "arm,mte-tag-storage") {
		if (count == TS_MAX_REGIONS) {
			pr_err("tagcache: tags: more than %d arm,mte-tag-storage nodes\n",
			       TS_MAX_REGIONS);
			of_node_put(node);
			err = -E2BIG;
			break;
		}
		err = ts_read_node(node, &descs[count]);
		if (err) {
			of_node_put(node);
			break;
		}
		nodes[count++] = of_node_get(node);
	}
	if (!err && !count) {
		pr_err("tagcache: tags: the device tree has no arm,mte-tag-storage node\n");
		err = -ENODEV;
	}
	if (err)
		goto out;
	bytes = max_t(size_t, tagcache_map_bytes(), PAGE_SIZE);
	ts.map_buffer = kvzalloc(bytes, GFP_KERNEL);
	if (!ts.map_buffer) {
		err = -ENOMEM;
		goto out;
	}
	err = tagcache_map_create(ts.map_buffer, bytes, descs, count, PAGE_SIZE, &ts.map, &bad);
	if (err) {
		pr_err("tagcache: tags: %pOF refused by the tag map: %s (%s)\n",
		       nodes[bad < count ? bad : 0], tagcache_error_message(err),
		       tagcache_error_name(err));
		kvfree(ts.map_buffer);
		ts.map_buffer = NULL;
		err = -EINVAL;
		goto out;
	}
	ts.regions = count;
	*tag_pages = 0;
	*max_block_pages = 0;
	for (i = 0; i < count; ++i) {
		tagcache_map_region(ts.map, i, &info);
		*tag_pages += info.tag_pages;
		ts.blocks += info.blocks;
		*max_block_pages = max_t(u32, *max_block_pages, info.block_pages);
		pr_info("tagcache: tags: %pOF: %llu tagged pages at pfn %#llx, %llu tag pages at pfn %#llx, %llu blocks of %llu pages\n",
			nodes[i], info.memory_pages, info.memory_first, info.tag_pages,
			info.tags_first, info.blocks, info.block_pages);
	}
	ts.tag_pages = *tag_pages;
out:
	for (i = 0; i < count; ++i)
		of_node_put(nodes[i]);
	return err;
}

/* ---- the manager's maintenance: tags overwrite what the block held ----------------------------- */

static void ts_to_tags(void *context, uint64_t first_tag_pfn, uint64_t count)
{
	uint64_t i;

	for (i = 0; i < count; ++i)
		memset(page_address(pfn_to_page(first_tag_pfn + i)), TS_TAG_PATTERN, PAGE_SIZE);
}

/* ---- the kernel's hooks ----------------------------------------------------------------------- */

#ifdef CONFIG_TAG_STORAGE_HOOKS
static void ts_reserve(struct page *page, enum tag_storage_path path)
{
	struct ts_path_counters *counters = &ts.path[path];
	u64 start = ktime_get_ns();
	int err = tagcache_tags_reserve(ts.tags, page_to_pfn(page), 0);
	u64 ns = ktime_get_ns() - start;
	int sample;

	switch (err) {
	case TAGCACHE_E_ok:
		atomic64_inc(&counters->reserved);
		sample = atomic_inc_return(&counters->samples) - 1;
		if (sample < TS_SAMPLES)
			counters->latency_ns[sample] = min_t(u64, ns, U32_MAX);
		break;
	case TAGCACHE_E_already_reserved: /* set_page_mte_tagged() races in 6.1 */
		atomic64_inc(&counters->already);
		break;
	case TAGCACHE_E_not_tagged_memory:
		atomic64_inc(&counters->outside);
		break;
	default:
		atomic64_inc(&counters->failed);
		break;
	}
}

static void ts_release(struct page *page)
{
	switch (tagcache_tags_release(ts.tags, page_to_pfn(page), 0)) {
	case TAGCACHE_E_ok:
		atomic64_inc(&ts.released);
		break;
	case TAGCACHE_E_not_reserved: /* tagged before tags=1 loaded */
		atomic64_inc(&ts.release_unreserved);
		break;
	case TAGCACHE_E_not_tagged_memory:
		atomic64_inc(&ts.release_outside);
		break;
	default:
		atomic64_inc(&ts.release_failed);
		break;
	}
}

static_assert(TS_PATHS == TAG_STORAGE_NR_PATHS);

static const struct tag_storage_backend ts_backend = {
	.name = "tagcache",
	.reserve = ts_reserve,
	.release = ts_release,
};
#endif

/* ---- debugfs ---------------------------------------------------------------------------------- */

static int ts_compare_u32(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

static void ts_show_latency(struct seq_file *m, int path, u32 *scratch)
{
	int n = min(atomic_read(&ts.path[path].samples), TS_SAMPLES);

	memcpy(scratch, ts.path[path].latency_ns, n * sizeof(u32));
	sort(scratch, n, sizeof(u32), ts_compare_u32, NULL);
	seq_printf(m, "latency_%s_samples %d\nlatency_%s_p50_ns %u\nlatency_%s_p99_ns %u\n",
		   ts_path_names[path], n, ts_path_names[path], n ? scratch[n / 2] : 0,
		   ts_path_names[path], n ? scratch[(n * 99) / 100] : 0);
}

static int ts_show(struct seq_file *m, void *v)
{
	struct tagcache_tag_stats stats;
	u32 *scratch = kvmalloc_array(TS_SAMPLES, sizeof(u32), GFP_KERNEL);
	int p;

	tagcache_tags_get_stats(ts.tags, &stats);
	seq_printf(m, "hooks %s\nregions %u\ntag_pages %llu\nblocks %llu\n",
		   ts.hooks_registered ? "on" : "off", ts.regions, ts.tag_pages, ts.blocks);
	for (p = 0; p < TS_PATHS; ++p)
		seq_printf(m, "reserved_%s %lld\nalready_%s %lld\noutside_%s %lld\nfailed_%s %lld\n",
			   ts_path_names[p], atomic64_read(&ts.path[p].reserved), ts_path_names[p],
			   atomic64_read(&ts.path[p].already), ts_path_names[p],
			   atomic64_read(&ts.path[p].outside), ts_path_names[p],
			   atomic64_read(&ts.path[p].failed));
	seq_printf(m, "released %lld\nrelease_unreserved %lld\nrelease_outside %lld\nrelease_failed %lld\n",
		   atomic64_read(&ts.released), atomic64_read(&ts.release_unreserved),
		   atomic64_read(&ts.release_outside), atomic64_read(&ts.release_failed));
	seq_printf(m, "pages_reserved %llu\nblocks_in_use %llu\npeak_blocks_in_use %llu\nblocks_claimed %llu\nblocks_returned %llu\n",
		   stats.pages_reserved, stats.blocks_in_use, stats.peak_blocks_in_use,
		   stats.blocks_claimed, stats.blocks_returned);
	if (scratch)
		for (p = 0; p < TS_PATHS; ++p)
			ts_show_latency(m, p, scratch);
	kvfree(scratch);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ts);

/* ---- start, stop ------------------------------------------------------------------------------ */

int tagcache_tag_storage_start(struct tagcache_pool *pool, struct dentry *debugfs_dir)
{
	const struct tagcache_tag_hooks hooks = { .to_tags = ts_to_tags };
	size_t bytes = max_t(size_t, tagcache_tags_bytes(ts.map), PAGE_SIZE);
	int p, err;

	for (p = 0; p < TS_PATHS; ++p) {
		ts.path[p].latency_ns = kvcalloc(TS_SAMPLES, sizeof(u32), GFP_KERNEL);
		if (!ts.path[p].latency_ns)
			goto nomem;
	}
	ts.tags_buffer = kvzalloc(bytes, GFP_KERNEL);
	if (!ts.tags_buffer)
		goto nomem;
	err = tagcache_tags_create(ts.tags_buffer, bytes, ts.map, pool, &hooks, &ts.tags);
	if (err) {
		pr_err("tagcache: tags: the manager refused the pool: %s (%s)\n",
		       tagcache_error_message(err), tagcache_error_name(err));
		tagcache_tag_storage_stop();
		return -EINVAL;
	}
#ifdef CONFIG_TAG_STORAGE_HOOKS
	err = tag_storage_register_backend(&ts_backend);
	if (err) {
		pr_err("tagcache: tags: tag_storage_register_backend: %d\n", err);
		tagcache_tag_storage_stop();
		return err;
	}
	ts.hooks_registered = tag_storage_hooks_enabled(); /* false: tag_storage_hooks=off */
#else
	pr_warn("tagcache: tags: a kernel without CONFIG_TAG_STORAGE_HOOKS: no page will reserve tag storage\n");
#endif
	ts.debugfs = debugfs_create_file("tags", 0444, debugfs_dir, NULL, &ts_fops);
	pr_info("tagcache: tags: %u regions, %llu tag pages lent to the cleancache, %llu blocks, reservation hooks %s\n",
		ts.regions, ts.tag_pages, ts.blocks, ts.hooks_registered ? "on" : "off");
	return 0;
nomem:
	tagcache_tag_storage_stop();
	return -ENOMEM;
}

void tagcache_tag_storage_stop(void)
{
	int p;

#ifdef CONFIG_TAG_STORAGE_HOOKS
	/* Waits for hooks in flight: none runs in the manager once this returns. */
	tag_storage_unregister_backend(&ts_backend);
#endif
	debugfs_remove(ts.debugfs);
	ts.debugfs = NULL;
	ts.tags = NULL;
	kvfree(ts.tags_buffer);
	ts.tags_buffer = NULL;
	for (p = 0; p < TS_PATHS; ++p) {
		kvfree(ts.path[p].latency_ns);
		ts.path[p].latency_ns = NULL;
	}
	ts.map = NULL;
	kvfree(ts.map_buffer);
	ts.map_buffer = NULL;
}
