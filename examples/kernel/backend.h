/* SPDX-License-Identifier: MIT */
/* tagcache.ko as a cleancache backend (backend.c). */
#ifndef TAGCACHE_BACKEND_H
#define TAGCACHE_BACKEND_H

#include <linux/types.h>

struct dentry;

/* The backend=1 module parameter. */
bool tagcache_backend_requested(void);
/* Builds the pool over the boot-reserved donor region and registers it with cleancache. */
int tagcache_backend_init(struct dentry *debugfs_dir);
void tagcache_backend_exit(void);

#endif /* TAGCACHE_BACKEND_H */
