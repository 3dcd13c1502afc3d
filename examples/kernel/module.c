// SPDX-License-Identifier: MIT
/*
 * tagcache.ko: the C shim around tagcache's core (tagcache_kernel.cpp). It defines the hooks
 * the core needs, runs the self-test at load and prints it as KTAP, and keeps the concurrency
 * case's pool alive so that debugfs can show its counters:
 *
 *   /sys/kernel/debug/tagcache/counters   one "name value" line per counter of the library's
 *                                          list (the 2025 cleancache series' sysfs names, then
 *                                          tagcache's own)
 *
 * The module is MIT code; "Dual MIT/GPL" is the licence string the kernel accepts for it
 * (include/linux/module.h lists it among the GPL-compatible ones).
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/irqflags.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/smp.h>
#include <linux/utsname.h>

#include "backend.h"
#include "plant.h"
#include "selftest.h"

static bool selftest = true;
module_param(selftest, bool, 0444);
MODULE_PARM_DESC(selftest, "run the KTAP self-test at load (default 1)");

/* ---- hooks the core calls -------------------------------------------------------------- */

unsigned long tagcache_kernel_irq_save(void)
{
	unsigned long flags;

	local_irq_save(flags);
	return flags;
}

void tagcache_kernel_irq_restore(unsigned long flags)
{
	local_irq_restore(flags);
}

/*
 * lockdep sees the core's ticket locks as spinlocks: a map in each lock's storage, one class
 * per role, so that it checks their order (a manager's lock before its pool's) and their use
 * with interrupts off and in hard-interrupt context, as it checks the kernel's own.
 */
#ifdef CONFIG_LOCKDEP
static struct lock_class_key tagcache_lock_keys[TAGCACHE_LOCK_CLASSES];
static const char *const tagcache_lock_names[TAGCACHE_LOCK_CLASSES] = {
	"tagcache_pool_lock", "tagcache_tags_lock", "tagcache_recording_lock"
};

void tagcache_kernel_lock_init(void *lockdep_storage, enum tagcache_lock_class lock_class)
{
	BUILD_BUG_ON(sizeof(struct lockdep_map) > TAGCACHE_LOCKDEP_BYTES);
	lockdep_init_map_type(lockdep_storage, tagcache_lock_names[lock_class],
			      &tagcache_lock_keys[lock_class], 0, LD_WAIT_SPIN, LD_WAIT_INV,
			      LD_LOCK_NORMAL);
}

void tagcache_kernel_lock_acquire(void *lockdep_storage)
{
	lock_acquire_exclusive(lockdep_storage, 0, 0, NULL, _RET_IP_);
}

void tagcache_kernel_lock_release(void *lockdep_storage)
{
	lock_release(lockdep_storage, _RET_IP_);
}
#else
void tagcache_kernel_lock_init(void *lockdep_storage, enum tagcache_lock_class lock_class)
{
}

void tagcache_kernel_lock_acquire(void *lockdep_storage)
{
}

void tagcache_kernel_lock_release(void *lockdep_storage)
{
}
#endif

/* A broken invariant: say where, loudly; the core then traps (an oops, not a resumed call). */
static void tagcache_assertion(const char *expression, const char *message, const char *file,
			       unsigned int line)
{
	pr_emerg("tagcache: assertion failed: %s (%s) at %s:%u\n", expression, message, file,
		 line);
}

/* ---- debugfs ------------------------------------------------------------------------------ */

static struct dentry *debugfs_dir;

/* One "name value" line per counter of the library's list (TAGCACHE_POOL_COUNTERS), in its
 * order. */
