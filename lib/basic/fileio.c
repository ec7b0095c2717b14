/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "basic/fileio.h"
#include "basic/macro.h"

#include <stdint.h>
#include <sys/stat.h>

int loop_write(int fd, const void *buf, size_t len)
{
        const char *p = buf;
        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                p += n;
                len -= (size_t) n;
        }
        return 0;
}

ssize_t loop_read(int fd, void *buf, size_t len)
{
        char *p = buf;
        size_t done = 0;
        while (done < len) {
                ssize_t n = read(fd, p + done, len - done);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        break;
                done += (size_t) n;
        }
        return (ssize_t) done;
}

int write_string_file_at(int dirfd, const char *path, const char *s)
{
        _cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        return loop_write(fd, s, strlen(s));
}

int read_full_file_at_max(int dirfd, const char *path, size_t max_size, char **ret, size_t *ret_size)
{
        _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        /* regular files and pipes (--env-file <(cmd)) only: a device such as
         * /dev/zero or /dev/tty is never a file of settings */
        struct stat st;
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode))
                return -EBADFD;
        if (S_ISREG(st.st_mode) && (uint64_t) st.st_size > max_size)
                return -EFBIG;
        size_t cap = 4096, len = 0;
        _cleanup_free_ char *buf = malloc(cap);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                if (len + 1 >= cap) {
                        /* one byte past the limit tells "exactly max" from "more" */
                        if (len > max_size)
                                return -EFBIG;
                        size_t ncap = cap * 2 > max_size + 2 ? max_size + 2 : cap * 2;
                        char *n = realloc(buf, ncap);
                        if (!n)
                                return -ENOMEM;
                        buf = n;
                        cap = ncap;
                }
                ssize_t k = read(fd, buf + len, cap - len - 1);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (k == 0)
                        break;
                len += (size_t) k;
        }
        if (len > max_size)
                return -EFBIG;
        buf[len] = 0;
        if (ret_size)
                *ret_size = len;
        *ret = TAKE_PTR(buf);
        return 0;
}

int read_full_file_at(int dirfd, const char *path, char **ret, size_t *ret_size)
{
        return read_full_file_at_max(dirfd, path, READ_FULL_FILE_MAX, ret, ret_size);
}
