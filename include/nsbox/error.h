/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <nsbox/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Errors in libnsbox.
 *
 * Every fallible function returns >= 0 on success or exactly -errno on failure,
 * so callers can compare with -ENOENT. Functions that take a trailing
 * `NsboxError **reterr` also describe the failure there: the root cause and the
 * context frames added on the way up, as one line, e.g.
 * "rootfs '/x': mount proc on /proc: Permission denied". reterr may be NULL.
 * The library never prints; the caller decides what to show.
 */
typedef struct NsboxError {
        int code;      /* positive errno of the root cause */
        char *message; /* context chain and cause, one line, no trailing newline */
} NsboxError;

/**
 * nsbox_error_set - record a failure with errno text
 * @reterr: where to store the error (may be NULL; an existing error is kept)
 * @errnum: the cause, positive or negative errno
 * @fmt: printf-style context, e.g. "rootfs '%s'"
 *
 * The message is "<context>: <strerror(errnum)>".
 * Returns: -abs(errnum), so callers can `return nsbox_error_set(...)`.
 */
NSBOX_PUBLIC int nsbox_error_set(NsboxError **reterr, int errnum, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/**
 * nsbox_error_set_message - record a failure whose text is not an errno text
 * @reterr: where to store the error (may be NULL)
 * @errnum: the errno that the function returns (positive or negative)
 * @fmt: printf-style complete message, e.g. "'x': not a tar archive"
 *
 * Returns: -abs(errnum).
 */
NSBOX_PUBLIC int nsbox_error_set_message(NsboxError **reterr, int errnum, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/**
 * nsbox_error_wrap - add a context frame in front of an existing error
 * @reterr: the error to extend (may be NULL)
 * @r: the negative errno being propagated
 * @fmt: printf-style context
 *
 * If *reterr is NULL a new error "<context>: <strerror(r)>" is made.
 * Returns: r, unchanged.
 */
NSBOX_PUBLIC int nsbox_error_wrap(NsboxError **reterr, int r, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/** nsbox_error_free - free an error; NULL is accepted. */
NSBOX_PUBLIC void nsbox_error_free(NsboxError *err);

#ifdef __cplusplus
}
#endif
