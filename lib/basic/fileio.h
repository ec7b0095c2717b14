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
/* Read a whole (small) file into a NUL-terminated malloc'd buffer. Returns 0 or -errno. */
int read_full_file_at(int dirfd, const char *path, char **ret, size_t *ret_size);
