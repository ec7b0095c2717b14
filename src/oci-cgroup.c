/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The OCI runtime's cgroups; see oci-cgroup.h. Sources: the kernel's
 * Documentation/admin-guide/cgroup-v1/{memory,pids,freezer-subsystem}.rst and
 * cgroup-v2.rst; runtime-spec config-linux.md "Control groups". */
#include <jansson.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "basic/missing.h"
#include "oci-cgroup.h"

typedef struct Hier {
        char mnt[512];
        char ctrls[256]; /* ",cpu,cpuacct," (v1), "" for cgroup2 */
        bool v2;
} Hier;

static Hier hiers[32];
static size_t n_hiers;
static char saved_self[32][512]; /* our own cgroup in each hierarchy, for ocicg_leave() */
static bool entered;

static void load(void)
{
        if (n_hiers)
                return;
        FILE *f = fopen("/proc/self/mountinfo", "re");
        if (!f)
                return;
        char line[4096];
        while (fgets(line, sizeof(line), f) && n_hiers < ELEMENTSOF(hiers)) {
                char root[1024], mp[512], fstype[64], super[256];
                char *dash = strstr(line, " - ");
                if (!dash || sscanf(line, "%*s %*s %*s %1023s %511s", root, mp) != 2 ||
                    sscanf(dash + 3, "%63s %*s %255s", fstype, super) != 2 || !streq(root, "/"))
                        continue;
                Hier *h = &hiers[n_hiers];
                if (streq(fstype, "cgroup2")) {
                        h->v2 = true;
                        h->ctrls[0] = 0;
                } else if (streq(fstype, "cgroup")) {
                        h->v2 = false;
                        if (snprintf(h->ctrls, sizeof(h->ctrls), ",%s,", super) >= (int) sizeof(h->ctrls))
                                continue;
                } else
                        continue;
                snprintf(h->mnt, sizeof(h->mnt), "%s", mp);
                n_hiers++;
        }
        fclose(f);
}

static bool has_ctrl(const Hier *h, const char *c)
{
        char want[64];
        snprintf(want, sizeof(want), ",%s,", c);
        return strstr(h->ctrls, want) != NULL;
}

static const Hier *find(const char *ctrl)
{
        load();
        for (size_t i = 0; i < n_hiers; i++)
                if (!hiers[i].v2 && has_ctrl(&hiers[i], ctrl))
                        return &hiers[i];
        return NULL;
}

static const Hier *find_v2(void)
{
        load();
        for (size_t i = 0; i < n_hiers; i++)
                if (hiers[i].v2)
                        return &hiers[i];
        return NULL;
}

static void dir_of(const Hier *h, const char *path, char *buf, size_t size)
{
        while (*path == '/')
                path++;
        if (snprintf(buf, size, "%s/%s", h->mnt, path) >= (int) size)
                buf[0] = 0; /* too long: no such file */
}

int ocicg_check_path(const char *path)
{
        if (!path || !*path || strlen(path) > 1024 || strchr(path, ':'))
                return -EINVAL;
        const char *p = path;
        while (*p == '/')
                p++;
        if (!*p)
                return -EINVAL;
        for (;;) {
                size_t l = strcspn(p, "/");
                if (l == 0 || (l == 1 && p[0] == '.') || (l == 2 && p[0] == '.' && p[1] == '.'))
                        return -EINVAL;
                if (!p[l])
                        return 0;
                p += l + 1;
                if (!*p)
                        return 0; /* a trailing slash */
        }
}

static int write_file(const char *dir, const char *file, const char *value, NsboxError **reterr)
{
        char p[2048];
        snprintf(p, sizeof(p), "%s/%s", dir, file);
        int r = write_string_file_at(AT_FDCWD, p, value);
        if (r < 0)
                return nsbox_error_set(reterr, r, "cgroup: write %s to %s", value, p);
        return 0;
}

static int mkdir_p(const char *mnt, const char *path, bool cpuset)
{
        char buf[2048];
        while (*path == '/')
                path++;
        snprintf(buf, sizeof(buf), "%s/%s", mnt, path);
        size_t base = strlen(mnt);
        for (char *s = buf + base + 1;; s++) {
                if (*s != '/' && *s)
                        continue;
                char saved = *s;
                *s = 0;
                int m = mkdir(buf, 0755);
                if (m < 0 && errno != EEXIST)
                        return negative_errno();
                if (m == 0 && cpuset) {
                        /* a new v1 cpuset starts empty and takes no process */
                        char *slash = strrchr(buf, '/');
                        char parent[2048], *v = NULL;
                        snprintf(parent, sizeof(parent), "%.*s", (int) (slash - buf), buf);
                        const char *files[] = { "cpuset.cpus", "cpuset.mems" };
                        for (size_t i = 0; i < 2; i++) {
                                char pp[2100];
                                snprintf(pp, sizeof(pp), "%s/%s", parent, files[i]);
                                if (read_full_file_at(AT_FDCWD, pp, &v, NULL) >= 0) {
                                        v[strcspn(v, "\n")] = 0;
                                        snprintf(pp, sizeof(pp), "%s/%s", buf, files[i]);
                                        (void) write_string_file_at(AT_FDCWD, pp, v);
                                        free(v);
                                        v = NULL;
                                }
                        }
                }
                *s = saved;
                if (!saved)
                        break;
        }
        return 0;
}

