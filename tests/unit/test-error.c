/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The error chain of lib/nsbox/error.c: the return value is always exactly
 * -errno, the root cause's code and text are kept, and context frames are
 * put in front of the message, outermost first. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nsbox/error.h"

static void test_set_returns_negative_errno(void **state)
{
        NsboxError *e = NULL;

        assert_int_equal(nsbox_error_set(&e, ENOENT, "open '%s'", "/x"), -ENOENT);
        assert_non_null(e);
        assert_int_equal(e->code, ENOENT);
        nsbox_error_free(e);

        /* a negative errnum is taken as well, and the result is still -errno */
        e = NULL;
        assert_int_equal(nsbox_error_set(&e, -EACCES, "mount proc"), -EACCES);
        assert_int_equal(e->code, EACCES);
        nsbox_error_free(e);
}

static void test_set_message_text(void **state)
{
        NsboxError *e = NULL;
        char want[256];

        nsbox_error_set(&e, EPERM, "rootfs '%s': mount %s on %s", "/r", "proc", "/proc");
        snprintf(want, sizeof(want), "rootfs '/r': mount proc on /proc: %s", strerror(EPERM));
        assert_string_equal(e->message, want);
        /* one line, no trailing newline: callers print it as they like */
        assert_null(strchr(e->message, '\n'));
        nsbox_error_free(e);
}

static void test_set_zero_is_eio(void **state)
{
        NsboxError *e = NULL;

        /* a failure that lost its errno must still read as a failure */
        assert_int_equal(nsbox_error_set(&e, 0, "read state"), -EIO);
        assert_int_equal(e->code, EIO);
        nsbox_error_free(e);
}

static void test_set_null_reterr(void **state)
{
        /* reterr is optional: only the return value is produced */
        assert_int_equal(nsbox_error_set(NULL, ENOMEM, "x"), -ENOMEM);
        assert_int_equal(nsbox_error_set(NULL, -EBUSY, "x"), -EBUSY);
        assert_int_equal(nsbox_error_set_message(NULL, EINVAL, "bad %s", "thing"), -EINVAL);
        assert_int_equal(nsbox_error_wrap(NULL, -ENOENT, "ctx"), -ENOENT);
}

static void test_set_message_without_strerror(void **state)
{
        NsboxError *e = NULL;

        assert_int_equal(nsbox_error_set_message(&e, -EINVAL, "'%s': not a tar archive", "a.tar"), -EINVAL);
        assert_int_equal(e->code, EINVAL);
        assert_string_equal(e->message, "'a.tar': not a tar archive");
        nsbox_error_free(e);
}

static void test_first_error_kept(void **state)
{
        NsboxError *e = NULL;
        char want[256];

        /* the root cause is the first error; later ones (cleanup failing on the
         * way out) must not replace it, but still return their own code */
        nsbox_error_set(&e, ENOENT, "open config.json");
        assert_int_equal(nsbox_error_set(&e, EBUSY, "umount"), -EBUSY);
        assert_int_equal(nsbox_error_set_message(&e, EINVAL, "other"), -EINVAL);
        assert_int_equal(e->code, ENOENT);
        snprintf(want, sizeof(want), "open config.json: %s", strerror(ENOENT));
        assert_string_equal(e->message, want);
        nsbox_error_free(e);
}

static void test_wrap_chain(void **state)
{
        NsboxError *e = NULL;
        char want[256];

        int r = nsbox_error_set(&e, EACCES, "mount proc on %s", "/proc");
        assert_int_equal(nsbox_error_wrap(&e, r, "set up rootfs '%s'", "/x"), -EACCES);
        assert_int_equal(nsbox_error_wrap(&e, r, "start container %d", 7), -EACCES);
        snprintf(want, sizeof(want), "start container 7: set up rootfs '/x': mount proc on /proc: %s",
                 strerror(EACCES));
        assert_string_equal(e->message, want);
        /* wrapping adds context only: the code is the root cause's */
        assert_int_equal(e->code, EACCES);
        nsbox_error_free(e);
}

static void test_wrap_returns_r_unchanged(void **state)
{
        NsboxError *e = NULL;

        nsbox_error_set(&e, ENOENT, "a");
        /* the propagated value is returned as is, even when it differs from the cause */
        assert_int_equal(nsbox_error_wrap(&e, -ENOTDIR, "b"), -ENOTDIR);
        assert_int_equal(e->code, ENOENT);
        nsbox_error_free(e);
}

static void test_wrap_without_error_makes_one(void **state)
{
        NsboxError *e = NULL;
        char want[256];

        /* a callee that returned -errno without filling reterr still yields a message */
        assert_int_equal(nsbox_error_wrap(&e, -ENOSPC, "write '%s'", "f"), -ENOSPC);
        assert_non_null(e);
        assert_int_equal(e->code, ENOSPC);
        snprintf(want, sizeof(want), "write 'f': %s", strerror(ENOSPC));
        assert_string_equal(e->message, want);
        nsbox_error_free(e);
}

static void test_wrap_after_set_message(void **state)
{
        NsboxError *e = NULL;

        nsbox_error_set_message(&e, EINVAL, "line 3: bad value");
        nsbox_error_wrap(&e, -EINVAL, "config.json");
        assert_string_equal(e->message, "config.json: line 3: bad value");
        nsbox_error_free(e);
}

static void test_long_message(void **state)
{
        NsboxError *e = NULL;
        size_t n = 64 * 1024;
        char *big = malloc(n + 1);

        assert_non_null(big);
        memset(big, 'p', n);
        big[n] = 0;
        /* no fixed-size buffer: long paths survive whole */
        nsbox_error_set_message(&e, E2BIG, "%s", big);
        nsbox_error_wrap(&e, -E2BIG, "%s", big);
        assert_int_equal(strlen(e->message), 2 * n + 2);
        assert_memory_equal(e->message, big, n);
        assert_memory_equal(e->message + n, ": ", 2);
        free(big);
        nsbox_error_free(e);
}

static void test_free_null(void **state)
{
        nsbox_error_free(NULL);
}

int main(void)
{
        /* the comments also keep clang-format from packing the list in columns */
        const struct CMUnitTest tests[] = {
                /* nsbox_error_set, nsbox_error_set_message */
                cmocka_unit_test(test_set_returns_negative_errno),
                cmocka_unit_test(test_set_message_text),
                cmocka_unit_test(test_set_zero_is_eio),
                cmocka_unit_test(test_set_null_reterr),
                cmocka_unit_test(test_set_message_without_strerror),
                cmocka_unit_test(test_first_error_kept),
                /* nsbox_error_wrap */
                cmocka_unit_test(test_wrap_chain),
                cmocka_unit_test(test_wrap_returns_r_unchanged),
                cmocka_unit_test(test_wrap_without_error_makes_one),
                cmocka_unit_test(test_wrap_after_set_message),
                /* both, and nsbox_error_free */
                cmocka_unit_test(test_long_message),
                cmocka_unit_test(test_free_null),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
