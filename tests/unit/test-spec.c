/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The in-memory spec and its config.json form (runtime-spec config.md). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <linux/capability.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "basic/macro.h"
#include "basic/sha256.h"
#include "nsbox/nsbox.h"

static NsboxSpec *sample(void)
{
        NsboxSpec *s = nsbox_spec_new();
        assert_non_null(s);
        const char *args[] = { "/bin/sh", "-c", "echo hi", NULL };
        const char *env[] = { "PATH=/bin", "HOME=/root", NULL };
        s->process.args = calloc(4, sizeof(char *));
        s->process.env = calloc(3, sizeof(char *));
        for (int i = 0; args[i]; i++)
                s->process.args[i] = strdup(args[i]);
        for (int i = 0; env[i]; i++)
                s->process.env[i] = strdup(env[i]);
        s->process.cwd = strdup("/work");
        s->process.uid = 1000;
        s->process.gid = 100;
        s->process.no_new_privileges = true;
        s->process.cap_bounding = s->process.cap_effective = s->process.cap_permitted =
                nsbox_cap_default_set();
        s->root.path = strdup("/var/lib/rootfs");
        s->root.readonly = true;
        s->hostname = strdup("box");
        s->linux_cfg.namespaces[NSBOX_NS_PID] = true;
        s->linux_cfg.namespaces[NSBOX_NS_MNT] = true;
        s->linux_cfg.namespaces[NSBOX_NS_NET] = true;
        s->linux_cfg.namespace_paths[NSBOX_NS_NET] = strdup("/run/netns/x");
        assert_int_equal(nsbox_spec_add_default_mounts(s), 0);
        assert_int_equal(nsbox_spec_add_file(s, "/etc/hostname", "box\n", 0644), 0);
        s->ext.root_overlay = true;
        return s;
}

static void test_roundtrip(void **state)
{
        (void) state;
        NsboxSpec *s = sample();
        _cleanup_free_ char *json = NULL, *json2 = NULL;
        assert_int_equal(nsbox_spec_to_json(s, &json), 0);

        NsboxSpec *t = NULL;
        NsboxError *err = NULL;
        assert_int_equal(nsbox_spec_from_json(json, &t, &err), 0);
        assert_null(err);
        assert_string_equal(t->process.args[2], "echo hi");
        assert_string_equal(t->process.env[1], "HOME=/root");
        assert_string_equal(t->process.cwd, "/work");
        assert_int_equal(t->process.uid, 1000);
        assert_int_equal(t->process.gid, 100);
        assert_true(t->process.no_new_privileges);
        assert_int_equal(t->process.cap_bounding, nsbox_cap_default_set());
        assert_int_equal(t->process.cap_inheritable, 0);
        assert_string_equal(t->root.path, "/var/lib/rootfs");
        assert_true(t->root.readonly);
        assert_string_equal(t->hostname, "box");
        assert_true(t->linux_cfg.namespaces[NSBOX_NS_PID]);
        assert_false(t->linux_cfg.namespaces[NSBOX_NS_USER]);
        assert_string_equal(t->linux_cfg.namespace_paths[NSBOX_NS_NET], "/run/netns/x");
        assert_int_equal(t->n_mounts, s->n_mounts);
        assert_string_equal(t->mounts[2].destination, "/dev/pts");
        assert_string_equal(t->mounts[2].options[2], "newinstance");
        assert_true(t->ext.root_overlay);
        assert_int_equal(t->ext.n_files, 1);
        assert_string_equal(t->ext.files[0].content, "box\n");

        /* serializing the parsed spec gives the same text */
        assert_int_equal(nsbox_spec_to_json(t, &json2), 0);
        assert_string_equal(json, json2);
        nsbox_spec_free(s);
        nsbox_spec_free(t);
}

