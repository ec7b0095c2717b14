/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cgroup module against cgroupfs-shaped temporary trees: v2, v1 and
 * hybrid layouts, what each limit writes, removal, gc, and refusals that
 * leave nothing behind. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "basic/rm-rf.h"
#include "nsbox/internal.h"
#include "nsbox/nsbox.h"

static char tmpl[] = "/tmp/nsbox-test-cgroup-XXXXXX";
static char *root;

static void put(const char *rel, const char *content)
{
        char p[512];
        snprintf(p, sizeof(p), "%s/%s", root, rel);
        FILE *f = fopen(p, "we");
        assert_non_null(f);
        fputs(content, f);
        fclose(f);
}

static void mk(const char *rel)
{
        char p[512];
        snprintf(p, sizeof(p), "%s/%s", root, rel);
        assert_int_equal(mkdir(p, 0755), 0);
}

static bool exists(const char *rel)
{
        char p[512];
        snprintf(p, sizeof(p), "%s/%s", root, rel);
        return access(p, F_OK) == 0;
}

/* the file's content, newlines turned into '|' */
static char *get(const char *rel)
{
        static char buf[1024];
        char p[512];
        char *s = NULL;
        snprintf(p, sizeof(p), "%s/%s", root, rel);
        if (read_full_file_at(AT_FDCWD, p, &s, NULL) < 0)
                return NULL;
        snprintf(buf, sizeof(buf), "%s", s);
        free(s);
        for (char *c = buf; *c; c++)
                if (*c == '\n')
                        *c = '|';
        return buf;
}

static void expect_file(const char *rel, const char *want)
{
        const char *have = get(rel);
        if (!have || !streq(have, want))
                fail_msg("%s: have '%s', want '%s'", rel, have ? have : "(missing)", want);
}

static int setup(void **state)
{
        (void) state;
        strcpy(tmpl, "/tmp/nsbox-test-cgroup-XXXXXX");
        root = mkdtemp(tmpl);
        return root ? 0 : -1;
}

static int teardown(void **state)
{
        (void) state;
        return rm_rf_at(AT_FDCWD, root);
}

static void v2_tree(void)
{
        put("cgroup.controllers", "cpuset cpu io memory pids\n");
        put("cgroup.procs", "");
        put("cpuset.cpus.effective", "0-3\n");
        put("cpuset.mems.effective", "0\n");
}

static void v1_tree(void)
{
        static const char *const h[] = { "cpu,cpuacct", "cpuset", "memory", "pids", "blkio", "systemd" };
        for (size_t i = 0; i < ELEMENTSOF(h); i++) {
                char p[64];
                mk(h[i]);
                snprintf(p, sizeof(p), "%s/cgroup.procs", h[i]);
                put(p, "");
        }
        char p[512];
        snprintf(p, sizeof(p), "%s/cpu", root);
        assert_int_equal(symlink("cpu,cpuacct", p), 0);
        snprintf(p, sizeof(p), "%s/cpuacct", root);
        assert_int_equal(symlink("cpu,cpuacct", p), 0);
        put("cpuset/cpuset.cpus", "0-3\n");
        put("cpuset/cpuset.mems", "0\n");
        put("cpuset/cpuset.effective_cpus", "0-3\n");
        put("cpuset/cpuset.effective_mems", "0\n");
        put("memory/memory.memsw.limit_in_bytes", "9223372036854771712\n");
}

static NsboxResources all_limits(void)
{
        static NsboxThrottleDevice rd = { 254, 0, 1048576 }, wr = { 254, 0, 2097152 };
        NsboxResources r = { 0 };
        r.memory.has_limit = r.memory.has_reservation = r.memory.has_swap = true;
        r.memory.limit = 64 << 20;
        r.memory.reservation = 32 << 20;
        r.memory.swap = 128 << 20;
        r.cpu.has_shares = r.cpu.has_quota = r.cpu.has_period = true;
        r.cpu.shares = 1024;
        r.cpu.quota = 50000;
        r.cpu.period = 100000;
        r.cpu.cpus = (char *) "1-2";
        r.cpu.mems = (char *) "0";
        r.pids.has_limit = true;
        r.pids.limit = 64;
        r.block_io.has_weight = true;
        r.block_io.weight = 500;
        r.block_io.throttle_read_bps = &rd;
        r.block_io.n_throttle_read_bps = 1;
        r.block_io.throttle_write_bps = &wr;
        r.block_io.n_throttle_write_bps = 1;
        return r;
}