static int json_u64(json_t *o, const char *a, const char *b, int64_t *ret)
{
        json_t *x = o ? json_object_get(o, a) : NULL;
        json_t *v = x ? json_object_get(x, b) : NULL;
        if (!v)
                return 0;
        if (!json_is_integer(v))
                return -EINVAL;
        *ret = json_integer_value(v);
        return 1;
}

static int apply(const char *path, json_t *res, NsboxError **reterr)
{
        const Hier *h;
        char d[1100], v[64];
        int64_t x;
        int r;
        if (!res)
                return 0;
        if (!json_is_object(res))
                return nsbox_error_set_message(reterr, EINVAL, "linux.resources: expected an object");
        const Hier *v2 = find_v2();
        bool v2only = v2 && !find("memory") && !find("pids");
        if ((r = json_u64(res, "memory", "limit", &x)) < 0)
                return nsbox_error_set_message(reterr, EINVAL,
                                               "linux.resources.memory.limit: expected an integer");
        if (r > 0) {
                if (x <= 0 && x != -1)
                        return nsbox_error_set_message(reterr, EINVAL,
                                                       "linux.resources.memory.limit: %lld is not a size",
                                                       (long long) x);
                if (v2only) {
                        dir_of(v2, path, d, sizeof(d));
                        snprintf(v, sizeof(v), x < 0 ? "max" : "%lld", (long long) x);
                        if ((r = write_file(d, "memory.max", v, reterr)) < 0)
                                return r;
                } else if ((h = find("memory"))) {
                        dir_of(h, path, d, sizeof(d));
                        snprintf(v, sizeof(v), "%lld", (long long) x);
                        if ((r = write_file(d, "memory.limit_in_bytes", v, reterr)) < 0)
                                return r;
                } else
                        return nsbox_error_set_message(reterr, EOPNOTSUPP,
                                                       "cgroup: memory limit: no memory controller");
        }
        if ((r = json_u64(res, "memory", "reservation", &x)) < 0)
                return nsbox_error_set_message(reterr, EINVAL,
                                               "linux.resources.memory.reservation: expected an integer");
        if (r > 0 && x > 0 && (h = find("memory"))) {
                dir_of(h, path, d, sizeof(d));
                snprintf(v, sizeof(v), "%lld", (long long) x);
                if ((r = write_file(d, "memory.soft_limit_in_bytes", v, reterr)) < 0)
                        return r;
        }
        if ((r = json_u64(res, "pids", "limit", &x)) < 0)
                return nsbox_error_set_message(reterr, EINVAL,
                                               "linux.resources.pids.limit: expected an integer");
        if (r > 0) {
                h = find("pids");
                if (!h && !(h = v2))
                        return nsbox_error_set_message(reterr, EOPNOTSUPP,
                                                       "cgroup: pids limit: no pids controller");
                dir_of(h, path, d, sizeof(d));
                snprintf(v, sizeof(v), x <= 0 ? "max" : "%lld", (long long) x);
                if ((r = write_file(d, "pids.max", v, reterr)) < 0)
                        return r;
        }
        static const struct {
                const char *key, *file;
        } cpu[] = { { "shares", "cpu.shares" },
                    { "period", "cpu.cfs_period_us" },
                    { "quota", "cpu.cfs_quota_us" } };
        for (size_t i = 0; i < ELEMENTSOF(cpu); i++) {
                if ((r = json_u64(res, "cpu", cpu[i].key, &x)) < 0)
                        return nsbox_error_set_message(
                                reterr, EINVAL, "linux.resources.cpu.%s: expected an integer", cpu[i].key);
                if (r > 0 && x != 0 && (h = find("cpu"))) {
                        dir_of(h, path, d, sizeof(d));
                        snprintf(v, sizeof(v), "%lld", (long long) x);
                        if ((r = write_file(d, cpu[i].file, v, reterr)) < 0)
                                return r;
                }
        }
        /* the device cgroup (v1 devices.allow/deny; cgroup-v1/devices.rst),
         * rules in order as the spec lists them */
        json_t *devs = json_object_get(res, "devices");
        if (devs && !json_is_array(devs))
                return nsbox_error_set_message(reterr, EINVAL, "linux.resources.devices: expected an array");
        if (devs && json_array_size(devs) > 0 && (h = find("devices"))) {
                size_t i;
                json_t *e;
                dir_of(h, path, d, sizeof(d));
                json_array_foreach (devs, i, e) {
                        json_t *al = json_object_get(e, "allow"), *ty = json_object_get(e, "type"),
                               *ma = json_object_get(e, "major"), *mi = json_object_get(e, "minor"),
                               *ac = json_object_get(e, "access");
                        const char *t = json_is_string(ty) ? json_string_value(ty) : "a";
                        const char *acc = json_is_string(ac) ? json_string_value(ac) : "rwm";
                        if (!json_is_boolean(al) || strlen(t) != 1 || !strchr("acb", t[0]) ||
                            strspn(acc, "rwm") != strlen(acc) || !*acc || (ma && !json_is_integer(ma)) ||
                            (mi && !json_is_integer(mi)))
                                return nsbox_error_set_message(reterr, EINVAL,
                                                               "linux.resources.devices: entry %zu is not a "
                                                               "device rule",
                                                               i);
                        char rule[96], mj[24] = "*", mn[24] = "*";
                        if (ma && json_integer_value(ma) >= 0)
                                snprintf(mj, sizeof(mj), "%lld", (long long) json_integer_value(ma));
                        if (mi && json_integer_value(mi) >= 0)
                                snprintf(mn, sizeof(mn), "%lld", (long long) json_integer_value(mi));
                        if (t[0] == 'a')
                                snprintf(rule, sizeof(rule), "a");
                        else
                                snprintf(rule, sizeof(rule), "%c %s:%s %s", t[0], mj, mn, acc);
                        if ((r = write_file(d, json_is_true(al) ? "devices.allow" : "devices.deny", rule,
                                            reterr)) < 0)
                                return r;
                }
                /* what runc always allows after the spec's rules (engines send
                 * only "deny all" and rely on it): mknod of any node, and the
                 * default devices of config-linux.md, /dev/console, ptmx, pts
                 * and tun */
                static const char *const defaults[] = {
                        "c *:* m",   "b *:* m",   "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm",   "c 1:8 rwm",
                        "c 1:9 rwm", "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm", "c 10:200 rwm",
                };
                for (size_t k = 0; k < ELEMENTSOF(defaults); k++)
                        if ((r = write_file(d, "devices.allow", defaults[k], reterr)) < 0)
                                return r;
        }
        json_t *c = json_object_get(res, "cpu");
        static const struct {
                const char *key, *file;
        } cs[] = { { "cpus", "cpuset.cpus" }, { "mems", "cpuset.mems" } };
        for (size_t i = 0; c && i < ELEMENTSOF(cs); i++) {
                json_t *s = json_object_get(c, cs[i].key);
                if (s && json_is_string(s) && *json_string_value(s) && (h = find("cpuset"))) {
                        dir_of(h, path, d, sizeof(d));
                        if ((r = write_file(d, cs[i].file, json_string_value(s), reterr)) < 0)
                                return r;
                }
        }
        return 0;
}

