/* SPDX-License-Identifier: MIT */
/* plant=...: a planted bug for the checker kernels (plant.c). */
#ifndef TAGCACHE_PLANT_H
#define TAGCACHE_PLANT_H

/* Runs the planted bug the module parameter names, if any; 0, or -EINVAL for an unknown one. */
int tagcache_plant(void);

#endif /* TAGCACHE_PLANT_H */