static void test_v2_every_option(void **state)
{
        (void) state;
        v2_tree();
        NsboxCgroupMode mode;
        assert_int_equal(nsbox_cgroup_detect(root, &mode), 0);
        assert_int_equal(mode, NSBOX_CGROUP_V2);

        NsboxResources res = all_limits();
        NsboxCgroup *cg = NULL;
        NsboxError *err = NULL;
        assert_int_equal(nsbox_cgroup_create(root, "/nsbox/box1", &res, 0, &cg, &err), 0);
        assert_null(err);
        assert_int_equal(nsbox_cgroup_mode(cg), NSBOX_CGROUP_V2);
        assert_string_equal(nsbox_cgroup_path(cg), "nsbox/box1");
        /* controllers enabled on the way down */
        expect_file("cgroup.subtree_control", "+cpuset +cpu +io +memory +pids");
        expect_file("nsbox/cgroup.subtree_control", "+cpuset +cpu +io +memory +pids");
        expect_file("nsbox/box1/memory.max", "67108864");
        expect_file("nsbox/box1/memory.low", "33554432");
        /* v2's swap is swap alone: 128 MiB memory+swap - 64 MiB memory */
        expect_file("nsbox/box1/memory.swap.max", "67108864");
        expect_file("nsbox/box1/cpu.max", "50000 100000");
        /* runc's conversion: 1 + (1024 - 2) * 9999 / 262142 */
        expect_file("nsbox/box1/cpu.weight", "39");
        expect_file("nsbox/box1/cpuset.cpus", "1-2");
        expect_file("nsbox/box1/cpuset.mems", "0");
        expect_file("nsbox/box1/pids.max", "64");
        /* 1 + (500 - 10) * 9999 / 990 */
        expect_file("nsbox/box1/io.weight", "default 4950");
        expect_file("nsbox/box1/io.max", "254:0 rbps=1048576254:0 wbps=2097152");
        /* a simulated tree cannot take clone3(CLONE_INTO_CGROUP) */
        assert_int_equal(nsbox_cgroup_clone_fd(cg), -EOPNOTSUPP);
        assert_int_equal(nsbox_cgroup_attach(cg, 4242, false, &err), 0);
        expect_file("nsbox/box1/cgroup.procs", "4242");

        assert_int_equal(nsbox_cgroup_destroy(cg, &err), 0);
        assert_false(exists("nsbox/box1"));
        assert_true(exists("nsbox")); /* the parent stays */
}

static void test_v2_unlimited_values(void **state)
{
        (void) state;
        v2_tree();
        NsboxResources res = { 0 };
        res.memory.has_limit = res.memory.has_swap = true;
        res.memory.limit = -1;
        res.memory.swap = -1;
        res.cpu.has_quota = true;
        res.cpu.quota = -1;
        res.pids.has_limit = true;
        res.pids.limit = 0;
        res.unified = (char *[]){ (char *) "memory.high", (char *) "1000000", NULL };
        NsboxCgroup *cg = NULL;
        assert_int_equal(nsbox_cgroup_create(root, "nsbox/u", &res, 0, &cg, NULL), 0);
        expect_file("nsbox/u/memory.max", "max");
        expect_file("nsbox/u/memory.swap.max", "max");
        expect_file("nsbox/u/cpu.max", "max 100000");
        expect_file("nsbox/u/pids.max", "max");
        expect_file("nsbox/u/memory.high", "1000000");
        assert_int_equal(nsbox_cgroup_destroy(cg, NULL), 0);
}