int ocicg_create(const char *path, json_t *resources, NsboxError **reterr)
{
        load();
        if (!n_hiers)
                return nsbox_error_set_message(reterr, ENOENT, "cgroup: no cgroup hierarchy is mounted");
        for (size_t i = 0; i < n_hiers; i++) {
                int r = mkdir_p(hiers[i].mnt, path, !hiers[i].v2 && has_ctrl(&hiers[i], "cpuset"));
                if (r < 0) {
                        (void) ocicg_destroy(path, NULL);
                        return nsbox_error_set(reterr, r, "cgroup: create %s in %s", path, hiers[i].mnt);
                }
        }
        int r = apply(path, resources, reterr);
        if (r < 0) {
                (void) ocicg_destroy(path, NULL);
                return r;
        }
        return 0;
}

int ocicg_update(const char *path, json_t *resources, NsboxError **reterr)
{
        return apply(path, resources, reterr);
}

int ocicg_enter(const char *path, NsboxError **reterr)
{
        load();
        /* remember where we were, to go back if the create fails */
        FILE *f = fopen("/proc/self/cgroup", "re");
        char line[1024];
        while (f && fgets(line, sizeof(line), f)) {
                line[strcspn(line, "\n")] = 0;
                char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                if (!c2)
                        continue;
                *c2 = 0;
                for (size_t i = 0; i < n_hiers; i++) {
                        bool match = hiers[i].v2 ? !c1[1] : false;
                        if (!hiers[i].v2 && c1[1]) {
                                char want[260];
                                snprintf(want, sizeof(want), ",%s,", c1 + 1);
                                match = streq(want, hiers[i].ctrls);
                        }
                        if (match)
                                snprintf(saved_self[i], sizeof(saved_self[i]), "%s", c2 + 1);
                }
        }
        if (f)
                fclose(f);
        entered = true;
        for (size_t i = 0; i < n_hiers; i++) {
                char d[1100];
                dir_of(&hiers[i], path, d, sizeof(d));
                int r = write_file(d, "cgroup.procs", "0", reterr);
                if (r < 0)
                        return r;
        }
        return 0;
}

