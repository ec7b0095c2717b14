/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include <nsbox/common.h>
#include <nsbox/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The user a container's process runs as, resolved from the container's own
 * rootfs: its /etc/passwd and /etc/group (passwd(5), group(5)), opened with
 * openat2(2) RESOLVE_IN_ROOT so that a symlink in the rootfs cannot point the
 * lookup at the host's files. The host's NSS is never asked: its users are
 * not the container's.
 */
typedef struct NsboxUser {
        uid_t uid;
        gid_t gid;
        gid_t *groups; /* supplementary groups: memberships in /etc/group, then the extra groups */
        size_t n_groups;
        char *name; /* the passwd entry's name, or NULL when the uid has none */
        char *home; /* the passwd entry's home, "/" without an entry ("/root" for uid 0) */
} NsboxUser;

/**
 * nsbox_user_resolve - resolve docker's --user syntax inside a rootfs
 * @rootfd: an fd of the rootfs directory (O_PATH is enough), or -EBADF when
 *          there is no rootfs to read (then only numbers are accepted)
 * @user: "UID", "NAME", "UID:GID", "NAME:GROUP", "UID:GROUP" or "NAME:GID";
 *        NULL means "0" (root). A user given by name takes its gid from its
 *        passwd entry unless a group is given; a numeric uid without an entry
 *        gets gid 0, as docker and runc do.
 * @extra_groups: NULL-terminated list of groups (names or numbers) to add to
 *                the supplementary groups (docker's --group-add), or NULL
 * @ret: the result, to be released with nsbox_user_done()
 * @reterr: what was wrong, e.g. "no user 'x' in the rootfs's /etc/passwd"
 *
 * Supplementary groups are the groups of /etc/group whose member list names
 * the user, then @extra_groups; duplicates are dropped. Numbers are decimal,
 * 0 to 4294967294 (4294967295 is (uid_t) -1, which setresuid(2) ignores).
 *
 * Returns: 0; -EINVAL for a malformed @user or group (empty part, junk, out of
 * range); -ESRCH for a name that the rootfs's file does not have; -ENOENT
 * when a name must be looked up and the file does not exist; -EBADFD when
 * the file is not a regular file (a fifo or device planted there is not
 * read); -EFBIG for a file over 16 MiB; -ENOMEM; another -errno of
 * openat2(2) or read(2) (e.g. -ELOOP, -EACCES).
 */
NSBOX_PUBLIC int nsbox_user_resolve(int rootfd, const char *user, const char *const *extra_groups,
                                    NsboxUser *ret, NsboxError **reterr);

/** nsbox_user_done - free what an NsboxUser owns and zero it; NULL is accepted. */
NSBOX_PUBLIC void nsbox_user_done(NsboxUser *u);

#ifdef __cplusplus
}
#endif