static void test_v1_every_option(void **state)
{
        (void) state;
        v1_tree();
        NsboxCgroupMode mode;
        assert_int_equal(nsbox_cgroup_detect(root, &mode), 0);
        assert_int_equal(mode, NSBOX_CGROUP_V1);

        NsboxResources res = all_limits();
        NsboxCgroup *cg = NULL;
        NsboxError *err = NULL;
        assert_int_equal(nsbox_cgroup_create(root, "nsbox/box1", &res, 0, &cg, &err), 0);
        assert_null(err);
        expect_file("memory/nsbox/box1/memory.limit_in_bytes", "67108864");
        expect_file("memory/nsbox/box1/memory.memsw.limit_in_bytes", "134217728");
        expect_file("memory/nsbox/box1/memory.soft_limit_in_bytes", "33554432");
        expect_file("cpu,cpuacct/nsbox/box1/cpu.shares", "1024");
        expect_file("cpu,cpuacct/nsbox/box1/cpu.cfs_period_us", "100000");
        expect_file("cpu,cpuacct/nsbox/box1/cpu.cfs_quota_us", "50000");
        /* the new parent got the root's cpus and mems; the cgroup its own */
        expect_file("cpuset/nsbox/cpuset.cpus", "0-3");
        expect_file("cpuset/nsbox/cpuset.mems", "0");
        expect_file("cpuset/nsbox/box1/cpuset.cpus", "1-2");
        expect_file("cpuset/nsbox/box1/cpuset.mems", "0");
        expect_file("pids/nsbox/box1/pids.max", "64");
        expect_file("blkio/nsbox/box1/blkio.weight", "500");
        expect_file("blkio/nsbox/box1/blkio.throttle.read_bps_device", "254:0 1048576");
        expect_file("blkio/nsbox/box1/blkio.throttle.write_bps_device", "254:0 2097152");
        /* every hierarchy, named ones too; symlinked ones once */
        assert_true(exists("systemd/nsbox/box1"));
        assert_int_equal(nsbox_cgroup_attach(cg, 4242, false, &err), 0);
        expect_file("systemd/nsbox/box1/cgroup.procs", "4242");
        expect_file("cpu,cpuacct/nsbox/box1/cgroup.procs", "4242");

        assert_int_equal(nsbox_cgroup_destroy(cg, &err), 0);
        static const char *const h[] = { "cpu,cpuacct", "cpuset", "memory", "pids", "blkio", "systemd" };
        for (size_t i = 0; i < ELEMENTSOF(h); i++) {
                char p[64];
                snprintf(p, sizeof(p), "%s/nsbox/box1", h[i]);
                assert_false(exists(p));
                snprintf(p, sizeof(p), "%s/nsbox", h[i]);
                assert_true(exists(p));
        }
}

static void test_hybrid(void **state)
{
        (void) state;
        v1_tree();
        mk("unified");
        put("unified/cgroup.controllers", "hugetlb\n");
        put("unified/cgroup.procs", "");
        NsboxCgroupMode mode;
        assert_int_equal(nsbox_cgroup_detect(root, &mode), 0);
        assert_int_equal(mode, NSBOX_CGROUP_HYBRID);
        NsboxResources res = { 0 };
        res.memory.has_limit = true;
        res.memory.limit = 1 << 30;
        NsboxCgroup *cg = NULL;
        assert_int_equal(nsbox_cgroup_create(root, "nsbox/h", &res, 0, &cg, NULL), 0);
        /* limits on v1; the cgroup2 tree joined at the same path */
        expect_file("memory/nsbox/h/memory.limit_in_bytes", "1073741824");
        assert_true(exists("unified/nsbox/h"));
        assert_false(exists("unified/nsbox/h/memory.max"));
        /* a simulated tree is no kernel's: the container's process cannot
         * join it itself, the parent writes its pid everywhere */
        assert_true(nsbox_cgroup_others_need_attach(cg, false));
        assert_int_equal(nsbox_cgroup_join_self(cg, NULL), 0);
        assert_false(exists("memory/nsbox/h/tasks"));
        assert_int_equal(nsbox_cgroup_attach_others(cg, 77, false, NULL), 0);
        expect_file("unified/nsbox/h/cgroup.procs", "77");
        expect_file("memory/nsbox/h/cgroup.procs", "77");
        assert_int_equal(nsbox_cgroup_destroy(cg, NULL), 0);
        assert_false(exists("unified/nsbox/h"));
        assert_false(exists("memory/nsbox/h"));
}

