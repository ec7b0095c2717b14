/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * rm_rf_at - remove a file or a whole directory tree, like `rm -rf --one-file-system`
 * @dirfd: directory fd that @name is relative to, or AT_FDCWD
 * @name: what to remove; its last component is never followed if it is a
 *        symlink (the link itself is removed), earlier components are the caller's
 *
 * Inside the tree nothing is followed: symlinks are removed as links, and
 * directories on another mount (st_dev or mount id differs) are neither entered
 * nor removed. Removal goes on past errors and returns the first one. Uses a
 * constant number of fds whatever the depth (it re-opens ".." on the way up
 * and checks that it got the same directory back).
 *
 * Returns: 0, also when @name does not exist; -EXDEV when a mount point inside
 * the tree was left in place, -EBUSY when @name itself is a mount point, -ESTALE
 * when the tree was moved while being removed, other -errno from
 * unlinkat(2)/openat(2).
 */
int rm_rf_at(int dirfd, const char *name);
