/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lib/nsbox/user.c: --user and --group-add resolved in a rootfs's own
 * /etc/passwd and /etc/group, never through the host's NSS, and never
 * through a symlink out of the rootfs. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "nsbox/nsbox.h"

static char root[] = "/tmp/nsbox-test-user-XXXXXX";
static int rootfd = -1;

static void write_file(const char *rel, const char *content)
{
        char p[512];
        snprintf(p, sizeof(p), "%s/%s", root, rel);
        FILE *f = fopen(p, "we");
        assert_non_null(f);
        fputs(content, f);
        fclose(f);
}

static int setup(void **state)
{
        (void) state;
        if (!mkdtemp(root))
                return -1;
        char p[512];
        snprintf(p, sizeof(p), "%s/etc", root);
        mkdir(p, 0755);
        write_file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"
                                 "# a comment\n"
                                 "\n"
                                 "broken line without colons\n"
                                 "bad:x:notanumber:1::/:/bin/sh\n"
                                 "+nis\n"
                                 "alice:x:1000:1000:Alice:/home/alice:/bin/sh\n"
                                 "bob:x:1001:100::/home/bob:/bin/sh\n"
                                 "nohome:x:1002:1002:::/bin/sh\n"
                                 "nobody:x:65534:65534:nobody:/:/sbin/nologin");
        write_file("etc/group", "root:x:0:root\n"
                                "wheel:x:10:root,alice\n"
                                "users:x:100:\n"
                                "alice:x:1000:\n"
                                "devs:x:2000:bob,alice,carol\n"
                                "alicex:x:2001:alicexyz\n"
                                "nogroup:x:65533:\n"
                                "nobody:x:65534:");
        rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        return rootfd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
        (void) state;
        char cmd[600];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
        close(rootfd);
        return system(cmd) == 0 ? 0 : -1;
}

static bool has_group(const NsboxUser *u, gid_t g)
{
        for (size_t i = 0; i < u->n_groups; i++)
                if (u->groups[i] == g)
                        return true;
        return false;
}

static void test_name(void **state)
{
        NsboxUser u;
        assert_int_equal(nsbox_user_resolve(rootfd, "alice", NULL, &u, NULL), 0);
        assert_int_equal(u.uid, 1000);
        assert_int_equal(u.gid, 1000);
        assert_string_equal(u.name, "alice");
        assert_string_equal(u.home, "/home/alice");
        /* member of wheel and devs; not of alicex (whose member is alicexyz) */
        assert_int_equal(u.n_groups, 2);
        assert_true(has_group(&u, 10));
        assert_true(has_group(&u, 2000));
        nsbox_user_done(&u);
}

static void test_numeric(void **state)
{
        NsboxUser u;
        /* a uid with an entry takes its name, home and groups */
        assert_int_equal(nsbox_user_resolve(rootfd, "1001", NULL, &u, NULL), 0);
        assert_int_equal(u.uid, 1001);
        assert_int_equal(u.gid, 100);
        assert_string_equal(u.home, "/home/bob");
        assert_int_equal(u.n_groups, 1);
        assert_true(has_group(&u, 2000));
        nsbox_user_done(&u);

        /* without an entry: gid 0 (docker), home /, no groups */
        assert_int_equal(nsbox_user_resolve(rootfd, "4242", NULL, &u, NULL), 0);
        assert_int_equal(u.uid, 4242);
        assert_int_equal(u.gid, 0);
        assert_null(u.name);
        assert_string_equal(u.home, "/");
        assert_int_equal(u.n_groups, 0);
        nsbox_user_done(&u);

        assert_int_equal(nsbox_user_resolve(rootfd, "1000:1000", NULL, &u, NULL), 0);
        assert_int_equal(u.uid, 1000);
        assert_int_equal(u.gid, 1000);
        nsbox_user_done(&u);

        /* an empty home field becomes / */
        assert_int_equal(nsbox_user_resolve(rootfd, "nohome", NULL, &u, NULL), 0);
        assert_string_equal(u.home, "/");
        nsbox_user_done(&u);
}

static void test_default_root(void **state)
{
        NsboxUser u;
        assert_int_equal(nsbox_user_resolve(rootfd, NULL, NULL, &u, NULL), 0);
        assert_int_equal(u.uid, 0);
        assert_int_equal(u.gid, 0);
        assert_string_equal(u.home, "/root");
        assert_int_equal(u.n_groups, 2); /* root, wheel */
        nsbox_user_done(&u);

        /* no rootfs to read: numbers only, root's home is /root */
        assert_int_equal(nsbox_user_resolve(-EBADF, NULL, NULL, &u, NULL), 0);
        assert_string_equal(u.home, "/root");
        nsbox_user_done(&u);
        NsboxError *err = NULL;
        assert_int_equal(nsbox_user_resolve(-EBADF, "alice", NULL, &u, &err), -ENOENT);
        assert_non_null(strstr(err->message, "has no /etc/passwd"));
        nsbox_error_free(err);
}

