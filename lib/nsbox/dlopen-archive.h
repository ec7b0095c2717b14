/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libarchive and libcrypto are loaded with dlopen(3) when an archive is first
 * read or hashed, not linked: together with what they pull in (libxml2, ICU,
 * libstdc++, nettle, ...) they cost every nsbox process about 6 ms of dynamic
 * loading on a machine where the whole container start can take 3 ms, and
 * only `nsbox run --rootfs ARCHIVE` needs them (systemd loads its optional
 * libraries the same way). Include this header instead of <archive.h>,
 * <archive_entry.h> and <openssl/evp.h>: the library functions become calls
 * through pointers that nsbox_dlopen_archive() fills in.
 */
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include "nsbox/error.h"

/* every symbol nsbox uses from the two libraries */
#define NSBOX_ARCHIVE_SYMBOLS(X)                \
        X(archive_entry_atime)                  \
        X(archive_entry_atime_is_set)           \
        X(archive_entry_atime_nsec)             \
        X(archive_entry_filetype)               \
        X(archive_entry_gid)                    \
        X(archive_entry_hardlink)               \
        X(archive_entry_hardlink_utf8)          \
        X(archive_entry_mtime)                  \
        X(archive_entry_mtime_is_set)           \
        X(archive_entry_mtime_nsec)             \
        X(archive_entry_pathname)               \
        X(archive_entry_pathname_utf8)          \
        X(archive_entry_perm)                   \
        X(archive_entry_rdev)                   \
        X(archive_entry_size)                   \
        X(archive_entry_size_is_set)            \
        X(archive_entry_symlink)                \
        X(archive_entry_symlink_utf8)           \
        X(archive_entry_uid)                    \
        X(archive_entry_xattr_next)             \
        X(archive_entry_xattr_reset)            \
        X(archive_errno)                        \
        X(archive_error_string)                 \
        X(archive_filter_bytes)                 \
        X(archive_read_data_block)              \
        X(archive_read_free)                    \
        X(archive_read_new)                     \
        X(archive_read_next_header)             \
        X(archive_read_open_fd)                 \
        X(archive_read_support_filter_all)      \
        X(archive_read_support_filter_bzip2)    \
        X(archive_read_support_filter_compress) \
        X(archive_read_support_filter_gzip)     \
        X(archive_read_support_filter_lz4)      \
        X(archive_read_support_filter_lzip)     \
        X(archive_read_support_filter_lzma)     \
        X(archive_read_support_filter_xz)       \
        X(archive_read_support_filter_zstd)     \
        X(archive_read_support_format_tar)
#define NSBOX_CRYPTO_SYMBOLS(X) \
        X(EVP_DigestFinal_ex)   \
        X(EVP_DigestInit_ex)    \
        X(EVP_DigestUpdate)     \
        X(EVP_MD_CTX_free)      \
        X(EVP_MD_CTX_new)       \
        X(EVP_sha256)

#define NSBOX_DL_DECLARE(f) extern __typeof__(f) *nsbox_dl_##f;
NSBOX_ARCHIVE_SYMBOLS(NSBOX_DL_DECLARE)
NSBOX_CRYPTO_SYMBOLS(NSBOX_DL_DECLARE)

/* Loads libarchive and libcrypto once per process (thread-safe) and resolves
 * every symbol above. Returns 0, or -ELIBACC when a library or symbol is
 * missing, with the loader's message in *reterr. */
int nsbox_dlopen_archive(NsboxError **reterr);

/* From here on, the names call through the pointers. */
#ifndef NSBOX_DL_NO_REDIRECT
/* clang-format off */
#define archive_entry_atime nsbox_dl_archive_entry_atime
#define archive_entry_atime_is_set nsbox_dl_archive_entry_atime_is_set
#define archive_entry_atime_nsec nsbox_dl_archive_entry_atime_nsec
#define archive_entry_filetype nsbox_dl_archive_entry_filetype
#define archive_entry_gid nsbox_dl_archive_entry_gid
#define archive_entry_hardlink nsbox_dl_archive_entry_hardlink
#define archive_entry_hardlink_utf8 nsbox_dl_archive_entry_hardlink_utf8
#define archive_entry_mtime nsbox_dl_archive_entry_mtime
#define archive_entry_mtime_is_set nsbox_dl_archive_entry_mtime_is_set
#define archive_entry_mtime_nsec nsbox_dl_archive_entry_mtime_nsec
#define archive_entry_pathname nsbox_dl_archive_entry_pathname
#define archive_entry_pathname_utf8 nsbox_dl_archive_entry_pathname_utf8
#define archive_entry_perm nsbox_dl_archive_entry_perm
#define archive_entry_rdev nsbox_dl_archive_entry_rdev
#define archive_entry_size nsbox_dl_archive_entry_size
#define archive_entry_size_is_set nsbox_dl_archive_entry_size_is_set
#define archive_entry_symlink nsbox_dl_archive_entry_symlink
#define archive_entry_symlink_utf8 nsbox_dl_archive_entry_symlink_utf8
#define archive_entry_uid nsbox_dl_archive_entry_uid
#define archive_entry_xattr_next nsbox_dl_archive_entry_xattr_next
#define archive_entry_xattr_reset nsbox_dl_archive_entry_xattr_reset
#define archive_errno nsbox_dl_archive_errno
#define archive_error_string nsbox_dl_archive_error_string
#define archive_filter_bytes nsbox_dl_archive_filter_bytes
#define archive_read_data_block nsbox_dl_archive_read_data_block
#define archive_read_free nsbox_dl_archive_read_free
#define archive_read_new nsbox_dl_archive_read_new
#define archive_read_next_header nsbox_dl_archive_read_next_header
#define archive_read_open_fd nsbox_dl_archive_read_open_fd
#define archive_read_support_filter_all nsbox_dl_archive_read_support_filter_all
#define archive_read_support_filter_bzip2 nsbox_dl_archive_read_support_filter_bzip2
#define archive_read_support_filter_compress nsbox_dl_archive_read_support_filter_compress
#define archive_read_support_filter_gzip nsbox_dl_archive_read_support_filter_gzip
#define archive_read_support_filter_lz4 nsbox_dl_archive_read_support_filter_lz4
#define archive_read_support_filter_lzip nsbox_dl_archive_read_support_filter_lzip
#define archive_read_support_filter_lzma nsbox_dl_archive_read_support_filter_lzma
#define archive_read_support_filter_xz nsbox_dl_archive_read_support_filter_xz
#define archive_read_support_filter_zstd nsbox_dl_archive_read_support_filter_zstd
#define archive_read_support_format_tar nsbox_dl_archive_read_support_format_tar
#define EVP_DigestFinal_ex nsbox_dl_EVP_DigestFinal_ex
#define EVP_DigestInit_ex nsbox_dl_EVP_DigestInit_ex
#define EVP_DigestUpdate nsbox_dl_EVP_DigestUpdate
#define EVP_MD_CTX_free nsbox_dl_EVP_MD_CTX_free
#define EVP_MD_CTX_new nsbox_dl_EVP_MD_CTX_new
#define EVP_sha256 nsbox_dl_EVP_sha256
/* clang-format on */
#endif