static void test_json_names(void **state)
{
        (void) state;
        NsboxSpec *s = sample();
        _cleanup_free_ char *json = NULL;
        assert_int_equal(nsbox_spec_to_json(s, &json), 0);
        /* runtime-spec spellings */
        assert_non_null(strstr(json, "\"ociVersion\": \"1.2.0\""));
        assert_non_null(strstr(json, "\"CAP_NET_BIND_SERVICE\""));
        assert_null(strstr(json, "\"CAP_SYS_ADMIN\""));
        assert_non_null(strstr(json, "\"type\": \"network\""));
        assert_non_null(strstr(json, "\"type\": \"mount\""));
        assert_non_null(strstr(json, "\"noNewPrivileges\": true"));
        nsbox_spec_free(s);
}

static void expect_error(const char *json, const char *needle)
{
        NsboxSpec *t = NULL;
        NsboxError *err = NULL;
        assert_int_equal(nsbox_spec_from_json(json, &t, &err), -EINVAL);
        assert_null(t);
        assert_non_null(err);
        assert_int_equal(err->code, EINVAL);
        if (!strstr(err->message, needle))
                fail_msg("message '%s' lacks '%s'", err->message, needle);
        nsbox_error_free(err);
}

static void test_bad_json(void **state)
{
        (void) state;
        expect_error("{", "config.json: line 1");
        expect_error("[]", "expected an object");
        expect_error("{\"process\": {\"args\": \"sh\"}}", "process.args: expected an array of strings");
        expect_error("{\"process\": {\"args\": [1]}}", "process.args");
        expect_error("{\"process\": {\"cwd\": \"relative\"}}", "process.cwd: must be an absolute path");
        expect_error("{\"process\": {\"user\": {\"uid\": -1}}}", "process.user.uid");
        expect_error("{\"process\": {\"user\": {\"uid\": 4294967296}}}", "process.user.uid");
        expect_error("{\"process\": {\"capabilities\": {\"bounding\": [\"CAP_NOPE\"]}}}",
                     "unknown capability CAP_NOPE");
        expect_error("{\"linux\": {\"namespaces\": [{\"type\": \"nope\"}]}}", "unknown type nope");
        expect_error("{\"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"pid\"}]}}",
                     "given twice");
        expect_error("{\"mounts\": [{\"destination\": \"relative\"}]}", "mounts");
        expect_error("{\"root\": {\"path\": 3}}", "root.path");
        expect_error("{\"linux\": {\"rootfsPropagation\": \"sideways\"}}", "unknown propagation");
        expect_error("{\"hostname\": \"a\", \"hostname\": \"b\"}", "duplicate");
}

/* process.terminal, process.consoleSize and the org.nsbox.init annotation
 * (nsbox run -t and --init) survive the round trip; bad sizes are refused. */
static void test_terminal_and_init(void **state)
{
        (void) state;
        NsboxSpec *s = sample();
        s->process.terminal = true;
        s->process.console_height = 33;
        s->process.console_width = 101;
        s->ext.init = true;
        _cleanup_free_ char *json = NULL;
        assert_int_equal(nsbox_spec_to_json(s, &json), 0);
        assert_non_null(strstr(json, "\"consoleSize\""));
        assert_non_null(strstr(json, "\"org.nsbox.init\": \"true\""));
        NsboxSpec *t = NULL;
        assert_int_equal(nsbox_spec_from_json(json, &t, NULL), 0);
        assert_true(t->process.terminal);
        assert_int_equal(t->process.console_height, 33);
        assert_int_equal(t->process.console_width, 101);
        assert_true(t->ext.init);
        nsbox_spec_free(s);
        nsbox_spec_free(t);

        /* without them: no consoleSize, no annotation */
        s = sample();
        s->ext.root_overlay = false;
        _cleanup_free_ char *plain = NULL;
        assert_int_equal(nsbox_spec_to_json(s, &plain), 0);
        assert_null(strstr(plain, "consoleSize"));
        assert_null(strstr(plain, "org.nsbox.init"));
        nsbox_spec_free(s);

        expect_error("{\"process\": {\"consoleSize\": 3}}", "process.consoleSize: expected an object");
        expect_error("{\"process\": {\"consoleSize\": {\"height\": 1}}}", "process.consoleSize.width");
        expect_error("{\"process\": {\"consoleSize\": {\"height\": 70000, \"width\": 1}}}", "below 65536");
}