static void test_groups(void **state)
{
        NsboxUser u;
        const char *extra[] = { "users", "2000", "4000", "wheel", NULL };
        assert_int_equal(nsbox_user_resolve(rootfd, "alice:devs", extra, &u, NULL), 0);
        assert_int_equal(u.gid, 2000);
        /* wheel, devs, then users and 4000; duplicates dropped */
        assert_int_equal(u.n_groups, 4);
        assert_true(has_group(&u, 100));
        assert_true(has_group(&u, 4000));
        nsbox_user_done(&u);

        assert_int_equal(nsbox_user_resolve(rootfd, "1000:nobody", NULL, &u, NULL), 0);
        assert_int_equal(u.gid, 65534);
        nsbox_user_done(&u);
}

static void bad(const char *user, const char *const *extra, int want, const char *msg)
{
        NsboxUser u = { .uid = 7 };
        NsboxError *err = NULL;
        int r = nsbox_user_resolve(rootfd, user, extra, &u, &err);
        if (r != want)
                print_message("# %s: got %d\n", user, r);
        assert_int_equal(r, want);
        assert_non_null(err);
        if (!strstr(err->message, msg))
                print_message("# %s: message '%s'\n", user, err->message);
        assert_non_null(strstr(err->message, msg));
        nsbox_error_free(err);
}

static void test_errors(void **state)
{
        const char *unknown_group[] = { "nosuchgroup", NULL };
        bad("nosuchuser", NULL, -ESRCH, "no such user in the rootfs's /etc/passwd");
        bad("alice:nosuchgroup", NULL, -ESRCH, "no such group in the rootfs's /etc/group");
        bad("alice", unknown_group, -ESRCH, "group 'nosuchgroup'");
        bad("", NULL, -EINVAL, "expected UID[:GID]");
        bad(":1000", NULL, -EINVAL, "expected UID[:GID]");
        bad("1000:", NULL, -EINVAL, "expected UID[:GID]");
        bad("1:2:3", NULL, -EINVAL, "expected UID[:GID]");
        bad("4294967295", NULL, -EINVAL, "out of range");
        bad("99999999999", NULL, -EINVAL, "out of range");
        bad("1000:4294967295", NULL, -EINVAL, "not a valid group id");
        /* a line that failed to parse is no user */
        bad("bad", NULL, -ESRCH, "no such user");
        bad("+nis", NULL, -ESRCH, "no such user");
}

/* /etc/passwd a symlink to the host's: resolved inside the rootfs, so it
 * does not reach the host's file. */
static void test_symlink_stays_inside(void **state)
{
        char d[] = "/tmp/nsbox-test-user2-XXXXXX", p[600], t[600];
        assert_non_null(mkdtemp(d));
        snprintf(p, sizeof(p), "%s/etc", d);
        assert_int_equal(mkdir(p, 0755), 0);
        snprintf(p, sizeof(p), "%s/etc/passwd", d);
        assert_int_equal(symlink("/../../../../etc/passwd-host", p), 0);
        snprintf(p, sizeof(p), "%s/etc/passwd-host", d);
        FILE *f = fopen(p, "we");
        assert_non_null(f);
        fputs("inside:x:77:77::/in:/bin/sh\n", f);
        fclose(f);
        int fd = open(d, O_PATH | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);

        NsboxUser u;
        assert_int_equal(nsbox_user_resolve(fd, "inside", NULL, &u, NULL), 0);
        assert_int_equal(u.uid, 77);
        nsbox_user_done(&u);
        /* the host's root entry is not what answers: there is no root inside */
        assert_int_equal(nsbox_user_resolve(fd, "root", NULL, &u, NULL), -ESRCH);

        /* a fifo as /etc/group does not hang the lookup */
        snprintf(p, sizeof(p), "%s/etc/group", d);
        assert_int_equal(mkfifo(p, 0644), 0);
        assert_int_equal(nsbox_user_resolve(fd, "inside", NULL, &u, NULL), -EBADFD);
        close(fd);
        snprintf(t, sizeof(t), "rm -rf '%s'", d);
        assert_int_equal(system(t), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_name),         cmocka_unit_test(test_numeric),
                cmocka_unit_test(test_default_root), cmocka_unit_test(test_groups),
                cmocka_unit_test(test_errors),       cmocka_unit_test(test_symlink_stays_inside),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
