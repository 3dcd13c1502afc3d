/* SPDX-License-Identifier: MIT */
/* tagcache.ko's tag storage from the device tree, reserved where pages become tagged. */
#ifndef TAGCACHE_TAG_STORAGE_H
#define TAGCACHE_TAG_STORAGE_H

#include <linux/types.h>

struct dentry;
struct tagcache_pool;

/* The tags=1 module parameter. */
bool tagcache_tag_storage_requested(void);
/*
 * Reads the device tree's arm,mte-tag-storage nodes and builds the tag map from them. On
 * success: the tag pages the pool must have slots for and the largest block in pages. A node
 * the map refuses is printed with the map's named error.
 */
int tagcache_tag_storage_probe(u64 *tag_pages, u32 *max_block_pages);
/*
 * With the pool made: the tag-storage manager (it registers one donor per region and donates
 * every tag page), the kernel's reservation hooks (CONFIG_TAG_STORAGE_HOOKS), and
 * /sys/kernel/debug/tagcache/tags.
 */
int tagcache_tag_storage_start(struct tagcache_pool *pool, struct dentry *debugfs_dir);
void tagcache_tag_storage_stop(void);

#endif /* TAGCACHE_TAG_STORAGE_H */
