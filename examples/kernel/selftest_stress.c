// SPDX-License-Identifier: MIT
/*
 * Concurrency and atomic context, run together for STRESS_MS:
 *  - one kthread per online CPU stores and restores stamped pages (key and version in every
 *    word) of its own inode, and checks every restored byte against the latest version;
 *  - a kthread takes carve-out pages back and donates them again, writing a poison into each
 *    page it holds and checking it is intact before lending the page again (after take-back
 *    returns, no pool copy may touch the page);
 *  - an hrtimer callback (hard-interrupt context) takes a page back and reserves or releases
 *    tag storage, asserting in_hardirq() and irqs_disabled();
 *  - the loading thread does the same inside spin_lock_irqsave(), asserting irqs_disabled()
 *    (Debian's arm64 kernel has no CONFIG_PREEMPT_COUNT, so in_atomic() would prove nothing).
 * The run lasts STRESS_MS, longer (up to STRESS_LIMIT_MS) until every actor has done MIN_WORK:
 * under emulation on a host with few CPUs a vCPU holding the ticket lock can lose its host CPU
 * for a scheduler tick, and throughput then varies by an order of magnitude from run to run.
 * Nothing here sleeps with interrupts off. Under QEMU TCG on an x86-64 host an emulated arm64
 * guest keeps the host's (x86, TSO) memory ordering: this is real kernel concurrency, not a
 * test of arm64's weaker ordering.
 */
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "selftest_stress.h"

static struct stress *stress;

struct stress *stress_state(void)
{
	return stress;
}

struct tagcache_pool *st_stress_pool(void)
{
	return stress && stress->pool.pool ? stress->pool.pool : NULL;
}