static void test_refusals_create_nothing(void **state)
{
        (void) state;
        v1_tree();
        NsboxError *err = NULL;
        NsboxCgroup *cg = NULL;
        NsboxResources res = { 0 };

        res.cpu.cpus = (char *) "99";
        assert_int_equal(nsbox_cgroup_create(root, "nsbox/x", &res, 0, &cg, &err), -EINVAL);
        assert_non_null(strstr(err->message, "cpuset.cpus '99': 99 is not available (the host has 0-3)"));
        nsbox_error_free(err);
        err = NULL;
        res.cpu.cpus = (char *) "1-";
        assert_int_equal(nsbox_cgroup_create(root, "nsbox/x", &res, 0, &cg, &err), -EINVAL);
        nsbox_error_free(err);
        err = NULL;
        res.cpu.cpus = NULL;

        static const char *const bad_paths[] = { "nsbox/../x", "..", "nsbox/./x", "", "/", NULL };
        for (size_t i = 0; bad_paths[i]; i++) {
                assert_int_equal(nsbox_cgroup_create(root, bad_paths[i], &res, 0, &cg, &err), -EINVAL);
                nsbox_error_free(err);
                err = NULL;
        }
        res.cpu.has_quota = true;
        res.cpu.quota = 10;
        assert_int_equal(nsbox_cgroup_create(root, "nsbox/x", &res, 0, &cg, &err), -EINVAL);
        nsbox_error_free(err);
        err = NULL;
        res.cpu.has_quota = false;

        /* no io/rdma on v1; unified needs v2 */
        res.unified = (char *[]){ (char *) "memory.high", (char *) "1", NULL };
        assert_int_equal(nsbox_cgroup_create(root, "nsbox/x", &res, 0, &cg, &err), -EOPNOTSUPP);
        assert_non_null(strstr(err->message, "needs cgroup v2"));
        nsbox_error_free(err);
        err = NULL;
        res.unified = NULL;

        /* nothing was made in any hierarchy, not even the parent */
        static const char *const h[] = { "cpu,cpuacct", "cpuset", "memory", "pids", "blkio", "systemd" };
        for (size_t i = 0; i < ELEMENTSOF(h); i++) {
                char p[64];
                snprintf(p, sizeof(p), "%s/nsbox", h[i]);
                assert_false(exists(p));
        }
}

static void test_missing_controller(void **state)
{
        (void) state;
        put("cgroup.controllers", "memory\n");
        put("cgroup.procs", "");
        NsboxResources res = { 0 };
        res.pids.has_limit = true;
        res.pids.limit = 10;
        res.memory.has_limit = true;
        res.memory.limit = 1 << 20;
        NsboxCgroup *cg = NULL;
        NsboxError *err = NULL;
        assert_int_equal(nsbox_cgroup_create(root, "nsbox/m", &res, 0, &cg, &err), -EOPNOTSUPP);
        assert_string_equal(err->message,
                            "cgroup: pids limit: the pids controller is not available on this host");
        nsbox_error_free(err);
        assert_false(exists("nsbox"));

        assert_int_equal(nsbox_cgroup_create(root, "nsbox/m", &res, NSBOX_CGROUP_BEST_EFFORT, &cg, NULL), 0);
        const char *const *sk = nsbox_cgroup_skipped(cg);
        assert_non_null(sk[0]);
        assert_non_null(strstr(sk[0], "pids"));
        assert_null(sk[1]);
        expect_file("nsbox/m/memory.max", "1048576");
        assert_false(exists("nsbox/m/pids.max"));
        expect_file("nsbox/cgroup.subtree_control", "+memory");
        assert_int_equal(nsbox_cgroup_destroy(cg, NULL), 0);
}