/* linux.cgroupsPath and linux.resources in runtime-spec config-linux.md's
 * spelling, both ways */
static void test_resources(void **state)
{
        (void) state;
        const char *json =
                "{\"linux\": {\"cgroupsPath\": \"/nsbox/box\", \"resources\": {"
                "\"memory\": {\"limit\": 67108864, \"reservation\": 33554432, \"swap\": -1},"
                "\"cpu\": {\"shares\": 512, \"quota\": 50000, \"period\": 100000, \"cpus\": \"0-1\", "
                "\"mems\": \"0\"},"
                "\"pids\": {\"limit\": 64},"
                "\"blockIO\": {\"weight\": 300, \"throttleReadBpsDevice\": [{\"major\": 254, \"minor\": 0, "
                "\"rate\": 1048576}], \"throttleWriteBpsDevice\": [{\"major\": 7, \"minor\": 1, \"rate\": 2}]},"
                "\"unified\": {\"memory.high\": \"50000000\"}}},"
                "\"annotations\": {\"org.nsbox.cgroup.limits\": \"best-effort\", "
                "\"org.nsbox.cgroup.root\": \"/tmp/cg\"}}";
        NsboxSpec *t = NULL;
        NsboxError *err = NULL;
        assert_int_equal(nsbox_spec_from_json(json, &t, &err), 0);
        const NsboxResources *r = &t->linux_cfg.resources;
        assert_string_equal(t->linux_cfg.cgroups_path, "/nsbox/box");
        assert_true(r->memory.has_limit && r->memory.has_reservation && r->memory.has_swap);
        assert_int_equal(r->memory.limit, 67108864);
        assert_int_equal(r->memory.reservation, 33554432);
        assert_int_equal(r->memory.swap, -1);
        assert_int_equal(r->cpu.shares, 512);
        assert_int_equal(r->cpu.quota, 50000);
        assert_int_equal(r->cpu.period, 100000);
        assert_string_equal(r->cpu.cpus, "0-1");
        assert_string_equal(r->cpu.mems, "0");
        assert_true(r->pids.has_limit);
        assert_int_equal(r->pids.limit, 64);
        assert_int_equal(r->block_io.weight, 300);
        assert_int_equal(r->block_io.n_throttle_read_bps, 1);
        assert_int_equal(r->block_io.throttle_read_bps[0].major, 254);
        assert_int_equal(r->block_io.throttle_read_bps[0].rate, 1048576);
        assert_int_equal(r->block_io.throttle_write_bps[0].minor, 1);
        assert_string_equal(r->unified[0], "memory.high");
        assert_string_equal(r->unified[1], "50000000");
        assert_null(r->unified[2]);
        assert_true(t->ext.cgroup_best_effort);
        assert_string_equal(t->ext.cgroup_root, "/tmp/cg");

        _cleanup_free_ char *out = NULL, *out2 = NULL;
        assert_int_equal(nsbox_spec_to_json(t, &out), 0);
        assert_non_null(strstr(out, "\"cgroupsPath\": \"/nsbox/box\""));
        assert_non_null(strstr(out, "\"limit\": 67108864"));
        assert_non_null(strstr(out, "\"throttleReadBpsDevice\""));
        NsboxSpec *u = NULL;
        assert_int_equal(nsbox_spec_from_json(out, &u, &err), 0);
        assert_int_equal(nsbox_spec_to_json(u, &out2), 0);
        assert_string_equal(out, out2);
        nsbox_spec_free(t);
        nsbox_spec_free(u);

        /* nothing set: no "resources" key at all */
        NsboxSpec *e = nsbox_spec_new();
        _cleanup_free_ char *empty = NULL;
        assert_int_equal(nsbox_spec_to_json(e, &empty), 0);
        assert_null(strstr(empty, "resources"));
        assert_null(strstr(empty, "cgroupsPath"));
        nsbox_spec_free(e);

        expect_error("{\"linux\": {\"resources\": {\"memory\": {\"limit\": -2}}}}",
                     "linux.resources.memory.limit");
        expect_error("{\"linux\": {\"resources\": {\"pids\": {}}}}", "linux.resources.pids.limit");
        expect_error("{\"linux\": {\"resources\": {\"cpu\": {\"cpus\": 1}}}}", "linux.resources.cpu.cpus");
        expect_error("{\"linux\": {\"resources\": {\"blockIO\": {\"weight\": 5000}}}}", "blockIO.weight");
        expect_error("{\"linux\": {\"resources\": {\"unified\": {\"a\": 1}}}}", "unified");
        expect_error("{\"linux\": {\"cgroupsPath\": 3}}", "linux.cgroupsPath");
        /* a limit nsbox cannot apply is refused, never dropped */
        NsboxSpec *x = NULL;
        assert_int_equal(
                nsbox_spec_from_json("{\"linux\": {\"resources\": {\"hugepageLimits\": []}}}", &x, &err),
                -EOPNOTSUPP);
        assert_non_null(strstr(err->message, "hugepageLimits: not supported"));
        nsbox_error_free(err);
}

