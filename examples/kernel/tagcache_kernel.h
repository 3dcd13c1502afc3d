/* SPDX-License-Identifier: MIT */
/*
 * tagcache_kernel.h: a C11 ABI over tagcache's cleancache pool, tag map and tag-storage
 * manager, for kernel shims written in C. One C++ translation unit (tagcache_kernel.cpp)
 * instantiates the core with a kernel configuration and implements these functions; any C
 * module links it. Needs the tagcache include directory on the include path (for
 * tagcache/base/error_codes.hpp and tagcache/base/pool_counters.hpp, which are
 * preprocessor-only and C-compatible).
 *
 * Objects live in memory the caller provides: ask for the size (..._bytes), pass a buffer of
 * that size aligned to 64 bytes, get an opaque handle back. Nothing is allocated after that.
 *
 * Errors are `int` codes: 0 (TAGCACHE_E_ok) or a positive TAGCACHE_E_<name>, generated in
 * list order from the library's one error list, so new codes reach C without edits here.
 * They are not errnos; tagcache_error_name() and tagcache_error_message() describe them.
 *
 * Interrupt rule (docs/kernel.md): a take-back or reserve may run in hard-interrupt context,
 * and it spins until in-flight page copies leave the page it takes. So nothing that holds a
 * page copy may be interrupted on its CPU: the pool lock disables local interrupts while held,
 * and tagcache_pool_store() and tagcache_pool_restore() run entirely (claim, copy, publish)
 * with local interrupts disabled. Both are implemented with the two hooks below, which the
 * shim defines (local_irq_save/local_irq_restore), so the rule holds for every caller.
 */
#ifndef TAGCACHE_KERNEL_H
#define TAGCACHE_KERNEL_H

#include "tagcache/base/error_codes.hpp"
#include "tagcache/base/pool_counters.hpp"

#if defined(__KERNEL__) && !defined(__cplusplus)
#include <linux/types.h> /* uint64_t, uint32_t, size_t, bool */
#else
#include <stddef.h>
#include <stdint.h>
#ifndef __cplusplus
#include <stdbool.h>
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- errors --------------------------------------------------------------------------- */

enum tagcache_error {
#define TAGCACHE_KERNEL_ERROR_ENUMERATOR(identifier, message) TAGCACHE_E_##identifier,
	TAGCACHE_ERROR_CODES(TAGCACHE_KERNEL_ERROR_ENUMERATOR)
#undef TAGCACHE_KERNEL_ERROR_ENUMERATOR
	TAGCACHE_ERROR_COUNT /* number of codes, ok included */
};

/* "not_donated", "unknown_error" for a code out of range. */
const char *tagcache_error_name(int code);
/* One line for people. */
const char *tagcache_error_message(int code);

/* ---- hooks the shim provides ------------------------------------------------------------ */

/* Link-time hooks, defined by the shim: disable local interrupts and return the previous
 * state; restore it. (Interrupt masking is the kernel's business: on arm64 with pseudo-NMI it
 * is not a DAIF bit, so the core never does it itself.) */
unsigned long tagcache_kernel_irq_save(void);
void tagcache_kernel_irq_restore(unsigned long flags);

/* lockdep: each of the core's locks (one class per role) carries TAGCACHE_LOCKDEP_BYTES of
 * storage for the shim's struct lockdep_map. The core calls lock_init when the lock is made,
 * lock_acquire before it spins for it (interrupts already off) and lock_release before it
 * lets it go, as the kernel's spinlocks call lockdep. Without CONFIG_LOCKDEP they do nothing. */
#define TAGCACHE_LOCKDEP_BYTES 64
enum tagcache_lock_class {
	TAGCACHE_LOCK_POOL,	 /* a pool's lock */
	TAGCACHE_LOCK_TAGS,	 /* a tag-storage manager's lock (taken before its pool's) */
	TAGCACHE_LOCK_RECORDING, /* a recording pool's outer lock (taken before the pool's) */
	TAGCACHE_LOCK_CLASSES
};
void tagcache_kernel_lock_init(void *lockdep_storage, enum tagcache_lock_class lock_class);
void tagcache_kernel_lock_acquire(void *lockdep_storage);
void tagcache_kernel_lock_release(void *lockdep_storage);

/* Kernel-visible address of a donor page (page_address(pfn_to_page(pfn))). Called with local
 * interrupts off; must not sleep. */
