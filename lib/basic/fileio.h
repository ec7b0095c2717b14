/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Write all of buf to fd, retrying short writes and EINTR. Returns 0 or -errno. */
int loop_write(int fd, const void *buf, size_t len);
/* Read up to len bytes, retrying EINTR, until EOF or len. Returns bytes read or -errno. */
ssize_t loop_read(int fd, void *buf, size_t len);
/* Write a string to a file at dirfd/path (O_WRONLY|O_CLOEXEC|O_NOCTTY, no create). Returns 0 or -errno. */
int write_string_file_at(int dirfd, const char *path, const char *s);
/* The default limit of read_full_file_at(): 4 MiB, for profiles, config.json and the like. */
#define READ_FULL_FILE_MAX (4u * 1024 * 1024)
/* Read a whole file of at most max_size bytes into a NUL-terminated malloc'd buffer.
 * Only regular files and fifos/pipes are read. Returns 0, or -EFBIG (more than
 * max_size bytes), -EISDIR (a directory), -EBADFD (a device or socket, such as
 * /dev/zero), -ENOMEM, or the -errno of openat(2)/read(2). */
int read_full_file_at_max(int dirfd, const char *path, size_t max_size, char **ret, size_t *ret_size);
/* read_full_file_at_max() with READ_FULL_FILE_MAX. */
int read_full_file_at(int dirfd, const char *path, char **ret, size_t *ret_size);
