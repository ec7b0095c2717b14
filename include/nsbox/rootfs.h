/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

#include <nsbox/common.h>
#include <nsbox/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Progress of a long operation: done and total are in bytes (total 0 if unknown). */
typedef void (*NsboxProgressFn)(uint64_t done, uint64_t total, void *userdata);

/**
 * nsbox_archive_extract - safely extract a tar archive into a directory
 * @archive_fd: an fd of the archive (tar, plain or gzip/xz/zstd/bzip2 compressed)
 * @dest_dirfd: an fd of the (empty) target directory
 * @progress: called now and then with compressed bytes read (may be NULL)
 * @userdata: passed to progress
 * @reterr: what was wrong, e.g. "archive entry '../x': path leaves the rootfs"
 *
 * Entry names that are absolute or contain ".." are refused; no file is ever
 * created or written through a symlink (every parent is resolved with
 * openat2(2) RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS below dest_dirfd); symlink
 * targets are stored as they are. Owners, modes and times are kept when the
 * caller may set them; device nodes need CAP_MKNOD and are skipped otherwise.
 *
 * Returns: 0; -EINVAL for a file that is not an archive, a truncated archive
 * or a refused entry; -ELOOP for an entry that goes through a symlink; other
 * -errno from the filesystem. On failure dest_dirfd holds a partial tree
 * that the caller removes.
 */
NSBOX_PUBLIC int nsbox_archive_extract(int archive_fd, int dest_dirfd, NsboxProgressFn progress, void *userdata,
                                       NsboxError **reterr);

/**
 * nsbox_rootfs_from_archive - the extracted rootfs of an archive, from the cache
 * @archive: path of the tar archive
 * @cache_dir: the cache directory (see nsbox_cache_dir()), created if missing
 * @progress, @userdata: as for nsbox_archive_extract()
 * @ret_path: the cached rootfs directory, "<cache_dir>/rootfs/<sha256>/rootfs"
 * @reterr: what was wrong
 *
 * The cache is keyed by the archive's SHA-256. Extraction happens once, into a
 * temporary directory renamed into place when complete, under a lock so two
 * callers never extract the same archive at once; a partial entry left by a
 * killed extraction is removed by the next call. The result is meant to be
 * used read-only (as an overlay lower layer).
 *
 * Returns: 0; -ENOENT when the archive is missing; the errors of
 * nsbox_archive_extract(); other -errno.
 */
NSBOX_PUBLIC int nsbox_rootfs_from_archive(const char *archive, const char *cache_dir, NsboxProgressFn progress,
                                           void *userdata, char **ret_path, NsboxError **reterr);

/**
 * nsbox_cache_dir - nsbox's cache directory: /var/cache/nsbox for root,
 * $XDG_CACHE_HOME/nsbox or ~/.cache/nsbox otherwise. Not created.
 * Returns: 0 or -ENOMEM; *ret is malloc'd.
 */
NSBOX_PUBLIC int nsbox_cache_dir(char **ret);

/**
 * nsbox_runtime_dir - nsbox's runtime directory: /run/nsbox for root,
 * $XDG_RUNTIME_DIR/nsbox otherwise, or /tmp/nsbox-UID when XDG_RUNTIME_DIR is
 * unset (no logind). Created (mode 0700) if missing; an existing one not owned
 * by the caller or accessible to others is refused.
 * Returns: 0, -EPERM for an unsafe existing directory, other -errno.
 */
NSBOX_PUBLIC int nsbox_runtime_dir(char **ret);

#ifdef __cplusplus
}
#endif