typedef void *(*tagcache_map_pfn_fn)(void *context, uint64_t pfn);

/* Called when an internal invariant breaks (a broken caller contract or corrupted metadata).
 * If it returns, the core traps (BUG-like): it never resumes the failing operation. */
typedef void (*tagcache_assertion_fn)(const char *expression, const char *message,
				      const char *file, unsigned line);
/* Installs `handler` for the whole module (NULL restores the core's default: trap). */
void tagcache_set_assertion_handler(tagcache_assertion_fn handler);

/* Planted bugs (tagcache_kernel_plant.cpp), for the checker kernels only: a read one byte past
 * [buffer, buffer + bytes), and an unlocked, non-atomic increment. */
unsigned char tagcache_plant_out_of_bounds(const unsigned char *buffer, size_t bytes);
void tagcache_plant_data_race(uint64_t *counter);

/* ---- the cleancache pool ---------------------------------------------------------------- */

struct tagcache_pool; /* opaque */

struct tagcache_pfn_range {
	uint64_t first;
	uint64_t count;
};

enum tagcache_partial_take {
	TAGCACHE_DROP_WHOLE_FOLIO = 0, /* taking one page of a cached folio drops the folio */
	TAGCACHE_SPLIT_FOLIO = 1,      /* only that page leaves; the others stay restorable */
};

struct tagcache_pool_params {
	uint32_t slots;		  /* pages all donors together may register */
	uint32_t max_block_pages; /* largest donor block, in pages (>= 1) */
	uint32_t filesystems;	  /* add_fs ids (0: 16) */
	uint32_t max_ranges;	  /* donor pfn ranges, all donors together (0: 32) */
	uint32_t page_size;	  /* bytes: 4096, 16384 or 65536 */
	enum tagcache_partial_take partial_take;
	tagcache_map_pfn_fn map_pfn; /* required: the pool copies real page contents */
	void *map_context;
	/* Optional: record every operation from the first on (see "recording" below). */
	struct tagcache_record *records;
	uint64_t record_capacity;
};

/* Bytes tagcache_pool_create() needs; 0 without params, map_pfn, a valid page size or mode
 * (create() checks the sizes and returns TAGCACHE_E_invalid_geometry for bad ones). */
size_t tagcache_pool_bytes(const struct tagcache_pool_params *params);
int tagcache_pool_create(void *buffer, size_t bytes, const struct tagcache_pool_params *params,
			 struct tagcache_pool **out);

/* Backend: donors register pfn ranges once (at most 8 per call; block_pages: the donor's
 * block size; quota: most pages holding data, 0 for all), then lend pages and take them back. */
int tagcache_pool_register_donor(struct tagcache_pool *pool, const char *name,
				 const struct tagcache_pfn_range *ranges, uint32_t range_count,
				 uint32_t block_pages, uint64_t quota, uint32_t *donor);
int tagcache_pool_donate(struct tagcache_pool *pool, uint32_t donor, uint64_t pfn);
/* Always succeeds for a page this donor donated: its data is dropped, never copied. Never
 * sleeps, allocates nothing; callable in hard-interrupt context. When it returns, no pool copy
 * touches the page again. */
int tagcache_pool_take_back(struct tagcache_pool *pool, uint32_t donor, uint64_t pfn);

/* Frontend: folios of 2^order pages keyed by (fs, inode, index), index a multiple of 2^order.
 * A store with no room returns TAGCACHE_E_no_space; one whose pages a donor takes back during
 * the copy returns 0 but loses them (and, under TAGCACHE_DROP_WHOLE_FOLIO, the whole folio;
 * counted as skipped); neither leaves an older copy of its pages behind. A restore sets bit i
 * of *filled for each page i it filled; it is a hit when all 2^order bits are set. Callable in
 * any context that may disable interrupts (never sleeps). */
int tagcache_pool_add_fs(struct tagcache_pool *pool, uint32_t *fs);
int tagcache_pool_remove_fs(struct tagcache_pool *pool, uint32_t fs);
int tagcache_pool_store(struct tagcache_pool *pool, uint32_t fs, uint64_t inode, uint64_t index,
			unsigned order, const void *source);
int tagcache_pool_restore(struct tagcache_pool *pool, uint32_t fs, uint64_t inode,
			  uint64_t index, unsigned order, void *sink, uint64_t *filled);
