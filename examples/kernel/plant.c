// SPDX-License-Identifier: MIT
/*
 * plant=out_of_bounds|data_race: a planted bug in a C++ object (tagcache_kernel_plant.cpp),
 * run at load, for the checker kernels (scripts/kernel/checkers.sh): generic KASAN must report
 * the out-of-bounds read, KCSAN the data race, each naming the C++ function. Off by default.
 */
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "plant.h"
#include "tagcache_kernel.h"

static char *plant;
module_param(plant, charp, 0444);
MODULE_PARM_DESC(plant, "checker kernels: out_of_bounds or data_race, a planted bug in a C++ object that the checker must report");

#define RACE_INCREMENTS 500000

struct race {
	u64 counter;
	struct completion done[2];
};

static int racer(void *data)
{
	struct race *race = data;
	int i;

	for (i = 0; i < RACE_INCREMENTS; ++i) {
		tagcache_plant_data_race(&race->counter);
		if (!(i % 4096))
			cond_resched();
	}
	return 0;
}

static int racer_0(void *data)
{
	racer(data);
	complete(&((struct race *)data)->done[0]);
	return 0;
}

static int racer_1(void *data)
{
	racer(data);
	complete(&((struct race *)data)->done[1]);
	return 0;
}

int tagcache_plant(void)
{
	if (!plant || !*plant)
		return 0;
	if (!strcmp(plant, "out_of_bounds")) {
		unsigned char *buffer = kmalloc(64, GFP_KERNEL);
		unsigned char value;

		if (!buffer)
			return -ENOMEM;
		pr_info("tagcache: plant: out_of_bounds: reading byte 64 of a 64-byte buffer in C++\n");
		value = tagcache_plant_out_of_bounds(buffer, 64);
		kfree(buffer);
		pr_info("tagcache: plant: out_of_bounds: done (read %u)\n", value);
		return 0;
	}
	if (!strcmp(plant, "data_race")) {
		struct race *race = kzalloc(sizeof(*race), GFP_KERNEL);

		if (!race)
			return -ENOMEM;
		init_completion(&race->done[0]);
		init_completion(&race->done[1]);
		pr_info("tagcache: plant: data_race: two kthreads, %d unlocked increments each, in C++\n",
			RACE_INCREMENTS);
		if (IS_ERR(kthread_run(racer_0, race, "tagcache-race0")))
			complete(&race->done[0]);
		if (IS_ERR(kthread_run(racer_1, race, "tagcache-race1")))
			complete(&race->done[1]);
		wait_for_completion(&race->done[0]);
		wait_for_completion(&race->done[1]);
		pr_info("tagcache: plant: data_race: done (counter %llu of %d)\n", race->counter,
			2 * RACE_INCREMENTS);
		kfree(race);
		return 0;
	}
	pr_err("tagcache: plant=%s: out_of_bounds or data_race\n", plant);
	return -EINVAL;
}
