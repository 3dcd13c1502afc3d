/* SPDX-License-Identifier: MIT */
/*
 * The backend pool's recording (record=N, docs/kernel.md#recording): every pool operation in
 * order, served as text by /sys/kernel/debug/tagcache/recording for `tagsim check-recording`.
 */
#ifndef TAGCACHE_RECORDING_H
#define TAGCACHE_RECORDING_H

#include <linux/types.h>

struct dentry;
struct tagcache_pool;
struct tagcache_record;

/* The record=N array (N records of 32 bytes, vmalloc'ed), or NULL when record=0. */
struct tagcache_record *tagcache_recording_alloc(u64 *capacity);
void tagcache_recording_free(struct tagcache_record *records);
/*
 * debugfs "recording" (with record=N; else NULL): reading it ends the recording and returns
 * its text, read in order. Remove it before the pool goes.
 */
struct dentry *tagcache_recording_debugfs(struct dentry *dir, struct tagcache_pool *pool);

#endif /* TAGCACHE_RECORDING_H */
