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
 * @archive_fd: an fd of the archive (tar, plain or gzip/bzip2/xz/lzma/lzip/zstd/
 *              lz4/compress compressed), read from its current offset
 * @dest_dirfd: an fd of the (empty) target directory
 * @progress: called now and then (every 256 KiB or so, and once at the end)
 *            with the compressed bytes read so far and the bytes from the
 *            starting offset to the end of the file (0 if not a regular file);
 *            may be NULL
 * @userdata: passed to progress
 * @reterr: what was wrong, e.g. "archive entry '../x': path leaves the rootfs".
 *          Messages do not name the archive: callers add that context.
 *
 * Formats: ustar, pax, GNU and older tar variants only. Entry names that are
 * absolute or contain a ".." component are refused ("./" prefixes are fine);
 * no file is ever created or written through a symlink: every parent is
 * resolved with openat2(2) RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS|
 * RESOLVE_NO_MAGICLINKS below dest_dirfd, and the last component is created
 * with O_CREAT|O_EXCL|O_NOFOLLOW, mkdirat(2), symlinkat(2), mknodat(2) or
 * linkat(2) without following it (an existing non-directory of the same name
 * is unlinked first, as tar does). Hard link targets are resolved the same
 * way. Symlink targets are stored as they are (absolute ones are meant to be
 * resolved inside the container).
 *
 * Owners are set with fchown(2)/fchownat(AT_SYMLINK_NOFOLLOW); without the
 * privilege (EPERM) or for ids that the user namespace does not map (EINVAL)
 * the caller stays the owner. Modes are set after owners, so setuid/setgid
 * bits survive; directory modes and times are set at the end. Directories
 * implied by a deeper name but not in the archive get mode 0755. Device nodes
 * need CAP_MKNOD and are skipped without it; fifos are made. Extended
 * attributes: only security.capability and user.*, when the filesystem and
 * privileges allow. Sockets are skipped.
 *
 * Returns: 0; -EINVAL for a file that is not a tar archive (also an empty
 * file), a truncated or damaged archive, or a refused entry (absolute name,
 * ".." component, hard link target outside dest_dirfd); -ELOOP for an entry
 * whose path or hard link target goes through a symlink; -ENOTDIR when an
 * entry's parent is not a directory or dest_dirfd is not a directory;
 * -EISDIR when archive_fd is a directory; -ENOMEM; other -errno from reading
 * the archive or writing the tree (-ENOSPC, -EACCES, ...). On failure
 * dest_dirfd holds a partial tree that the caller removes.
 */
NSBOX_PUBLIC int nsbox_archive_extract(int archive_fd, int dest_dirfd, NsboxProgressFn progress,
                                       void *userdata, NsboxError **reterr);

/**
 * nsbox_rootfs_from_archive - the extracted rootfs of an archive, from the cache
 * @archive: path of the tar archive (a regular file)
 * @cache_dir: the cache directory (see nsbox_cache_dir()), created (mode 0700)
 *             if missing
 * @progress, @userdata: as for nsbox_archive_extract(); not called when the
 *                       cache already holds the archive
 * @ret_path: the cached rootfs directory, "<cache_dir>/rootfs/<sha256>/rootfs"
 *            (malloc'd)
 * @reterr: what was wrong; as for nsbox_archive_extract() the archive's path
 *          is left to the caller ("No such file or directory", "not a tar
 *          archive")
 *
 * The cache is keyed by the SHA-256 of the archive's contents (a record in
 * "<cache_dir>/rootfs/index/" spares rehashing an archive whose inode, size,
 * mtime and ctime are unchanged). Extraction happens once, into
 * "<cache_dir>/rootfs/<sha256>.tmp-XXXXXX", renamed to "<sha256>" when
 * complete, while holding flock(2) on "<cache_dir>/rootfs/<sha256>.lock", so
 * two callers never extract the same archive at once: the second waits and
 * then uses the first one's result. Temporary directories left by killed
 * extractions are removed by the next call (those of other archives too, when
 * their lock is free); a failed extraction removes its own, so no partial
 * entry remains. "<cache_dir>/rootfs" must be owned by the caller and not
 * writable by others. The result is meant to be used read-only (as an overlay
 * lower layer).
 *
 * Returns: 0; -ENOENT when the archive is missing, -EISDIR when it is a
 * directory, -EINVAL when it is not a regular file; -EPERM when the cache is
 * not private to the caller; -EAGAIN when the archive changed while it was
 * being read; the errors of nsbox_archive_extract(); other -errno (from
 * creating the cache, reading the archive).
 */
NSBOX_PUBLIC int nsbox_rootfs_from_archive(const char *archive, const char *cache_dir,
                                           NsboxProgressFn progress, void *userdata, char **ret_path,
                                           NsboxError **reterr);

/**
 * nsbox_rootfs_cache_gc - remove what killed extractions left in the cache
 * @cache_dir: the cache directory (see nsbox_cache_dir())
 * @reterr: what was wrong
 *
 * Removes every "<cache_dir>/rootfs/<sha256>.tmp-*" directory whose archive's
 * lock is free (a running extraction holds its lock, so it is left alone).
 * Complete entries are kept. Removal does not follow symlinks or cross mount
 * points.
 *
 * Returns: the number of directories removed (0 also when there is no cache);
 * -EINVAL for an empty cache_dir; -EPERM when "<cache_dir>/rootfs" is not
 * private to the caller; other -errno (the first removal that failed; the
 * others are still tried).
 */
NSBOX_PUBLIC int nsbox_rootfs_cache_gc(const char *cache_dir, NsboxError **reterr);

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