static void test_add_mount_rejects_relative(void **state)
{
        (void) state;
        NsboxSpec *s = nsbox_spec_new();
        assert_int_equal(nsbox_spec_add_mount(s, "tmp", "tmpfs", NULL, NULL), -EINVAL);
        assert_int_equal(nsbox_spec_add_file(s, "etc/x", "", 0644), -EINVAL);
        assert_int_equal(s->n_mounts, 0);
        nsbox_spec_free(s);
}

static void test_default_caps(void **state)
{
        (void) state;
        uint64_t m = nsbox_cap_default_set();
        assert_int_equal(__builtin_popcountll(m), 14);
        assert_true(m & (UINT64_C(1) << CAP_CHOWN));
        assert_true(m & (UINT64_C(1) << CAP_AUDIT_WRITE));
        assert_false(m & (UINT64_C(1) << CAP_SYS_ADMIN));
        assert_false(m & (UINT64_C(1) << CAP_SYS_MODULE));
        assert_int_equal(m, UINT64_C(0xa80425fb));
}

/* process.rlimits, process.oomScoreAdj, linux.seccomp and the preserve-fds
 * annotation survive a round trip through config.json. */
static void test_hardening_roundtrip(void **state)
{
        (void) state;
        NsboxSpec *s = sample();
        s->process.rlimits = calloc(1, sizeof(NsboxRlimit));
        s->process.rlimits[0] = (NsboxRlimit){ .type = RLIMIT_NOFILE, .soft = 1024, .hard = 2048 };
        s->process.n_rlimits = 1;
        s->process.has_oom_score_adj = true;
        s->process.oom_score_adj = -17;
        s->ext.preserve_fds = 2;
        assert_int_equal(nsbox_seccomp_default(nsbox_cap_default_set(), &s->linux_cfg.seccomp), 0);
        _cleanup_free_ char *json = NULL, *json2 = NULL;
        assert_int_equal(nsbox_spec_to_json(s, &json), 0);
        assert_non_null(strstr(json, "\"RLIMIT_NOFILE\""));
        assert_non_null(strstr(json, "\"oomScoreAdj\": -17"));
        assert_non_null(strstr(json, "\"defaultAction\": \"SCMP_ACT_ERRNO\""));

        NsboxSpec *t = NULL;
        NsboxError *err = NULL;
        assert_int_equal(nsbox_spec_from_json(json, &t, &err), 0);
        assert_null(err);
        assert_int_equal(t->process.n_rlimits, 1);
        assert_int_equal(t->process.rlimits[0].type, RLIMIT_NOFILE);
        assert_int_equal(t->process.rlimits[0].soft, 1024);
        assert_int_equal(t->process.rlimits[0].hard, 2048);
        assert_true(t->process.has_oom_score_adj);
        assert_int_equal(t->process.oom_score_adj, -17);
        assert_int_equal(t->ext.preserve_fds, 2);
        assert_non_null(t->linux_cfg.seccomp);
        assert_int_equal(t->linux_cfg.seccomp->n_syscalls, s->linux_cfg.seccomp->n_syscalls);
        assert_int_equal(nsbox_spec_to_json(t, &json2), 0);
        assert_string_equal(json, json2);
        nsbox_spec_free(s);
        nsbox_spec_free(t);
}