static void test_gc_removes_only_dead(void **state)
{
        (void) state;
        v1_tree();
        NsboxCgroup *alive = NULL, *dead = NULL;
        assert_int_equal(nsbox_cgroup_create(root, "nsbox/alive", NULL, 0, &alive, NULL), 0);
        assert_int_equal(nsbox_cgroup_create(root, "nsbox/dead", NULL, 0, &dead, NULL), 0);
        /* an owner that died: its lock goes, its directories stay */
        nsbox_cgroup_free(dead);
        /* one that died half-way through creating: not in the first hierarchy */
        mk("memory/nsbox/half");
        assert_int_equal(nsbox_cgroup_gc(root, "nsbox", true, NULL), 2);
        assert_false(exists("memory/nsbox/dead"));
        assert_false(exists("blkio/nsbox/dead"));
        assert_false(exists("memory/nsbox/half"));
        assert_true(exists("memory/nsbox/alive"));
        assert_true(exists("blkio/nsbox/alive"));
        assert_int_equal(nsbox_cgroup_gc(root, "nsbox", true, NULL), 0);

        /* the same name again while the owner lives is refused */
        NsboxError *err = NULL;
        NsboxCgroup *again = NULL;
        assert_int_equal(nsbox_cgroup_create(root, "nsbox/alive", NULL, 0, &again, &err), -EEXIST);
        assert_non_null(strstr(err->message, "already exists"));
        nsbox_error_free(err);
        err = NULL;
        assert_true(exists("memory/nsbox/alive"));

        /* a new container of a dead one's name: the leftover goes first */
        assert_int_equal(nsbox_cgroup_create(root, "nsbox/x", NULL, 0, &dead, NULL), 0);
        nsbox_cgroup_free(dead);
        assert_int_equal(nsbox_cgroup_create(root, "nsbox/x", NULL, 0, &dead, NULL), 0);
        assert_int_equal(nsbox_cgroup_destroy(dead, NULL), 0);
        assert_int_equal(nsbox_cgroup_destroy(alive, NULL), 0);
        assert_int_equal(nsbox_cgroup_gc(root, "nsbox/../x", true, &err), -EINVAL);
        nsbox_error_free(err);
}

static void test_stats_v1(void **state)
{
        (void) state;
        v1_tree();
        NsboxCgroup *cg = NULL;
        assert_int_equal(nsbox_cgroup_create(root, "nsbox/s", NULL, 0, &cg, NULL), 0);
        put("cpu,cpuacct/nsbox/s/cpuacct.usage", "1500000000\n");
        put("memory/nsbox/s/memory.usage_in_bytes", "1000\n");
        put("memory/nsbox/s/memory.max_usage_in_bytes", "67108864\n");
        put("memory/nsbox/s/memory.limit_in_bytes", "67108864\n");
        put("memory/nsbox/s/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n");
        put("pids/nsbox/s/pids.current", "2\n");
        put("pids/nsbox/s/pids.peak", "64\n");
        put("pids/nsbox/s/pids.max", "max\n");
        NsboxCgroupStats st;
        assert_int_equal(nsbox_cgroup_stats(cg, &st), 0);
        assert_true(st.has_cpu && st.has_memory && st.has_pids);
        assert_int_equal(st.cpu_usage_ns, 1500000000);
        assert_int_equal(st.memory_peak, 67108864);
        assert_int_equal(st.memory_limit, 67108864);
        assert_int_equal(st.oom_kills, 3);
        assert_int_equal(st.pids_current, 2);
        assert_int_equal(st.pids_peak, 64);
        assert_int_equal(st.pids_limit, 0);
        /* by path, as `nsbox stats` does */
        NsboxCgroup *o = NULL;
        assert_int_equal(nsbox_cgroup_open(root, "nsbox/s", &o, NULL), 0);
        assert_int_equal(nsbox_cgroup_stats(o, &st), 0);
        assert_int_equal(st.oom_kills, 3);
        nsbox_cgroup_free(o);
        assert_int_equal(nsbox_cgroup_open(root, "nsbox/none", &o, NULL), -ENOENT);
        assert_int_equal(nsbox_cgroup_destroy(cg, NULL), 0);
}