int st_format_counters(char *buffer, size_t size, const struct tagcache_pool_stats *s)
{
	int length = 0;

#define ST_COUNTER_LINE(name, meaning) \
	length += scnprintf(buffer + length, size - length, #name " %llu\n", s->name);
	TAGCACHE_POOL_COUNTERS(ST_COUNTER_LINE, ST_COUNTER_LINE)
#undef ST_COUNTER_LINE
	return length;
}

/* Room for every counter's line: its name, a space, 20 digits and a newline. */
#define ST_COUNTERS_TEXT 640

static ssize_t counters_read(struct file *file, char __user *user, size_t count, loff_t *pos)
{
	struct tagcache_pool *pool = st_stress_pool();
	struct tagcache_pool_stats stats = {};
	char text[ST_COUNTERS_TEXT];
	int length;

	if (pool)
		tagcache_pool_get_stats(pool, &stats);
	length = st_format_counters(text, sizeof(text), &stats);
	return simple_read_from_buffer(user, count, pos, text, length);
}

static const struct file_operations counters_fops = {
	.owner = THIS_MODULE,
	.read = counters_read,
	.llseek = default_llseek,
};

void st_debugfs_counters(struct st_case *c)
{
	struct tagcache_pool *pool = st_stress_pool();
	struct tagcache_pool_stats stats;
#define ST_COUNTER_NAME(name, meaning) #name,
	static const char *const names[] = { TAGCACHE_POOL_COUNTERS(ST_COUNTER_NAME,
								    ST_COUNTER_NAME) };
#undef ST_COUNTER_NAME
	char text[ST_COUNTERS_TEXT], line[48];
	size_t i;

	if (!ST_EXPECT(c, !IS_ERR_OR_NULL(debugfs_dir), "no debugfs directory") ||
	    !ST_EXPECT(c, pool != NULL, "the concurrency case left no pool"))
		return;
	tagcache_pool_get_stats(pool, &stats);
	st_format_counters(text, sizeof(text), &stats);
	ST_EXPECT(c, stats.stored > 0 && stats.restored > 0 && stats.recalled > 0,
		  "stored %llu restored %llu recalled %llu", stats.stored, stats.restored,
		  stats.recalled);
	/* Each counter appears as its own line with this pool's value. */
	for (i = 0; i < ARRAY_SIZE(names); ++i) {
#define ST_COUNTER_VALUE(name, meaning) stats.name,
		const u64 values[] = { TAGCACHE_POOL_COUNTERS(ST_COUNTER_VALUE, ST_COUNTER_VALUE) };
#undef ST_COUNTER_VALUE
		const char *found;

		snprintf(line, sizeof(line), "%s %llu\n", names[i], values[i]);
		found = strstr(text, line);
		ST_EXPECT(c, found && (found == text || found[-1] == '\n'),
			  "no line '%s %llu'", names[i], values[i]);
	}
	st_diag("debugfs: /sys/kernel/debug/tagcache/counters (the concurrency case's pool)");
}

/* ---- the self-test ------------------------------------------------------------------------ */

static const struct {
	const char *name;
	void (*run)(struct st_case *c);
} st_cases[] = {
	{ "error_codes", st_error_codes },
	{ "tag_map_known_answers", st_tag_map_known_answers },
	{ "pool_round_trip", st_pool_round_trip },
	{ "pool_eviction", st_pool_eviction },
	{ "pool_invalidation", st_pool_invalidation },
	{ "folio_take_back_drop", st_folio_take_back_drop },
	{ "folio_take_back_split", st_folio_take_back_split },
	{ "tag_storage_reserve_release", st_tag_storage_reserve_release },
	{ "mte_tags", st_mte_tags },
	{ "concurrency", st_concurrency },
	{ "atomic_spin_lock_irqsave", st_atomic_spin_lock_irqsave },
	{ "atomic_hrtimer", st_atomic_hrtimer },
	{ "latency", st_latency },
	{ "debugfs_counters", st_debugfs_counters },
};

static int __init tagcache_init(void)
{
	unsigned int failed = 0;
	size_t i;
	int err;

	tagcache_set_assertion_handler(tagcache_assertion);
	debugfs_dir = debugfs_create_dir("tagcache", NULL);
	if (!IS_ERR_OR_NULL(debugfs_dir))
		debugfs_create_file("counters", 0444, debugfs_dir, NULL, &counters_fops);
	err = tagcache_plant(); /* plant=...: the checker kernels' planted bugs */
	if (err) {
		debugfs_remove_recursive(debugfs_dir);
		return err;
	}

	if (!selftest)
		goto backend;
	printk(KERN_INFO "KTAP version 1\n");
	printk(KERN_INFO "1..%zu\n", ARRAY_SIZE(st_cases));
	st_diag("tagcache self-test: %s %s, %u CPUs, %lu-byte pages", utsname()->machine,
		utsname()->release, num_online_cpus(), PAGE_SIZE);
	for (i = 0; i < ARRAY_SIZE(st_cases); ++i) {
		struct st_case c = { .name = st_cases[i].name };

		st_cases[i].run(&c);
		if (c.failed) {
			++failed;
			printk(KERN_INFO "not ok %zu %s\n", i + 1, c.name);
		} else if (c.skip) {
			printk(KERN_INFO "ok %zu %s # SKIP %s\n", i + 1, c.name, c.skip);
		} else {
			printk(KERN_INFO "ok %zu %s\n", i + 1, c.name);
		}
	}
	st_diag("tagcache self-test: %u of %zu cases failed", failed, ARRAY_SIZE(st_cases));
backend:
	/* Stay loaded either way: debugfs shows the counters, and the log says what failed. */
	if (tagcache_backend_requested()) {
		err = tagcache_backend_init(debugfs_dir);
		if (err) {
			debugfs_remove_recursive(debugfs_dir);
			st_stress_cleanup();
			return err;
		}
	}
	return 0;
}

static void __exit tagcache_exit(void)
{
	tagcache_backend_exit();
	debugfs_remove_recursive(debugfs_dir);
	st_stress_cleanup();
	tagcache_set_assertion_handler(NULL);
	pr_info("tagcache: unloaded\n");
}

module_init(tagcache_init);
module_exit(tagcache_exit);

MODULE_LICENSE("Dual MIT/GPL");
MODULE_DESCRIPTION("tagcache: a cleancache for MTE tag storage, and its self-test");
