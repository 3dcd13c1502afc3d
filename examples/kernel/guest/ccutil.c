// SPDX-License-Identifier: MIT
/*
 * ccutil: what the workload guest's coherency tests need beyond busybox (static binary).
 *   ccutil mmapcat FILE    write FILE's bytes to stdout, read through a shared mmap
 *   ccutil blocks FILE     the device block of each of FILE's blocks (FIBMAP), one per line
 */
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(const char *what, const char *file)
{
	fprintf(stderr, "ccutil: %s: %s: ", what, file);
	perror(NULL);
	return 1;
}

int main(int argc, char **argv)
{
	struct stat st;
	int fd;

	if (argc != 3 || (strcmp(argv[1], "mmapcat") && strcmp(argv[1], "blocks"))) {
		fprintf(stderr, "usage: ccutil mmapcat|blocks FILE\n");
		return 2;
	}
	fd = open(argv[2], O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		return fail("open", argv[2]);
	if (!strcmp(argv[1], "mmapcat")) {
		const char *bytes;

		if (st.st_size == 0)
			return 0;
		bytes = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
		if (bytes == MAP_FAILED)
			return fail("mmap", argv[2]);
		return fwrite(bytes, 1, st.st_size, stdout) == (size_t)st.st_size ? 0 : 1;
	}
	for (int block = 0; (off_t)block * st.st_blksize < st.st_size; ++block) {
		int physical = block;

		if (ioctl(fd, FIBMAP, &physical))
			return fail("FIBMAP", argv[2]);
		printf("%d\n", physical);
	}
	return 0;
}