void ocicg_leave(void)
{
        if (!entered)
                return;
        for (size_t i = 0; i < n_hiers; i++) {
                char d[1100];
                dir_of(&hiers[i], saved_self[i][0] ? saved_self[i] : "/", d, sizeof(d));
                (void) write_file(d, "cgroup.procs", "0", NULL);
        }
        entered = false;
}

int ocicg_pids(const char *path, pid_t **ret)
{
        const Hier *h = find("pids");
        if (!h)
                h = find("freezer");
        if (!h)
                h = find_v2();
        if (!h)
                return -ENOENT;
        char d[1200], *text = NULL;
        dir_of(h, path, d, sizeof(d));
        strcat(d, "/cgroup.procs");
        int r = read_full_file_at(AT_FDCWD, d, &text, NULL);
        if (r < 0)
                return r;
        size_t n = 0, cap = 16;
        pid_t *l = malloc(cap * sizeof(pid_t));
        if (!l) {
                free(text);
                return -ENOMEM;
        }
        for (char *s = text; *s;) {
                char *end;
                long p = strtol(s, &end, 10);
                if (end == s)
                        break;
                if (n == cap) {
                        pid_t *nl = realloc(l, (cap *= 2) * sizeof(pid_t));
                        if (!nl) {
                                free(l);
                                free(text);
                                return -ENOMEM;
                        }
                        l = nl;
                }
                l[n++] = (pid_t) p;
                s = end;
                while (*s == '\n')
                        s++;
        }
        free(text);
        *ret = l;
        return (int) n;
}

static void sleep_ms(long ms)
{
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };
        nanosleep(&ts, NULL);
}

int ocicg_freeze(const char *path, bool freeze, NsboxError **reterr)
{
        const Hier *h = find("freezer");
        char d[1100];
        int r;
        if (h) {
                dir_of(h, path, d, sizeof(d));
                if ((r = write_file(d, "freezer.state", freeze ? "FROZEN" : "THAWED", reterr)) < 0)
                        return r;
                for (int i = 0; i < 500; i++) {
                        if (ocicg_frozen(path) == freeze)
                                return 0;
                        sleep_ms(10);
                        if (freeze)
                                (void) write_file(d, "freezer.state", "FROZEN", NULL);
                }
                return nsbox_error_set_message(reterr, EBUSY, "cgroup: the freezer did not finish in 5 s");
        }
        const Hier *v2 = find_v2();
        if (!v2)
                return nsbox_error_set_message(reterr, EOPNOTSUPP, "cgroup: no freezer");
        dir_of(v2, path, d, sizeof(d));
        return write_file(d, "cgroup.freeze", freeze ? "1" : "0", reterr);
}

bool ocicg_frozen(const char *path)
{
        const Hier *h = find("freezer");
        char d[1200], *text = NULL;
        bool frozen = false;
        if (h) {
                dir_of(h, path, d, sizeof(d));
                strcat(d, "/freezer.state");
                if (read_full_file_at(AT_FDCWD, d, &text, NULL) >= 0)
                        frozen = startswith(text, "FROZEN") != NULL;
        } else if ((h = find_v2())) {
                dir_of(h, path, d, sizeof(d));
                strcat(d, "/cgroup.freeze");
                if (read_full_file_at(AT_FDCWD, d, &text, NULL) >= 0)
                        frozen = text[0] == '1';
        }
        free(text);
        return frozen;
}

int ocicg_destroy(const char *path, NsboxError **reterr)
{
        load();
        pid_t *pids = NULL;
        int n = ocicg_pids(path, &pids);
        bool was_frozen = n > 0 && ocicg_frozen(path);
        for (int i = 0; i < n; i++) {
                int fd = sys_pidfd_open(pids[i], 0);
                if (fd >= 0) {
                        sys_pidfd_send_signal(fd, SIGKILL, NULL, 0);
                        close(fd);
                }
        }
        free(pids);
        if (was_frozen)
                (void) ocicg_freeze(path, false, NULL);
        int result = 0;
        for (size_t i = 0; i < n_hiers; i++) {
                char d[1100];
                dir_of(&hiers[i], path, d, sizeof(d));
                for (int t = 0; t < 500; t++) {
                        if (rmdir(d) == 0 || errno == ENOENT)
                                break;
                        if (errno != EBUSY) {
                                if (!result)
                                        result = nsbox_error_set(reterr, errno, "cgroup: remove %s", d);
                                break;
                        }
                        sleep_ms(10);
                }
        }
        return result;
}