static void test_stats_v2(void **state)
{
        (void) state;
        v2_tree();
        NsboxCgroup *cg = NULL;
        assert_int_equal(nsbox_cgroup_create(root, "nsbox/s", NULL, 0, &cg, NULL), 0);
        put("nsbox/s/cpu.stat", "usage_usec 2500\nuser_usec 2000\n");
        put("nsbox/s/memory.current", "4096\n");
        put("nsbox/s/memory.peak", "8192\n");
        put("nsbox/s/memory.max", "max\n");
        put("nsbox/s/memory.events", "low 0\nhigh 0\nmax 5\noom 1\noom_kill 1\n");
        NsboxCgroupStats st;
        assert_int_equal(nsbox_cgroup_stats(cg, &st), 0);
        assert_true(st.has_cpu && st.has_memory);
        assert_false(st.has_pids);
        assert_int_equal(st.cpu_usage_ns, 2500000);
        assert_int_equal(st.memory_peak, 8192);
        assert_int_equal(st.memory_limit, 0);
        assert_int_equal(st.oom_kills, 1);
        assert_int_equal(nsbox_cgroup_destroy(cg, NULL), 0);
}

static void test_conversions(void **state)
{
        (void) state;
        assert_int_equal(nsbox_cgroup_shares_to_weight(2), 1);
        assert_int_equal(nsbox_cgroup_shares_to_weight(1024), 39);
        assert_int_equal(nsbox_cgroup_shares_to_weight(262144), 10000);
        for (uint64_t w = 1; w <= 10000; w++) {
                uint64_t s = nsbox_cgroup_weight_to_shares(w);
                assert_int_equal(nsbox_cgroup_shares_to_weight(s), w);
                if (s > 2)
                        assert_true(nsbox_cgroup_shares_to_weight(s - 1) < w);
        }
        assert_int_equal(nsbox_cgroup_blkio_to_io_weight(10), 1);
        assert_int_equal(nsbox_cgroup_blkio_to_io_weight(1000), 10000);
        assert_int_equal(nsbox_cgroup_io_to_blkio_weight(100), 20);
        for (uint64_t w = 1; w <= 10000; w++)
                assert_true(nsbox_cgroup_blkio_to_io_weight(nsbox_cgroup_io_to_blkio_weight(w)) >= w);
}

static void test_cpuset_lists(void **state)
{
        (void) state;
        unsigned m = 0;
        assert_int_equal(nsbox_cgroup_parse_cpuset("0", NULL, NULL), 0);
        assert_int_equal(nsbox_cgroup_parse_cpuset("0-3,8,10-11", NULL, NULL), 0);
        assert_int_equal(nsbox_cgroup_parse_cpuset("", NULL, NULL), -EINVAL);
        assert_int_equal(nsbox_cgroup_parse_cpuset("3-1", NULL, NULL), -EINVAL);
        assert_int_equal(nsbox_cgroup_parse_cpuset("a", NULL, NULL), -EINVAL);
        assert_int_equal(nsbox_cgroup_parse_cpuset("1,", NULL, NULL), -EINVAL);
        assert_int_equal(nsbox_cgroup_parse_cpuset("-1", NULL, NULL), -EINVAL);
        assert_int_equal(nsbox_cgroup_parse_cpuset("4096", NULL, NULL), -EINVAL);
        assert_int_equal(nsbox_cgroup_parse_cpuset("0-1", "0-1", NULL), 0);
        assert_int_equal(nsbox_cgroup_parse_cpuset("1,5", "0-3", &m), -ERANGE);
        assert_int_equal(m, 5);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_v2_every_option, setup, teardown),
                cmocka_unit_test_setup_teardown(test_v2_unlimited_values, setup, teardown),
                cmocka_unit_test_setup_teardown(test_v1_every_option, setup, teardown),
                cmocka_unit_test_setup_teardown(test_hybrid, setup, teardown),
                cmocka_unit_test_setup_teardown(test_refusals_create_nothing, setup, teardown),
                cmocka_unit_test_setup_teardown(test_missing_controller, setup, teardown),
                cmocka_unit_test_setup_teardown(test_gc_removes_only_dead, setup, teardown),
                cmocka_unit_test_setup_teardown(test_stats_v1, setup, teardown),
                cmocka_unit_test_setup_teardown(test_stats_v2, setup, teardown),
                cmocka_unit_test(test_conversions),
                cmocka_unit_test(test_cpuset_lists),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