static void expect_bad(const char *json, const char *what)
{
        NsboxSpec *t = NULL;
        NsboxError *err = NULL;
        assert_int_equal(nsbox_spec_from_json(json, &t, &err), -EINVAL);
        assert_non_null(err);
        if (!strstr(err->message, what))
                fail_msg("message '%s' lacks '%s'", err->message, what);
        nsbox_error_free(err);
}

static void test_hardening_bad_json(void **state)
{
        (void) state;
        expect_bad("{\"process\":{\"oomScoreAdj\":1001}}", "process.oomScoreAdj");
        expect_bad("{\"process\":{\"rlimits\":[{\"type\":\"RLIMIT_NOPE\",\"hard\":1,\"soft\":1}]}}",
                   "unknown type RLIMIT_NOPE");
        expect_bad("{\"process\":{\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1,\"soft\":2}]}}",
                   "soft limit above");
        expect_bad("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_NOPE\"}}}", "unknown action");
        expect_bad("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{"
                   "\"names\":[\"x\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":7,\"value\":1,"
                   "\"op\":\"SCMP_CMP_EQ\"}]}]}}}",
                   "index must be 0 to 5");
        expect_bad("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{"
                   "\"names\":[\"x\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":1,"
                   "\"op\":\"SCMP_CMP_ABOUT\"}]}]}}}",
                   "unknown op");
        NsboxSpec *t = NULL;
        NsboxError *err = NULL;
        assert_int_equal(
                nsbox_spec_from_json("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_NOTIFY\"}}}", &t,
                                     &err),
                -EOPNOTSUPP);
        nsbox_error_free(err);
}

/* moby's profile format: includes/excludes resolved against the caps. */
static void test_seccomp_moby_format(void **state)
{
        (void) state;
        const char *profile =
                "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1,"
                "\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86_64\",\"subArchitectures\":[\"SCMP_ARCH_X86\"]},"
                "{\"architecture\":\"SCMP_ARCH_AARCH64\",\"subArchitectures\":[\"SCMP_ARCH_ARM\"]}],"
                "\"syscalls\":["
                "{\"names\":[\"read\",\"write\"],\"action\":\"SCMP_ACT_ALLOW\"},"
                "{\"names\":[\"mount\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"caps\":[\"CAP_SYS_ADMIN\"]}},"
                "{\"names\":[\"clone3\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38,"
                "\"excludes\":{\"caps\":[\"CAP_SYS_ADMIN\"]}},"
                "{\"names\":[\"ptrace\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"minKernel\":\"99.0\"}},"
                "{\"names\":[\"s390_pci_mmio_read\"],\"action\":\"SCMP_ACT_ALLOW\","
                "\"includes\":{\"arches\":[\"s390x\"]}}]}";
        NsboxSeccomp *s = NULL;
        NsboxError *err = NULL;
        assert_int_equal(nsbox_seccomp_from_json(profile, nsbox_cap_default_set(), &s, &err), 0);
        assert_null(err);
        assert_int_equal(s->default_errno_ret, 1);
        assert_string_equal(s->architectures[0], "SCMP_ARCH_X86_64");
        assert_string_equal(s->architectures[1], "SCMP_ARCH_X86");
        assert_null(s->architectures[2]);
        assert_int_equal(s->n_syscalls, 2); /* read/write and clone3 */
        assert_string_equal(s->syscalls[1].names[0], "clone3");
        assert_int_equal(s->syscalls[1].errno_ret, 38);
        nsbox_seccomp_free(s);

        s = NULL;
        assert_int_equal(nsbox_seccomp_from_json(profile,
                                                 nsbox_cap_default_set() | (UINT64_C(1) << CAP_SYS_ADMIN),
                                                 &s, &err),
                         0);
        assert_int_equal(s->n_syscalls, 2); /* read/write and mount */
        assert_string_equal(s->syscalls[1].names[0], "mount");
        nsbox_seccomp_free(s);
}