int tagcache_pool_invalidate_page(struct tagcache_pool *pool, uint32_t fs, uint64_t inode,
				  uint64_t index, unsigned order);
int tagcache_pool_invalidate_inode(struct tagcache_pool *pool, uint32_t fs, uint64_t inode);
int tagcache_pool_invalidate_fs(struct tagcache_pool *pool, uint32_t fs);
void tagcache_pool_reclaim_stale(struct tagcache_pool *pool, uint32_t slots);

/* Every counter of the library's one list, TAGCACHE_POOL_COUNTERS in
 * tagcache/base/pool_counters.hpp, in its order, in pages: the 2025 cleancache series' sysfs
 * counters (stored ... invalidated, and the gauge cached), then tagcache's own
 * (collateral_dropped, the gauge stale, discarded). Generated, so new counters reach C without
 * edits here; each field's meaning is its entry in the list. */
struct tagcache_pool_stats {
#define TAGCACHE_KERNEL_STATS_FIELD(name, meaning) uint64_t name;
	TAGCACHE_POOL_COUNTERS(TAGCACHE_KERNEL_STATS_FIELD, TAGCACHE_KERNEL_STATS_FIELD)
#undef TAGCACHE_KERNEL_STATS_FIELD
};
void tagcache_pool_get_stats(const struct tagcache_pool *pool, struct tagcache_pool_stats *out);

/*
 * ---- recording: every pool operation in order, to replay it in userspace -------------------
 * A pool created with params->records records each operation it then performs, with its
 * arguments and result, into that array (the caller's memory; nothing is allocated). While it
 * records, every operation runs under one lock (a spinlock that disables local interrupts,
 * like the pool's), so the array's order is the order the operations took effect: replayed
 * in that order through the same core in userspace (`tagsim check-recording`), each must give
 * the same result. A full array counts what it could not keep as lost. Recording starts at
 * creation so that no operation escapes it; tagcache_pool_stop_recording() ends it and keeps
 * the counters as they stood, for the replay to compare. Tag-storage operations are not
 * recorded (the manager donates and takes back inside the core): creating a tag-storage
 * manager over a recording pool ends the recording first, so it stays a faithful prefix.
 */
struct tagcache_record { /* 32 bytes; arguments by op */
	uint8_t op;	  /* enum tagcache_record_op */
	uint8_t order;	  /* store, restore, invalidate_page */
	uint16_t result;  /* 0 or TAGCACHE_E_* */
	uint32_t fs;	  /* fs, or donor (donate, take_back), or range count (register_donor) */
	uint64_t inode;	  /* inode, or pfn, or block_pages, or slots (reclaim_stale), or first */
	uint64_t index;	  /* index, or quota, or count (donor_range) */
	uint64_t value;	  /* restore: the filled bits; add_fs, register_donor: the new id */
};

enum tagcache_record_op {
	TAGCACHE_RECORD_STORE = 1,
	TAGCACHE_RECORD_RESTORE,
	TAGCACHE_RECORD_INVALIDATE_PAGE,
	TAGCACHE_RECORD_INVALIDATE_INODE,
	TAGCACHE_RECORD_INVALIDATE_FS,
	TAGCACHE_RECORD_ADD_FS,
	TAGCACHE_RECORD_REMOVE_FS,
	TAGCACHE_RECORD_DONATE,
	TAGCACHE_RECORD_TAKE_BACK,
	TAGCACHE_RECORD_REGISTER_DONOR, /* followed by `fs` TAGCACHE_RECORD_DONOR_RANGE records */
	TAGCACHE_RECORD_DONOR_RANGE,
	TAGCACHE_RECORD_RECLAIM_STALE,
};

/* Ends the recording (idempotent), keeping the counters as they stand. */
void tagcache_pool_stop_recording(struct tagcache_pool *pool);
/* Records kept and operations lost (the array was full); 0 when the pool does not record. */
uint64_t tagcache_pool_recorded(const struct tagcache_pool *pool, uint64_t *lost);
/*
 * The recording as text, one line per call (docs/kernel.md#recording gives the format):
 * writes the line at *cursor (start at 0) into buffer with its newline and a NUL, advances
 * *cursor and returns the line's length; returns 0 at the end. The first call stops the
 * recording. A line is at most 1024 bytes; a smaller buffer returns 0 and leaves *cursor.
 */
