// SPDX-License-Identifier: MIT
/*
 * record=N: the backend pool records its first operations (up to N) in order; debugfs
 * "recording" serves them as text, a line at a time from tagcache_pool_recording_line(), so no
 * second buffer holds the text. Reads must be sequential (cat, dd): a seek is refused.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "recording.h"
#include "tagcache_kernel.h"

static unsigned long record;
module_param(record, ulong, 0444);
MODULE_PARM_DESC(record, "backend: record the pool's first N operations for tagsim check-recording (0: off)");

struct tagcache_record *tagcache_recording_alloc(u64 *capacity)
{
	*capacity = record;
	return record ? vzalloc(array_size(record, sizeof(struct tagcache_record))) : NULL;
}

void tagcache_recording_free(struct tagcache_record *records)
{
	vfree(records);
}

struct recording_reader {
	u64 cursor;	/* the next line's cursor */
	loff_t pos;	/* the file position the next read must start at */
	size_t length;	/* of line[] */
	size_t offset;	/* into line[]: what is already read */
	char line[1024];
};

static int recording_open(struct inode *inode, struct file *file)
{
	struct recording_reader *reader = kzalloc(sizeof(*reader), GFP_KERNEL);

	if (!reader)
		return -ENOMEM;
	file->private_data = reader;
	return nonseekable_open(inode, file);
}

static int recording_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);
	return 0;
}

static ssize_t recording_read(struct file *file, char __user *buffer, size_t count, loff_t *ppos)
{
	struct recording_reader *reader = file->private_data;
	struct tagcache_pool *pool = file_inode(file)->i_private;
	size_t done = 0;

	if (*ppos != reader->pos)
		return -ESPIPE;
	while (done < count) {
		size_t chunk;

		if (reader->offset == reader->length) {
			reader->length = tagcache_pool_recording_line(pool, &reader->cursor,
								      reader->line,
								      sizeof(reader->line));
			reader->offset = 0;
			if (reader->length == 0)
				break;
		}
		chunk = min(count - done, reader->length - reader->offset);
		if (copy_to_user(buffer + done, reader->line + reader->offset, chunk))
			return done ? done : -EFAULT;
		reader->offset += chunk;
		done += chunk;
	}
	reader->pos += done;
	*ppos = reader->pos;
	return done;
}

static const struct file_operations recording_fops = {
	.owner = THIS_MODULE,
	.open = recording_open,
	.release = recording_release,
	.read = recording_read,
	.llseek = no_llseek,
};

struct dentry *tagcache_recording_debugfs(struct dentry *dir, struct tagcache_pool *pool)
{
	return record ? debugfs_create_file("recording", 0400, dir, pool, &recording_fops) : NULL;
}
