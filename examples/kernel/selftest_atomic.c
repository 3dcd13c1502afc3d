// SPDX-License-Identifier: MIT
/*
 * The atomic-context actors of the concurrency run: an hrtimer callback (hard-interrupt
 * context) and the loading thread inside spin_lock_irqsave(), each taking pages back and
 * reserving tag storage while the workers copy. They assert what proves the context:
 * in_hardirq() and irqs_disabled(), never in_atomic() (without CONFIG_PREEMPT_COUNT, as in
 * Debian's arm64 kernel, it is always false). Neither sleeps.
 */
#include <linux/hardirq.h>
#include <linux/hrtimer.h>
#include <linux/irqflags.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>

#include "selftest_stress.h"

static DEFINE_SPINLOCK(stress_lock);

void stress_toggle_reservation(struct stress *s, bool *reserved, u64 *count, u64 first_block,
			       u64 *errors)
{
	const u64 pfn = s->data.pfn + (first_block + (*count / 2) % 4) * 64;

	if (!*reserved)
		*errors += tagcache_tags_reserve(s->tags.tags, pfn, 2) != TAGCACHE_E_ok;
	else
		*errors += tagcache_tags_release(s->tags.tags, pfn, 2) != TAGCACHE_E_ok;
	*reserved = !*reserved;
	++*count;
}

static enum hrtimer_restart timer_fn(struct hrtimer *timer)
{
	struct stress *s = container_of(timer, struct stress, timer);
	const u64 pfn = s->timer_pages.pfn + s->timer_calls % s->timer_pages.count;
	const u64 start = ktime_get_ns();

	++s->timer_calls;
	s->timer_not_atomic += !in_hardirq() || !irqs_disabled();
	s->timer_errors += tagcache_pool_take_back(s->pool.pool, s->timer_donor, pfn) !=
			   TAGCACHE_E_ok;
	s->timer_errors += tagcache_pool_donate(s->pool.pool, s->timer_donor, pfn) != TAGCACHE_E_ok;
	stress_toggle_reservation(s, &s->timer_reserved, &s->timer_reserves, 0, &s->timer_errors);
	s->timer_longest_ns = max(s->timer_longest_ns, ktime_get_ns() - start);
	if (READ_ONCE(s->stop))
		return HRTIMER_NORESTART;
	hrtimer_forward_now(timer, ns_to_ktime(TIMER_PERIOD_NS));
	return HRTIMER_RESTART;
}

void stress_timer_start(struct stress *s)
{
	hrtimer_init(&s->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	s->timer.function = timer_fn;
	hrtimer_start(&s->timer, ns_to_ktime(TIMER_PERIOD_NS), HRTIMER_MODE_REL_HARD);
}

void stress_timer_stop(struct stress *s)
{
	WRITE_ONCE(s->stop, true);
	hrtimer_cancel(&s->timer);
}

void stress_locked_step(struct stress *s, bool *reserved)
{
	const u64 pfn = s->lock_pages.pfn + s->lock_iterations % s->lock_pages.count;
	unsigned long flags;

	spin_lock_irqsave(&stress_lock, flags);
	s->lock_not_atomic += !irqs_disabled();
	s->lock_errors += tagcache_pool_take_back(s->pool.pool, s->lock_donor, pfn) !=
			  TAGCACHE_E_ok;
	stress_toggle_reservation(s, reserved, &s->lock_reserves, 4, &s->lock_errors);
	s->lock_errors += tagcache_pool_donate(s->pool.pool, s->lock_donor, pfn) != TAGCACHE_E_ok;
	spin_unlock_irqrestore(&stress_lock, flags);
	++s->lock_iterations;
}

void st_atomic_spin_lock_irqsave(struct st_case *c)
{
	const struct stress *s = stress_state();

	if (!ST_EXPECT(c, s && s->ran, "the concurrency case did not run"))
		return;
	st_diag("atomic_spin_lock_irqsave: %llu take-backs, %llu reserve/release in "
		"spin_lock_irqsave", s->lock_iterations, s->lock_reserves);
	ST_EXPECT(c, s->lock_iterations >= MIN_WORK && s->lock_not_atomic == 0 &&
			     s->lock_errors == 0,
		  "%llu iterations, %llu with interrupts on, %llu errors", s->lock_iterations,
		  s->lock_not_atomic, s->lock_errors);
}

void st_atomic_hrtimer(struct st_case *c)
{
	const struct stress *s = stress_state();
	struct tagcache_donor_stats timer_donor = {};

	if (!ST_EXPECT(c, s && s->ran, "the concurrency case did not run"))
		return;
	tagcache_pool_get_donor_stats(s->pool.pool, s->timer_donor, &timer_donor);
	st_diag("atomic_hrtimer: %llu callbacks in hard-irq context, %llu reserve/release, "
		"%llu take-backs dropped cached data, longest callback %llu ns", s->timer_calls,
		s->timer_reserves, timer_donor.recalled, s->timer_longest_ns);
	ST_EXPECT(c, s->timer_calls >= MIN_WORK && s->timer_not_atomic == 0 &&
			     s->timer_errors == 0,
		  "%llu callbacks, %llu outside hard-irq context, %llu errors", s->timer_calls,
		  s->timer_not_atomic, s->timer_errors);
	ST_EXPECT(c, timer_donor.recalled > 0, "no take-back in the timer found cached data");
}
