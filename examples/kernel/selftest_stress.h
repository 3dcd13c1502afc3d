/* SPDX-License-Identifier: MIT */
/* The concurrency run (selftest_stress.c) and its atomic-context actors (selftest_atomic.c). */
#ifndef TAGCACHE_SELFTEST_STRESS_H
#define TAGCACHE_SELFTEST_STRESS_H

#include <linux/hrtimer.h>

#include "selftest.h"

#define STRESS_MS 2000	      /* at least this long ... */
#define STRESS_LIMIT_MS 20000 /* ... and on, until every actor did MIN_WORK, up to this */
#define MIN_WORK 200
#define MAX_WORKERS 8
#define KEYS_PER_WORKER 48
#define TAKER_WINDOW 8 /* pages the take-back thread holds at a time */
#define TIMER_PERIOD_NS (1000 * NSEC_PER_USEC)
#define POISON 0xDEAD000000000000ULL

struct worker {
	struct stress *stress;
	struct task_struct *task;
	struct st_pages buffer; /* one order-2 folio */
	unsigned int id;
	u64 rng;
	u32 versions[KEYS_PER_WORKER];
	u64 stores, restores, pages_restored, wrong_bytes, never_stored_hits, errors;
};

struct stress {
	struct st_pool pool;
	struct st_pages carve, timer_pages, lock_pages, data, tag;
	struct st_tags tags;
	u32 carve_donor, timer_donor, lock_donor, fs;
	unsigned int worker_count;
	struct worker workers[MAX_WORKERS];
	struct task_struct *taker;
	u64 taker_cycles, taker_errors, poison_damaged;
	struct hrtimer timer;
	bool stop, timer_reserved;
	u64 timer_calls, timer_not_atomic, timer_errors, timer_reserves, timer_longest_ns;
	u64 lock_iterations, lock_not_atomic, lock_errors, lock_reserves;
	const char *pool_broken, *tags_broken;
	unsigned long stopped;
	bool ran;
};

/* The run of the concurrency case, kept for the atomic cases and for debugfs. */
struct stress *stress_state(void);

/* Atomic-context actors (selftest_atomic.c). */
void stress_timer_start(struct stress *s);
void stress_timer_stop(struct stress *s);
/* One iteration of the loading thread: take-back and reserve/release in spin_lock_irqsave. */
void stress_locked_step(struct stress *s, bool *reserved);
/* Reserve or release (alternately) an order-2 folio at the start of one of four blocks. */
void stress_toggle_reservation(struct stress *s, bool *reserved, u64 *count, u64 first_block,
			       u64 *errors);

#endif /* TAGCACHE_SELFTEST_STRESS_H */