static u64 next_random(u64 *state)
{
	*state ^= *state << 13; /* xorshift64 */
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

static u64 worker_seed(const struct worker *w, u64 index, u32 version)
{
	return ((u64)w->id << 48) | (index << 24) | version;
}

static void worker_step(struct worker *w)
{
	struct stress *s = w->stress;
	const u64 r = next_random(&w->rng);
	const unsigned int order = (r & 7) == 0 ? 2 : 0;
	const u64 index = ((r >> 8) % KEYS_PER_WORKER) & ~((1ULL << order) - 1);
	u64 filled = 0, j;
	int status;

	if (r & 0x10) {
		for (j = 0; j < (1ULL << order); ++j)
			st_stamp(st_va(w->buffer.pfn + j),
				 worker_seed(w, index + j, ++w->versions[index + j]));
		status = tagcache_pool_store(s->pool.pool, s->fs, w->id + 1, index, order,
					     st_va(w->buffer.pfn));
		++w->stores;
		w->errors += status != TAGCACHE_E_ok && status != TAGCACHE_E_no_space;
		return;
	}
	status = tagcache_pool_restore(s->pool.pool, s->fs, w->id + 1, index, order,
				       st_va(w->buffer.pfn), &filled);
	++w->restores;
	w->errors += status != TAGCACHE_E_ok;
	for (j = 0; j < (1ULL << order); ++j) {
		const u32 version = w->versions[index + j];

		if (!(filled & (1ULL << j)))
			continue;
		++w->pages_restored;
		if (version == 0)
			++w->never_stored_hits;
		else /* only the latest store of a page may come back */
			w->wrong_bytes += st_wrong_bytes(st_va(w->buffer.pfn + j),
							 worker_seed(w, index + j, version));
	}
}

static int worker_fn(void *arg)
{
	struct worker *w = arg;
	unsigned int n;

	while (!kthread_should_stop()) {
		for (n = 0; n < 64; ++n)
			worker_step(w);
		cond_resched();
	}
	return 0;
}

/* Lends a page again after checking that nothing wrote into it while the donor held it. */
static void taker_return(struct stress *s, u64 pfn)
{
	s->poison_damaged += st_wrong_bytes(st_va(pfn), POISON | pfn) != 0;
	s->taker_errors += tagcache_pool_donate(s->pool.pool, s->carve_donor, pfn) != TAGCACHE_E_ok;
}

static int taker_fn(void *arg)
{
	struct stress *s = arg;
	u64 next = 0, pfn;

	while (!kthread_should_stop()) {
		if (next >= TAKER_WINDOW)
			taker_return(s, s->carve.pfn + (next - TAKER_WINDOW) % s->carve.count);
		pfn = s->carve.pfn + next % s->carve.count;
		s->taker_errors += tagcache_pool_take_back(s->pool.pool, s->carve_donor, pfn) !=
				   TAGCACHE_E_ok;
		st_stamp(st_va(pfn), POISON | pfn);
		++next;
		++s->taker_cycles;
		if ((next & 31) == 0) /* process context: leave the CPUs to the workers a while */
			usleep_range(100, 200);
	}
	/* Lend back the pages still held. */
	for (pfn = next > TAKER_WINDOW ? next - TAKER_WINDOW : 0; pfn < next; ++pfn)
		taker_return(s, s->carve.pfn + pfn % s->carve.count);
	return 0;
}

static int stress_setup(struct st_case *c, struct stress *s)
{
	unsigned int cpu;

	/* 64 carve-out pages, 16 for the timer, 16 for the locked loop; 512 tagged pages whose
	 * 16 tag pages (8 blocks of 2) the manager lends to the same pool. */
	if (!ST_EXPECT(c, st_pages_alloc(&s->carve, 6) == 0 &&
			       st_pages_alloc(&s->timer_pages, 4) == 0 &&
			       st_pages_alloc(&s->lock_pages, 4) == 0 &&
			       st_pages_alloc(&s->data, 9) == 0 && st_pages_alloc(&s->tag, 4) == 0,
		       "alloc_pages") ||
	    !ST_EXPECT(c, st_pool_create(&s->pool, 112, 2, TAGCACHE_DROP_WHOLE_FOLIO) == 0,
		       "pool") ||
	    !ST_EXPECT(c, st_pool_add_donor(&s->pool, "carve-out", &s->carve, 1,
					    &s->carve_donor) == 0 &&
			       st_pool_add_donor(&s->pool, "timer", &s->timer_pages, 1,
						 &s->timer_donor) == 0 &&
			       st_pool_add_donor(&s->pool, "locked", &s->lock_pages, 1,
						 &s->lock_donor) == 0,
		       "donors") ||
	    !ST_EXPECT(c, st_tags_create(&s->tags, &s->data, &s->tag, 2 * PAGE_SIZE, &s->pool,
					 NULL) == 0, "manager") ||
	    !ST_EXPECT_CODE(c, tagcache_pool_add_fs(s->pool.pool, &s->fs), TAGCACHE_E_ok))
		return -EINVAL;
	for_each_online_cpu(cpu) {
		struct worker *w = &s->workers[s->worker_count];

		if (s->worker_count == MAX_WORKERS)
			break;
		w->stress = s;
		w->id = s->worker_count;
		w->rng = 0x2545F4914F6CDD1DULL * (cpu + 1);
		if (!ST_EXPECT(c, st_pages_alloc(&w->buffer, 2) == 0, "alloc_pages"))
			return -ENOMEM;
		w->task = kthread_create(worker_fn, w, "tagcache-worker/%u", cpu);
		if (!ST_EXPECT(c, !IS_ERR(w->task), "kthread_create")) {
			w->task = NULL;
			st_pages_free(&w->buffer);
			return -ENOMEM;
		}
		kthread_bind(w->task, cpu);
		++s->worker_count;
	}
	return 0;
}

/* Whether every actor has done MIN_WORK (read while they run: a snapshot is enough). */
static bool enough_work(const struct stress *s)
{
	unsigned int i;

	for (i = 0; i < s->worker_count; ++i)
		if (READ_ONCE(s->workers[i].stores) < MIN_WORK ||
		    READ_ONCE(s->workers[i].pages_restored) < MIN_WORK / 2)
			return false;
	return READ_ONCE(s->taker_cycles) >= MIN_WORK && s->lock_iterations >= MIN_WORK &&
	       READ_ONCE(s->timer_calls) >= MIN_WORK;
}

void st_concurrency(struct st_case *c)
{
	struct worker totals = {};
	unsigned long started, deadline, limit;
	struct stress *s;
	bool lock_reserved = false;
	unsigned int i;

	s = stress = kzalloc(sizeof(*stress), GFP_KERNEL);
	if (!ST_EXPECT(c, s != NULL, "kzalloc"))
		return;
	if (stress_setup(c, s) == 0) {
		s->taker = kthread_run(taker_fn, s, "tagcache-taker");
		if (ST_EXPECT(c, !IS_ERR(s->taker), "kthread_run"))
			goto run;
		s->taker = NULL;
	}
	for (i = 0; i < s->worker_count; ++i) /* created, never woken: they exit at once */
		kthread_stop(s->workers[i].task);
	return;
run:
	for (i = 0; i < s->worker_count; ++i)
		wake_up_process(s->workers[i].task);
	stress_timer_start(s);

	started = jiffies;
	deadline = started + msecs_to_jiffies(STRESS_MS);
	limit = started + msecs_to_jiffies(STRESS_LIMIT_MS);
	while (time_before(jiffies, deadline) ||
	       (!enough_work(s) && time_before(jiffies, limit))) {
		stress_locked_step(s, &lock_reserved);
		if ((s->lock_iterations & 31) == 0) /* outside the lock: let the workers run */
			usleep_range(100, 200);
	}
	s->stopped = jiffies;
	stress_timer_stop(s);
	for (i = 0; i < s->worker_count; ++i)
		kthread_stop(s->workers[i].task);
	kthread_stop(s->taker);
	if (lock_reserved) /* leave no reservation behind */
		stress_toggle_reservation(s, &lock_reserved, &s->lock_reserves, 4, &s->lock_errors);
	if (s->timer_reserved)
		stress_toggle_reservation(s, &s->timer_reserved, &s->timer_reserves, 0,
					  &s->timer_errors);
	s->pool_broken = tagcache_pool_check_invariants(s->pool.pool);
	s->tags_broken = tagcache_tags_check_invariants(s->tags.tags);
	s->ran = true;

	for (i = 0; i < s->worker_count; ++i) {
		const struct worker *w = &s->workers[i];

		totals.stores += w->stores;
		totals.restores += w->restores;
		totals.pages_restored += w->pages_restored;
		totals.wrong_bytes += w->wrong_bytes;
		totals.never_stored_hits += w->never_stored_hits;
		totals.errors += w->errors;
		ST_EXPECT(c, w->stores >= MIN_WORK && w->pages_restored >= MIN_WORK / 2,
			  "worker %u: %llu stores, %llu pages restored", i, w->stores,
			  w->pages_restored);
	}
	st_diag("concurrency: %u workers, %u ms: %llu stores, %llu restores, %llu pages restored, "
		"%llu wrong bytes; %llu take-back/donate cycles", s->worker_count,
		jiffies_to_msecs(s->stopped - started),
		totals.stores, totals.restores, totals.pages_restored, totals.wrong_bytes,
		s->taker_cycles);
	ST_EXPECT(c, totals.wrong_bytes == 0 && totals.never_stored_hits == 0,
		  "%llu wrong bytes, %llu pages never stored came back", totals.wrong_bytes,
		  totals.never_stored_hits);
	ST_EXPECT(c, totals.errors == 0 && s->taker_errors == 0, "errors: workers %llu taker %llu",
		  totals.errors, s->taker_errors);
	ST_EXPECT(c, s->poison_damaged == 0, "%llu taken-back pages written by the pool",
		  s->poison_damaged);
	ST_EXPECT(c, s->taker_cycles >= MIN_WORK, "only %llu take-backs", s->taker_cycles);
	ST_EXPECT(c, s->pool_broken == NULL, "pool invariant: %s", s->pool_broken);
	ST_EXPECT(c, s->tags_broken == NULL, "manager invariant: %s", s->tags_broken);
}

void st_stress_cleanup(void)
{
	struct stress *s = stress;
	unsigned int i;

	if (!s)
		return;
	for (i = 0; i < s->worker_count; ++i)
		st_pages_free(&s->workers[i].buffer);
	if (s->pool.pool) { /* every page back from the pool before it is freed */
		st_pool_take_back_all(&s->pool, s->carve_donor, s->carve.pfn, s->carve.count);
		st_pool_take_back_all(&s->pool, s->timer_donor, s->timer_pages.pfn,
				      s->timer_pages.count);
		st_pool_take_back_all(&s->pool, s->lock_donor, s->lock_pages.pfn,
				      s->lock_pages.count);
		if (s->tags.tags)
			st_pool_take_back_all(&s->pool, tagcache_tags_donor(s->tags.tags, 0),
					      s->tag.pfn, s->tag.count);
	}
	st_tags_destroy(&s->tags);
	st_pool_destroy(&s->pool);
	st_pages_free(&s->tag);
	st_pages_free(&s->data);
	st_pages_free(&s->lock_pages);
	st_pages_free(&s->timer_pages);
	st_pages_free(&s->carve);
	kfree(s);
	stress = NULL;
}
