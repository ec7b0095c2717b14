/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <nsbox/common.h>
#include <nsbox/error.h>
#include <nsbox/idmap.h>
#include <nsbox/rootfs.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * User namespaces for users who are not root ("rootless"): subordinate id
 * ranges (subuid(5), subgid(5)), the setuid helpers newuidmap(1) and
 * newgidmap(1) of the shadow suite (Debian package uidmap) that write maps
 * with those ranges, and a rootfs archive extracted inside a user namespace so
 * that its files get the owners the container will see.
 *
 * The kernel lets an unprivileged process write only a one-line map of its
 * own id (and, for gid_map, only after "deny" in setgroups); every other map
 * of an unprivileged user goes through the helpers, which check the ranges
 * against /etc/subuid and /etc/subgid (user_namespaces(7)).
 */

/**
 * nsbox_subid_ranges - every range of a user in /etc/subuid or /etc/subgid
 * @path: the file; lines "NAME-or-UID:START:COUNT" (subuid(5))
 * @uid: the user, matched by number
 * @name: the user's name, matched too when not NULL
 * @ret: a malloc'd array (free()) of the matching lines in file order, with
 *       .outer = START, .count = COUNT and .inner = 0; NULL when there are none
 * @ret_n: how many
 *
 * newuidmap(1) accepts any id in any of the user's lines, so all are returned
 * (unshare --map-auto takes only the first). Malformed lines of other users are
 * skipped, as the shadow suite does.
 * Returns: the number of ranges (0 when the user has none or the file does not
 * exist), -EINVAL for a line of this user whose numbers are not numbers or
 * whose count is 0, -ENOMEM, or another -errno of fopen(3) (-EACCES).
 */
NSBOX_PUBLIC int nsbox_subid_ranges(const char *path, uid_t uid, const char *name, NsboxIdMapRange **ret,
                                    size_t *ret_n);

/**
 * nsbox_idmap_find_helper - find newuidmap or newgidmap
 * @name: "newuidmap" or "newgidmap"
 * @ret: the executable's path (free())
 *
 * Searches the caller's $PATH (a default of /usr/local/bin:/usr/bin:/bin and
 * the sbin directories when unset), like execvp(3), before anything is forked.
 * Returns: 0, -ENOENT when no directory has an executable @name, -ENOMEM.
 */
NSBOX_PUBLIC int nsbox_idmap_find_helper(const char *name, char **ret);

/**
 * nsbox_idmap_write_helper - write a process's map with newuidmap or newgidmap
 * @uid_map: true for newuidmap (uid_map), false for newgidmap (gid_map)
 * @pid: the process whose user namespace gets the map; it must belong to the
 *       caller's real uid (newuidmap(1) checks)
 * @ranges, @n: the map; at most 340 lines
 * @reterr: optional; on failure the helper's own last line of stderr, e.g.
 *          "newuidmap: uid range [1-70001) -> [100000-170000) not allowed"
 *
 * Runs "newuidmap PID INNER OUTER COUNT..." with posix_spawn(3), stderr
 * captured, a minimal environment, and waits for it. newgidmap writes "deny" to
 * setgroups itself when none of the ranges comes from /etc/subgid.
 * Returns: 0; -ENOENT when the helper is not found (nsbox_idmap_find_helper());
 * -EPERM when it exits non-zero (a range the user does not own, overlapping
 * ranges, a map already written); -EINVAL for @n of 0 or above 340; -ENOMEM;
 * -errno of pipe(2), posix_spawn(3) or waitpid(2).
 */
NSBOX_PUBLIC int nsbox_idmap_write_helper(bool uid_map, pid_t pid, const NsboxIdMapRange *ranges, size_t n,
                                          NsboxError **reterr);

/**
 * nsbox_idmap_apply - write both maps of a process just cloned into a new user
 * namespace, the way the caller is allowed to
 * @pid: the process
 * @uid, @n_uid: its uid_map (none when @n_uid is 0)
 * @gid, @n_gid: its gid_map (none when @n_gid is 0)
 * @reterr: optional error context ("write uid_map: ...", "newuidmap: ...")
 *
 * Root (euid 0) writes the files itself. An unprivileged caller writes a
 * one-line map of its own effective id itself (for gid_map after writing
 * "deny" to setgroups, which then stays denied in the namespace), and uses
 * nsbox_idmap_write_helper() for every other map. user_namespaces(7).
 * Returns: 0 or the -errno of nsbox_idmap_write() or nsbox_idmap_write_helper().
 */
NSBOX_PUBLIC int nsbox_idmap_apply(pid_t pid, const NsboxIdMapRange *uid, size_t n_uid,
                                   const NsboxIdMapRange *gid, size_t n_gid, NsboxError **reterr);

/**
 * nsbox_idmap_check - check a map that an unprivileged user asked for
 * @what: "uidmap" or "gidmap", for the messages
 * @ranges, @n: the map
 * @self: the caller's own id, which it may map with a count of 1
 * @allowed, @n_allowed: the caller's subordinate ranges (.outer, .count)
 * @reterr: optional; e.g. "uidmap 1:300000:10: host ids 300000-300009 are
 *          neither 1000 nor in the subordinate ranges 100000-165535"
 *
 * The kernel and newuidmap(1) would refuse the same maps later, with less
 * helpful words; checking first also means no process is started for nothing.
 * Returns: 0; -EINVAL when two lines overlap inside or outside, or a line
 * wraps past 2^32-1; -EPERM when a line maps a host id the caller does not own.
 */
NSBOX_PUBLIC int nsbox_idmap_check(const char *what, const NsboxIdMapRange *ranges, size_t n, uint32_t self,
                                   const NsboxIdMapRange *allowed, size_t n_allowed, NsboxError **reterr);

/**
 * nsbox_rootfs_from_archive_userns - nsbox_rootfs_from_archive() inside a new
 * user namespace with the given maps
 * @archive, @cache_dir, @progress, @userdata, @ret_path, @reterr: as for
 *   nsbox_rootfs_from_archive(); @cache_dir must belong to the caller (it is
 *   created if missing). Entries are kept per map: the extraction lives under
 *   "@cache_dir/userns-HASH", HASH a digest of both maps.
 * @uid, @n_uid, @gid, @n_gid: the maps, as for nsbox_idmap_apply(); the
 *   container that uses the rootfs must have the same ones
 * @ret_skipped_devices: optional; device nodes of the archive that were not
 *   made (no user namespace may mknod(2) them; a container has its own /dev)
 *
 * The work happens in a child process cloned into the user namespace, where
 * the caller's capabilities cover only the ids of the maps: the archive's
 * owners become the mapped host ids (a uid 1000 in the archive with "0 1000 1
 * / 1 100000 65536" is host uid 100999), an owner without a mapping stays the
 * namespace's root, and nothing outside the caller's own and subordinate ids
 * can be touched. Stale temporary directories, whose files only the namespace
 * can remove, are removed there as well. The child dies with the caller.
 * Returns: 0, or the -errno of nsbox_idmap_apply() or
 * nsbox_rootfs_from_archive() (the child's error travels back with its text),
 * -EIO when the child ended without a word, -ENOMEM.
 */
NSBOX_PUBLIC int nsbox_rootfs_from_archive_userns(const char *archive, const char *cache_dir,
                                                  const NsboxIdMapRange *uid, size_t n_uid,
                                                  const NsboxIdMapRange *gid, size_t n_gid,
                                                  NsboxProgressFn progress, void *userdata, char **ret_path,
                                                  unsigned *ret_skipped_devices, NsboxError **reterr);

#ifdef __cplusplus
}
#endif