/* The default profile follows the capabilities; compiling twice gives the
 * same program, the second time from the cache. */
static void test_seccomp_default_and_cache(void **state)
{
        (void) state;
        NsboxSeccomp *s = NULL, *admin = NULL;
        assert_int_equal(nsbox_seccomp_default(nsbox_cap_default_set(), &s), 0);
        assert_int_equal(
                nsbox_seccomp_default(nsbox_cap_default_set() | (UINT64_C(1) << CAP_SYS_ADMIN), &admin), 0);
        _cleanup_free_ char *j = NULL, *ja = NULL;
        assert_int_equal(nsbox_seccomp_to_json(s, &j), 0);
        assert_int_equal(nsbox_seccomp_to_json(admin, &ja), 0);
        assert_non_null(strstr(j, "\"clone3\""));
        assert_null(strstr(j, "\"mount\""));
        assert_non_null(strstr(ja, "\"mount\""));

        char dir[] = "/tmp/nsbox-test-seccomp-XXXXXX";
        assert_non_null(mkdtemp(dir));
        void *p1 = NULL, *p2 = NULL;
        size_t n1 = 0, n2 = 0;
        bool c1 = true, c2 = false;
        NsboxError *err = NULL;
        assert_int_equal(nsbox_seccomp_compile(s, dir, &p1, &n1, &c1, &err), 0);
        assert_false(c1);
        assert_int_equal(nsbox_seccomp_compile(s, dir, &p2, &n2, &c2, &err), 0);
        assert_true(c2);
        assert_int_equal(n1, n2);
        assert_true(n1 > 100);
        assert_memory_equal(p1, p2, n1 * 8);
        free(p1);
        free(p2);
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
        nsbox_seccomp_free(s);
        nsbox_seccomp_free(admin);
}

/* The seccomp cache key's hash against FIPS 180-4's examples, and across a
 * block boundary fed in pieces. */
static void test_sha256(void **state)
{
        (void) state;
        char hex[65];
        Sha256 c;
        sha256_init(&c);
        sha256_update(&c, "abc", 3);
        sha256_final_hex(&c, hex);
        assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        sha256_init(&c);
        sha256_final_hex(&c, hex);
        assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        sha256_init(&c);
        for (const char *p = m; *p; p++)
                sha256_update(&c, p, 1);
        sha256_final_hex(&c, hex);
        assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_roundtrip),
                cmocka_unit_test(test_json_names),
                cmocka_unit_test(test_bad_json),
                cmocka_unit_test(test_add_mount_rejects_relative),
                cmocka_unit_test(test_default_caps),
                cmocka_unit_test(test_terminal_and_init),
                cmocka_unit_test(test_resources),
                cmocka_unit_test(test_hardening_roundtrip),
                cmocka_unit_test(test_hardening_bad_json),
                cmocka_unit_test(test_seccomp_moby_format),
                cmocka_unit_test(test_seccomp_default_and_cache),
                cmocka_unit_test(test_sha256),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