size_t tagcache_pool_recording_line(struct tagcache_pool *pool, uint64_t *cursor, char *buffer,
				    size_t size);

struct tagcache_donor_stats {
	uint64_t size, cached, free, recalled;
};
int tagcache_pool_get_donor_stats(const struct tagcache_pool *pool, uint32_t donor,
			      struct tagcache_donor_stats *out);

/* NULL when the pool's invariants hold, else what is broken. O(pool); no operation in flight. */
const char *tagcache_pool_check_invariants(const struct tagcache_pool *pool);

/* ---- the tag map (arm,mte-tag-storage regions) -------------------------------------------- */

struct tagcache_map; /* opaque */

/* One region as the device tree states it, in bytes. */
struct tagcache_region_desc {
	uint64_t memory_base, memory_size; /* `reg` of the node `tagged-memory` names */
	uint64_t tag_base, tag_size;	   /* `reg` */
	uint64_t block_size;		   /* `block-size` */
};

/* A validated region, in pages. */
struct tagcache_region_info {
	uint64_t memory_first, memory_pages, tags_first, tag_pages, block_pages, blocks;
};

struct tagcache_block_span {
	uint32_t region;
	uint64_t first, count;
};

size_t tagcache_map_bytes(void);
/* On failure, *bad_region (if not NULL) names the region that breaks the rule. */
int tagcache_map_create(void *buffer, size_t bytes, const struct tagcache_region_desc *descs,
			uint32_t count, uint32_t page_size, struct tagcache_map **out,
			uint32_t *bad_region);
uint32_t tagcache_map_region_count(const struct tagcache_map *map);
int tagcache_map_region(const struct tagcache_map *map, uint32_t index,
			struct tagcache_region_info *out);
int tagcache_map_tag_page_of(const struct tagcache_map *map, uint64_t pfn, uint64_t *tag_pfn);
/* Every block the aligned folio (pfn, order) needs, from both of its ends. */
int tagcache_map_blocks_for_folio(const struct tagcache_map *map, uint64_t pfn, unsigned order,
				  struct tagcache_block_span *out);

/* ---- the tag-storage manager -------------------------------------------------------------- */

struct tagcache_tags; /* opaque */

/* Cache and tag maintenance, called with the manager's lock held (interrupts off): to_tags
 * before a block's pages hold tags (invalidate their data cache lines), to_data when they
 * return to data, zero_tags for every newly reserved data page, invalidate_tags for every
 * released one. Any may be NULL. */
struct tagcache_tag_hooks {
	void (*to_tags)(void *context, uint64_t first_tag_pfn, uint64_t count);
	void (*to_data)(void *context, uint64_t first_tag_pfn, uint64_t count);
	void (*zero_tags)(void *context, uint64_t data_pfn);
	void (*invalidate_tags)(void *context, uint64_t data_pfn);
	void *context;
};

struct tagcache_tag_stats {
	uint64_t reservations, releases, blocks_claimed, blocks_returned;
	uint64_t pages_reserved, blocks_in_use; /* gauges */
	uint64_t peak_blocks_in_use;		/* blocks_in_use's highest value */
};

size_t tagcache_tags_bytes(const struct tagcache_map *map);
/* Registers one donor per region with `pool` and donates every tag page. The map is copied. */
int tagcache_tags_create(void *buffer, size_t bytes, const struct tagcache_map *map,
			 struct tagcache_pool *pool, const struct tagcache_tag_hooks *hooks,
			 struct tagcache_tags **out);
/* Reserve the tag storage of an aligned tagged folio: blocks going 0 -> n are taken back from
 * the pool (their cached data dropped). Never sleeps: callable in hard-interrupt context. */
int tagcache_tags_reserve(struct tagcache_tags *tags, uint64_t pfn, unsigned order);
int tagcache_tags_release(struct tagcache_tags *tags, uint64_t pfn, unsigned order);
bool tagcache_tags_is_reserved(const struct tagcache_tags *tags, uint64_t pfn);
uint32_t tagcache_tags_donor(const struct tagcache_tags *tags, uint32_t region);
void tagcache_tags_get_stats(const struct tagcache_tags *tags, struct tagcache_tag_stats *out);
const char *tagcache_tags_check_invariants(const struct tagcache_tags *tags);

#ifdef __cplusplus
}
#endif

#endif /* TAGCACHE_KERNEL_H */
