/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <nsbox/common.h>
#include <nsbox/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * User namespace id maps: /proc/PID/uid_map, gid_map and setgroups
 * (user_namespaces(7)).
 *
 * Rules the kernel enforces, and so these functions report as errors: a map
 * can be written once, in one write(2) of at most one page (4096 bytes here);
 * the writer needs CAP_SETUID (CAP_SETGID) in the parent user namespace, or it
 * may map only its own effective uid (gid) with one line; an unprivileged
 * gid_map needs "deny" in setgroups first (Linux 3.19).
 */

/* One line of an id map: COUNT ids from OUTER (in the parent user namespace)
 * appear as INNER onwards inside. */
typedef struct NsboxIdMapRange {
        uint32_t inner;
        uint32_t outer;
        uint32_t count;
} NsboxIdMapRange;

/* The per-user-namespace files of a process. */
typedef enum NsboxIdMapFile {
        NSBOX_IDMAP_UID_MAP,
        NSBOX_IDMAP_GID_MAP,
        NSBOX_IDMAP_SETGROUPS,
        _NSBOX_IDMAP_FILE_MAX,
} NsboxIdMapFile;

/**
 * nsbox_idmap_path - the /proc path of a process's map file
 * @pid: the process; 0 means the caller ("/proc/self/...")
 * @file: which file
 * @buf: where to write the path
 * @size: size of @buf in bytes; 64 is always enough
 *
 * Returns: @buf, or NULL for an invalid @file or a too small @buf.
 */
NSBOX_PUBLIC const char *nsbox_idmap_path(pid_t pid, NsboxIdMapFile file, char *buf, size_t size);

/**
 * nsbox_idmap_open - open a process's uid_map, gid_map or setgroups for writing
 * @pid: the process; 0 means the caller
 * @file: which file
 *
 * Returns: an O_WRONLY|O_CLOEXEC fd, or -errno of open(2): -ENOENT (no such
 * process, or a kernel without setgroups), -EACCES, -EPERM, -EINVAL for a bad @file.
 */
NSBOX_PUBLIC int nsbox_idmap_open(pid_t pid, NsboxIdMapFile file);

/**
 * nsbox_idmap_format - render ranges as the kernel's map text
 * @ranges: the lines, in order
 * @n: how many (1 to 340, the kernel's limit since Linux 4.15)
 * @buf: where to write "INNER OUTER COUNT\n" lines, NUL-terminated
 * @size: size of @buf in bytes
 *
 * Returns: the length of the text in bytes, -EINVAL when @n is 0 or above
 * 340 or a count is 0, or -E2BIG when the text does not fit in @buf.
 */
NSBOX_PUBLIC int nsbox_idmap_format(const NsboxIdMapRange *ranges, size_t n, char *buf, size_t size);

/**
 * nsbox_idmap_write_fd - write a whole map to an open uid_map/gid_map fd
 * @fd: from nsbox_idmap_open()
 * @ranges, @n: as for nsbox_idmap_format()
 *
 * The text goes out in one write(2), as the kernel requires.
 * Returns: 0; -EINVAL/-E2BIG as nsbox_idmap_format() (the text must fit in
 * 4096 bytes); the kernel's -EPERM (not allowed to map these ids, or the map was
 * already written, or setgroups is not "deny" for an unprivileged gid_map) or
 * -EINVAL (overlapping ranges); -EIO for a short write.
 */
NSBOX_PUBLIC int nsbox_idmap_write_fd(int fd, const NsboxIdMapRange *ranges, size_t n);

/**
 * nsbox_setgroups_write_fd - write "allow" or "deny" to an open setgroups fd
 * Returns: 0, or the kernel's -EPERM (for "allow" after "deny", or after
 * gid_map was written) or another -errno of write(2).
 */
NSBOX_PUBLIC int nsbox_setgroups_write_fd(int fd, bool allow);

/**
 * nsbox_idmap_write - open and write a process's uid_map or gid_map
 * @pid: the process; 0 means the caller
 * @file: NSBOX_IDMAP_UID_MAP or NSBOX_IDMAP_GID_MAP
 * @ranges, @n: the map
 * @reterr: optional error context ("write /proc/self/uid_map: Operation not permitted")
 *
 * Returns: 0, or -errno as nsbox_idmap_open() and nsbox_idmap_write_fd().
 */
NSBOX_PUBLIC int nsbox_idmap_write(pid_t pid, NsboxIdMapFile file, const NsboxIdMapRange *ranges, size_t n,
                                   NsboxError **reterr);

/**
 * nsbox_setgroups_write - write "allow" or "deny" to a process's setgroups
 * @pid: the process; 0 means the caller
 * @allow: true for "allow"
 * @reterr: optional error context
 *
 * A kernel without the file (before 3.19) has no setgroups restriction to lift or
 * impose, so -ENOENT from open(2) is returned as 0 when @pid is 0.
 * Returns: 0, or -errno as nsbox_idmap_open() and nsbox_setgroups_write_fd().
 */
NSBOX_PUBLIC int nsbox_setgroups_write(pid_t pid, bool allow, NsboxError **reterr);

#ifdef __cplusplus
}
#endif
