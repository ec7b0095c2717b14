/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* User namespace id maps (user_namespaces(7) "User and group ID mappings"). */
#include <inttypes.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "nsbox/idmap.h"

/* The kernel accepts at most one page per map write and 340 lines (Linux 4.15). */
#define IDMAP_MAX_TEXT 4096
#define IDMAP_MAX_LINES 340

static const char *const idmap_file_names[_NSBOX_IDMAP_FILE_MAX] = {
        [NSBOX_IDMAP_UID_MAP] = "uid_map",
        [NSBOX_IDMAP_GID_MAP] = "gid_map",
        [NSBOX_IDMAP_SETGROUPS] = "setgroups",
};

const char *nsbox_idmap_path(pid_t pid, NsboxIdMapFile file, char *buf, size_t size)
{
        if (file < 0 || file >= _NSBOX_IDMAP_FILE_MAX || !buf || pid < 0)
                return NULL;
        int n = pid == 0 ? snprintf(buf, size, "/proc/self/%s", idmap_file_names[file])
                         : snprintf(buf, size, "/proc/%d/%s", (int) pid, idmap_file_names[file]);
        return n < 0 || (size_t) n >= size ? NULL : buf;
}

int nsbox_idmap_open(pid_t pid, NsboxIdMapFile file)
{
        char path[64];
        if (!nsbox_idmap_path(pid, file, path, sizeof(path)))
                return -EINVAL;
        int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        return fd < 0 ? negative_errno() : fd;
}

int nsbox_idmap_format(const NsboxIdMapRange *ranges, size_t n, char *buf, size_t size)
{
        if (!ranges || n == 0 || n > IDMAP_MAX_LINES || !buf)
                return -EINVAL;
        size_t len = 0;
        for (size_t i = 0; i < n; i++) {
                if (ranges[i].count == 0)
                        return -EINVAL;
                int k = snprintf(buf + len, size - len, "%" PRIu32 " %" PRIu32 " %" PRIu32 "\n",
                                 ranges[i].inner, ranges[i].outer, ranges[i].count);
                if (k < 0 || (size_t) k >= size - len)
                        return -E2BIG;
                len += (size_t) k;
        }
        return (int) len;
}

int nsbox_idmap_write_fd(int fd, const NsboxIdMapRange *ranges, size_t n)
{
        char buf[IDMAP_MAX_TEXT + 1];
        int len = nsbox_idmap_format(ranges, n, buf, sizeof(buf));
        if (len < 0)
                return len;
        if (len > IDMAP_MAX_TEXT)
                return -E2BIG;
        /* Not loop_write(): the kernel takes a map in one write only, and a
         * second write fails with EPERM, which would hide the real cause. */
        ssize_t k;
        do
                k = write(fd, buf, (size_t) len);
        while (k < 0 && errno == EINTR);
        if (k < 0)
                return negative_errno();
        return k == len ? 0 : -EIO;
}

int nsbox_setgroups_write_fd(int fd, bool allow)
{
        const char *s = allow ? "allow" : "deny";
        return loop_write(fd, s, strlen(s));
}

int nsbox_idmap_write(pid_t pid, NsboxIdMapFile file, const NsboxIdMapRange *ranges, size_t n,
                      NsboxError **reterr)
{
        char path[64];
        if ((file != NSBOX_IDMAP_UID_MAP && file != NSBOX_IDMAP_GID_MAP) ||
            !nsbox_idmap_path(pid, file, path, sizeof(path)))
                return nsbox_error_set_message(reterr, EINVAL, "invalid id map file");
        _cleanup_close_ int fd = nsbox_idmap_open(pid, file);
        if (fd < 0)
                return nsbox_error_set(reterr, fd, "open %s", path);
        int r = nsbox_idmap_write_fd(fd, ranges, n);
        if (r < 0)
                return nsbox_error_set(reterr, r, "write %s", path);
        return 0;
}

int nsbox_setgroups_write(pid_t pid, bool allow, NsboxError **reterr)
{
        char path[64];
        if (!nsbox_idmap_path(pid, NSBOX_IDMAP_SETGROUPS, path, sizeof(path)))
                return nsbox_error_set_message(reterr, EINVAL, "invalid pid %d", (int) pid);
        _cleanup_close_ int fd = nsbox_idmap_open(pid, NSBOX_IDMAP_SETGROUPS);
        if (fd == -ENOENT && pid == 0)
                return 0;
        if (fd < 0)
                return nsbox_error_set(reterr, fd, "open %s", path);
        int r = nsbox_setgroups_write_fd(fd, allow);
        if (r < 0)
                return nsbox_error_set(reterr, r, "write %s", path);
        return 0;
}
