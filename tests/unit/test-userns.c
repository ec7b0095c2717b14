/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lib/nsbox/userns.c: /etc/subuid parsing and the checks of --uidmap/--gidmap
 * that run before any process is started. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "nsbox/nsbox.h"

static char *write_tmp(const char *text)
{
        char *p = strdup("/tmp/nsbox-test-subid-XXXXXX");
        assert_non_null(p);
        int fd = mkstemp(p);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t) strlen(text));
        close(fd);
        return p;
}

static void test_subid_ranges(void **state)
{
        (void) state;
        char *p = write_tmp("alice:100000:65536\n"
                            "# not a comment in subuid(5), just a line of nobody's\n"
                            "bob:200000:65536\n"
                            "1001:300000:10\n"
                            "alice:400000:5\n"
                            "junk\n"
                            "carol:x:y\n");
        NsboxIdMapRange *v = NULL;
        size_t n = 0;
        /* by name and by number, every line in order */
        assert_int_equal(nsbox_subid_ranges(p, 1001, "alice", &v, &n), 3);
        assert_int_equal(n, 3);
        assert_int_equal(v[0].outer, 100000);
        assert_int_equal(v[0].count, 65536);
        assert_int_equal(v[1].outer, 300000);
        assert_int_equal(v[1].count, 10);
        assert_int_equal(v[2].outer, 400000);
        assert_int_equal(v[2].count, 5);
        assert_int_equal(v[0].inner, 0);
        free(v);
        /* nobody's lines: none; a malformed line of the user's own: -EINVAL */
        assert_int_equal(nsbox_subid_ranges(p, 4242, "dave", &v, &n), 0);
        assert_null(v);
        assert_int_equal(n, 0);
        assert_int_equal(nsbox_subid_ranges(p, 4242, "carol", &v, &n), -EINVAL);
        unlink(p);
        free(p);

        /* no file: no ranges */
        assert_int_equal(nsbox_subid_ranges("/nonexistent/subuid", 0, "root", &v, &n), 0);
        /* a count of 0 and a range past 2^32-1 are malformed */
        p = write_tmp("a:1:0\nb:4294967295:2\nc:1:99999999999\n");
        assert_int_equal(nsbox_subid_ranges(p, 9999, "a", &v, &n), -EINVAL);
        assert_int_equal(nsbox_subid_ranges(p, 9999, "b", &v, &n), -EINVAL);
        assert_int_equal(nsbox_subid_ranges(p, 9999, "c", &v, &n), -EINVAL);
        unlink(p);
        free(p);
}

static void test_idmap_check(void **state)
{
        (void) state;
        const NsboxIdMapRange sub[] = { { 0, 100000, 65536 } };
        NsboxError *err = NULL;

        const NsboxIdMapRange ok[] = { { 0, 1000, 1 }, { 1, 100000, 65536 } };
        assert_int_equal(nsbox_idmap_check("uidmap", ok, 2, 1000, sub, 1, NULL), 0);

        /* outside the subordinate range, by one id */
        const NsboxIdMapRange past[] = { { 0, 1000, 1 }, { 1, 100001, 65536 } };
        assert_int_equal(nsbox_idmap_check("uidmap", past, 2, 1000, sub, 1, &err), -EPERM);
        assert_non_null(strstr(err->message, "uidmap 1:100001:65536: host ids 100001-165536 are not yours"));
        nsbox_error_free(err);
        err = NULL;

        /* the own id, but with a count of 2 */
        const NsboxIdMapRange two[] = { { 0, 1000, 2 } };
        assert_int_equal(nsbox_idmap_check("uidmap", two, 1, 1000, sub, 1, NULL), -EPERM);
        /* without subordinate ids: only the own id */
        assert_int_equal(nsbox_idmap_check("gidmap", ok, 2, 1000, NULL, 0, &err), -EPERM);
        assert_non_null(strstr(err->message, "no subordinate ids in /etc/subgid"));
        nsbox_error_free(err);
        err = NULL;

        /* overlaps, inside and on the host */
        const NsboxIdMapRange in[] = { { 0, 100000, 10 }, { 9, 100100, 10 } };
        assert_int_equal(nsbox_idmap_check("uidmap", in, 2, 1000, sub, 1, &err), -EINVAL);
        assert_non_null(strstr(err->message, "inside the container"));
        nsbox_error_free(err);
        err = NULL;
        const NsboxIdMapRange out[] = { { 0, 100000, 10 }, { 100, 100009, 10 } };
        assert_int_equal(nsbox_idmap_check("uidmap", out, 2, 1000, sub, 1, &err), -EINVAL);
        assert_non_null(strstr(err->message, "on the host"));
        nsbox_error_free(err);
        err = NULL;
        /* adjacent is fine */
        const NsboxIdMapRange adj[] = { { 0, 100000, 10 }, { 10, 100010, 10 } };
        assert_int_equal(nsbox_idmap_check("uidmap", adj, 2, 1000, sub, 1, NULL), 0);

        /* root (SIZE_MAX allowed): any host id, but still no overlap or wrap */
        const NsboxIdMapRange any[] = { { 0, 5, 1 } };
        assert_int_equal(nsbox_idmap_check("uidmap", any, 1, 0, NULL, SIZE_MAX, NULL), 0);
        const NsboxIdMapRange wrap[] = { { 4294967295u, 1, 2 } };
        assert_int_equal(nsbox_idmap_check("uidmap", wrap, 1, 0, NULL, SIZE_MAX, NULL), -EINVAL);
        assert_int_equal(nsbox_idmap_check("uidmap", any, 0, 0, NULL, SIZE_MAX, NULL), -EINVAL);
}

static void test_find_helper(void **state)
{
        (void) state;
        char *saved = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
        char *p = NULL;
        setenv("PATH", "/nonexistent:/also-not", 1);
        assert_int_equal(nsbox_idmap_find_helper("newuidmap", &p), -ENOENT);
        setenv("PATH", "/nonexistent:/bin", 1);
        assert_int_equal(nsbox_idmap_find_helper("sh", &p), 0);
        assert_string_equal(p, "/bin/sh");
        free(p);
        if (saved) {
                setenv("PATH", saved, 1);
                free(saved);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_subid_ranges),
                cmocka_unit_test(test_idmap_check),
                cmocka_unit_test(test_find_helper),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
