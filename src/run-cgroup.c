/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nsbox run's resource limits: docker's and podman's option names and
 * units, turned into runtime-spec linux.resources (v1 units; the library
 * converts on cgroup v2 hosts).
 */
#include <math.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "basic/parse.h"
#include "run-cgroup.h"

enum {
        OPT_MEMORY = 0x300,
        OPT_MEMORY_RESERVATION,
        OPT_MEMORY_SWAP,
        OPT_PIDS_LIMIT,
        OPT_CPUS,
        OPT_CPU_SHARES,
        OPT_CPU_WEIGHT,
        OPT_CPUSET_CPUS,
        OPT_CPUSET_MEMS,
        OPT_BLKIO_WEIGHT,
        OPT_IO_WEIGHT,
        OPT_DEVICE_READ_BPS,
        OPT_DEVICE_WRITE_BPS,
        OPT_CGROUP_PARENT,
        OPT_CGROUPS,
        OPT_CGROUP_LIMITS,
        OPT_STATS,
        OPT_CPU_PERIOD,
        OPT_CPU_QUOTA,
};

const struct option run_cgroup_options[RUN_CGROUP_N_OPTIONS] = {
        { "memory", required_argument, NULL, OPT_MEMORY },
        { "memory-reservation", required_argument, NULL, OPT_MEMORY_RESERVATION },
        { "memory-swap", required_argument, NULL, OPT_MEMORY_SWAP },
        { "pids-limit", required_argument, NULL, OPT_PIDS_LIMIT },
        { "cpus", required_argument, NULL, OPT_CPUS },
        { "cpu-shares", required_argument, NULL, OPT_CPU_SHARES },
        { "cpu-weight", required_argument, NULL, OPT_CPU_WEIGHT },
        { "cpuset-cpus", required_argument, NULL, OPT_CPUSET_CPUS },
        { "cpuset-mems", required_argument, NULL, OPT_CPUSET_MEMS },
        { "blkio-weight", required_argument, NULL, OPT_BLKIO_WEIGHT },
        { "io-weight", required_argument, NULL, OPT_IO_WEIGHT },
        { "device-read-bps", required_argument, NULL, OPT_DEVICE_READ_BPS },
        { "device-write-bps", required_argument, NULL, OPT_DEVICE_WRITE_BPS },
        { "cgroup-parent", required_argument, NULL, OPT_CGROUP_PARENT },
        { "cgroups", required_argument, NULL, OPT_CGROUPS },
        { "cgroup-limits", required_argument, NULL, OPT_CGROUP_LIMITS },
        { "stats", optional_argument, NULL, OPT_STATS },
        { "cpu-period", required_argument, NULL, OPT_CPU_PERIOD },
        { "cpu-quota", required_argument, NULL, OPT_CPU_QUOTA },
};

void run_cgroup_usage(FILE *f)
{
        fputs("\n"
              "Resource limits (a cgroup per container, removed when it ends):\n"
              " -m, --memory <bytes>     memory limit; k, m, g suffixes (e.g. 64m)\n"
              "     --memory-reservation <bytes>  soft memory limit\n"
              "     --memory-swap <bytes>  memory plus swap limit, or -1 for unlimited swap\n"
              "     --pids-limit <n>     at most n processes and threads (0 or -1: no limit)\n"
              "     --cpus <n>           at most n CPUs' worth of time (e.g. 1.5)\n"
              "     --cpu-period <us>    CFS period (default 100000)\n"
              "     --cpu-quota <us>     CFS quota per period\n"
              "     --cpu-shares <n>     relative CPU weight, cgroup v1 units (2-262144)\n"
              "     --cpu-weight <n>     relative CPU weight, cgroup v2 units (1-10000)\n"
              "     --cpuset-cpus <list>  CPUs to run on (e.g. 0-2,4)\n"
              "     --cpuset-mems <list>  memory nodes to allocate from\n"
              "     --blkio-weight <n>   relative block I/O weight, v1 units (10-1000)\n"
              "     --io-weight <n>      relative block I/O weight, v2 units (1-10000)\n"
              "     --device-read-bps <dev:rate>  read rate limit of a block device (e.g. /dev/vda:1m)\n"
              "     --device-write-bps <dev:rate>  write rate limit of a block device\n"
              "     --cgroup-parent <path>  parent cgroup, below every hierarchy's root (default: nsbox)\n"
              "     --cgroups <enabled|disabled>  a cgroup of its own (default: enabled for root)\n"
              "     --cgroup-limits <strict|best-effort>  a limit the host cannot enforce is\n"
              "                            an error (default) or a warning\n"
              "     --stats[=text|json]  print CPU time, peak memory and pids at the end; the\n"
              "                            format only after '=' (--stats=json, not --stats json)\n",
              f);
}

static int bad(const char *opt, const char *arg, const char *want)
{
        log_error("%s '%s': %s", opt, arg, want);
        return -EINVAL;
}

static int parse_bytes(const char *opt, const char *arg, bool allow_unlimited, int64_t *ret)
{
        uint64_t v;
        if (allow_unlimited && streq(arg, "-1")) {
                *ret = -1;
                return 0;
        }
        if (parse_size(arg, &v) < 0 || v == 0 || v > INT64_MAX)
                return bad(
                        opt, arg,
                        allow_unlimited
                                ? "expected a size in bytes with an optional k, m or g suffix, or -1"
                                : "expected a size in bytes with an optional k, m or g suffix (e.g. 64m)");
        *ret = (int64_t) v;
        return 0;
}

static int parse_range(const char *opt, const char *arg, uint64_t min, uint64_t max, uint64_t *ret)
{
        uint32_t v;
        if (parse_uint32(arg, &v) < 0 || v < min || v > max) {
                char want[64];
                snprintf(want, sizeof(want), "expected a number from %llu to %llu", (unsigned long long) min,
                         (unsigned long long) max);
                return bad(opt, arg, want);
        }
        *ret = v;
        return 0;
}

/* DEVICE:RATE, as docker's --device-read-bps */
static int parse_device_rate(RunCgroupArgs *a, const char *opt, const char *arg, bool write)
{
        NsboxThrottleDevice *d = write ? a->wbps : a->rbps;
        size_t *n = write ? &a->res.block_io.n_throttle_write_bps : &a->res.block_io.n_throttle_read_bps;
        const char *colon = strrchr(arg, ':');
        if (!colon || colon == arg)
                return bad(opt, arg, "expected DEVICE:RATE, e.g. /dev/vda:1m");
        _cleanup_free_ char *path = strndup(arg, (size_t) (colon - arg));
        if (!path)
                return -ENOMEM;
        uint64_t rate;
        if (parse_size(colon + 1, &rate) < 0)
                return bad(opt, arg,
                           "expected DEVICE:RATE with a rate in bytes per second (k, m, g suffixes)");
        struct stat st;
        if (stat(path, &st) < 0) {
                log_error("%s '%s': %s", opt, path, strerror(errno));
                return -EINVAL;
        }
        if (!S_ISBLK(st.st_mode))
                return bad(opt, path, "not a block device");
        if (*n >= RUN_CGROUP_MAX_DEVICES)
                return bad(opt, arg, "too many devices");
        d[*n] = (NsboxThrottleDevice){ .major = major(st.st_rdev),
                                       .minor = minor(st.st_rdev),
                                       .rate = rate };
        (*n)++;
        if (write)
                a->res.block_io.throttle_write_bps = a->wbps;
        else
                a->res.block_io.throttle_read_bps = a->rbps;
        return 0;
}

static int check_parent(const char *arg)
{
        const char *p = arg;
        while (*p == '/')
                p++;
        if (!*p)
                return bad("cgroup-parent", arg, "expected a cgroup path such as nsbox or /machines/nsbox");
        for (;;) {
                size_t l = strcspn(p, "/");
                if ((l == 1 && p[0] == '.') || (l == 2 && p[0] == '.' && p[1] == '.'))
                        return bad("cgroup-parent", arg, "must not contain '.' or '..' components");
                if (memchr(p, '\n', l))
                        return bad("cgroup-parent", arg, "must not contain a newline");
                p += l;
                while (*p == '/')
                        p++;
                if (!*p)
                        return 0;
        }
}

/* docker's minimum for --memory: below it a container cannot even start */
#define MEMORY_MIN (6 * 1024 * 1024)

int run_cgroup_parse(RunCgroupArgs *a, int c, const char *arg)
{
        NsboxResources *res = &a->res;
        uint64_t v;
        int r;
        switch (c) {
        case 'm':
        case OPT_MEMORY:
                if ((r = parse_bytes("memory", arg, false, &res->memory.limit)) < 0)
                        return r;
                if (res->memory.limit < MEMORY_MIN)
                        return bad("memory", arg, "at least 6 MiB (6m), as docker requires");
                res->memory.has_limit = a->any_limit = true;
                return 1;
        case OPT_MEMORY_RESERVATION:
                if ((r = parse_bytes("memory-reservation", arg, false, &res->memory.reservation)) < 0)
                        return r;
                res->memory.has_reservation = a->any_limit = true;
                return 1;
        case OPT_MEMORY_SWAP:
                if ((r = parse_bytes("memory-swap", arg, true, &res->memory.swap)) < 0)
                        return r;
                res->memory.has_swap = a->any_limit = true;
                return 1;
        case OPT_PIDS_LIMIT: {
                uint32_t n;
                if (streq(arg, "-1"))
                        n = 0;
                else if (parse_uint32(arg, &n) < 0 || n > 4194304)
                        return bad("pids-limit", arg,
                                   "expected a number of processes up to 4194304, or 0 or -1 for no limit");
                res->pids.limit = n;
                res->pids.has_limit = a->any_limit = true;
                return 1;
        }
        case OPT_CPUS: {
                char *end;
                errno = 0;
                double d = strtod(arg, &end);
                long n = sysconf(_SC_NPROCESSORS_ONLN);
                if (errno || end == arg || *end || !isfinite(d) || d <= 0 || *arg == '-' || *arg == '+' ||
                    llround(d * 100000) < 1000)
                        return bad("cpus", arg, "expected a number of CPUs, 0.01 or more (e.g. 1.5)");
                if (n > 0 && d > (double) n) {
                        log_error("cpus '%s': the host has only %ld CPUs", arg, n);
                        return -EINVAL;
                }
                /* docker refuses this mix too: --cpus sets period and quota */
                if (!a->cpus && (res->cpu.has_period || res->cpu.has_quota))
                        return bad("cpus", arg, "cannot be combined with --cpu-period or --cpu-quota");
                a->cpus = true;
                /* docker's: a 100 ms period, the quota in proportion */
                res->cpu.period = 100000;
                res->cpu.quota = llround(d * 100000);
                res->cpu.has_period = res->cpu.has_quota = a->any_limit = true;
                return 1;
        }
        case OPT_CPU_PERIOD:
                if (a->cpus)
                        return bad("cpu-period", arg, "cannot be combined with --cpus");
                if ((r = parse_range("cpu-period", arg, 1000, 1000000, &v)) < 0)
                        return r;
                res->cpu.period = v;
                res->cpu.has_period = a->any_limit = true;
                return 1;
        case OPT_CPU_QUOTA:
                if (a->cpus)
                        return bad("cpu-quota", arg, "cannot be combined with --cpus");
                if (streq(arg, "-1"))
                        res->cpu.quota = -1;
                else if ((r = parse_range("cpu-quota", arg, 1000, UINT32_MAX, &v)) < 0)
                        return r;
                else
                        res->cpu.quota = (int64_t) v;
                res->cpu.has_quota = a->any_limit = true;
                return 1;
        case OPT_CPU_SHARES:
                if ((r = parse_range("cpu-shares", arg, 2, 262144, &v)) < 0)
                        return r;
                res->cpu.shares = v;
                res->cpu.has_shares = a->any_limit = true;
                return 1;
        case OPT_CPU_WEIGHT:
                if ((r = parse_range("cpu-weight", arg, 1, 10000, &v)) < 0)
                        return r;
                /* exact both ways: v2 hosts get this very weight back */
                res->cpu.shares = nsbox_cgroup_weight_to_shares(v);
                res->cpu.has_shares = a->any_limit = true;
                return 1;
        case OPT_CPUSET_CPUS:
        case OPT_CPUSET_MEMS:
                if (nsbox_cgroup_parse_cpuset(arg, NULL, NULL) < 0)
                        return bad(c == OPT_CPUSET_CPUS ? "cpuset-cpus" : "cpuset-mems", arg,
                                   "expected a list such as 0-2,4 (numbers below 4096)");
                if (c == OPT_CPUSET_CPUS)
                        res->cpu.cpus = (char *) arg;
                else
                        res->cpu.mems = (char *) arg;
                a->any_limit = true;
                return 1;
        case OPT_BLKIO_WEIGHT:
                if ((r = parse_range("blkio-weight", arg, 10, 1000, &v)) < 0)
                        return r;
                res->block_io.weight = (uint16_t) v;
                res->block_io.has_weight = a->any_limit = true;
                return 1;
        case OPT_IO_WEIGHT:
                if ((r = parse_range("io-weight", arg, 1, 10000, &v)) < 0)
                        return r;
                res->block_io.weight = (uint16_t) nsbox_cgroup_io_to_blkio_weight(v);
                res->block_io.has_weight = a->any_limit = true;
                return 1;
        case OPT_DEVICE_READ_BPS:
        case OPT_DEVICE_WRITE_BPS:
                if ((r = parse_device_rate(a,
                                           c == OPT_DEVICE_READ_BPS ? "device-read-bps" : "device-write-bps",
                                           arg, c == OPT_DEVICE_WRITE_BPS)) < 0)
                        return r;
                a->any_limit = true;
                return 1;
        case OPT_CGROUP_PARENT:
                if ((r = check_parent(arg)) < 0)
                        return r;
                a->parent = arg;
                return 1;
        case OPT_CGROUPS:
                if (streq(arg, "enabled"))
                        a->enabled = 1;
                else if (streq(arg, "disabled"))
                        a->enabled = 2;
                else
                        return bad("cgroups", arg, "expected enabled or disabled");
                return 1;
        case OPT_CGROUP_LIMITS:
                if (streq(arg, "best-effort"))
                        a->best_effort = true;
                else if (streq(arg, "strict"))
                        a->best_effort = false;
                else
                        return bad("cgroup-limits", arg, "expected strict or best-effort");
                return 1;
        case OPT_STATS:
                if (!arg || streq(arg, "text"))
                        a->stats = 1;
                else if (streq(arg, "json"))
                        a->stats = 2;
                else
                        return bad("stats", arg, "expected text or json");
                return 1;
        default:
                return 0;
        }
}

int run_cgroup_check(RunCgroupArgs *a)
{
        const NsboxResources *res = &a->res;
        if (res->memory.has_swap && res->memory.swap != -1) {
                if (!res->memory.has_limit) {
                        log_error("memory-swap: needs --memory as well");
                        return -EINVAL;
                }
                if (res->memory.swap < res->memory.limit) {
                        log_error("memory-swap: must be at least --memory (it counts memory plus swap)");
                        return -EINVAL;
                }
        }
        if (res->memory.has_reservation && res->memory.has_limit &&
            res->memory.reservation > res->memory.limit) {
                log_error("memory-reservation: must not be above --memory");
                return -EINVAL;
        }
        if (a->enabled == 2 && (a->any_limit || a->stats)) {
                log_error("cgroups: limits and --stats need a cgroup; drop --cgroups=disabled");
                return -EINVAL;
        }
        return 0;
}

int run_cgroup_apply(const RunCgroupArgs *a, const char *name, NsboxSpec *spec)
{
        /* Root gets a cgroup for every container (so that it can be
         * measured and cleaned up); other users only when they ask for
         * limits, as they need a delegated hierarchy. */
        bool want = a->enabled == 1 || (a->enabled == 0 && (geteuid() == 0 || a->any_limit || a->stats));
        if (!want)
                return 0;
        const char *parent = a->parent ? a->parent : "nsbox";
        while (*parent == '/')
                parent++;
        if (asprintf(&spec->linux_cfg.cgroups_path, "/%s/%s", parent, name) < 0) {
                spec->linux_cfg.cgroups_path = NULL;
                return -ENOMEM;
        }
        NsboxResources *r = &spec->linux_cfg.resources;
        *r = a->res;
        r->cpu.cpus = r->cpu.mems = NULL;
        r->block_io.throttle_read_bps = r->block_io.throttle_write_bps = NULL;
        r->block_io.n_throttle_read_bps = r->block_io.n_throttle_write_bps = 0;
        if ((a->res.cpu.cpus && !(r->cpu.cpus = strdup(a->res.cpu.cpus))) ||
            (a->res.cpu.mems && !(r->cpu.mems = strdup(a->res.cpu.mems))))
                return -ENOMEM;
        for (int w = 0; w < 2; w++) {
                size_t n = w ? a->res.block_io.n_throttle_write_bps : a->res.block_io.n_throttle_read_bps;
                if (!n)
                        continue;
                NsboxThrottleDevice *d = calloc(n, sizeof(*d));
                if (!d)
                        return -ENOMEM;
                memcpy(d, w ? a->wbps : a->rbps, n * sizeof(*d));
                if (w) {
                        r->block_io.throttle_write_bps = d;
                        r->block_io.n_throttle_write_bps = n;
                } else {
                        r->block_io.throttle_read_bps = d;
                        r->block_io.n_throttle_read_bps = n;
                }
        }
        const char *root = getenv("NSBOX_CGROUP_ROOT");
        if (root && *root == '/' && !(spec->ext.cgroup_root = strdup(root)))
                return -ENOMEM;
        spec->ext.cgroup_best_effort = a->best_effort;
        return 0;
}

void run_cgroup_started(NsboxContainer *c)
{
        NsboxCgroup *cg = nsbox_container_cgroup(c);
        if (!cg)
                return;
        for (const char *const *s = nsbox_cgroup_skipped(cg); *s; s++)
                fprintf(stderr, "%s: warning: limit not applied: %s\n", program_invocation_name_cmd, *s);
}

void format_bytes(char *buf, size_t size, uint64_t b)
{
        static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
        if (b < 1024) {
                snprintf(buf, size, "%llu bytes", (unsigned long long) b);
                return;
        }
        double v = (double) b;
        size_t u = 0;
        for (v /= 1024; v >= 1024 && u + 1 < ELEMENTSOF(units); v /= 1024)
                u++;
        if (v == floor(v))
                snprintf(buf, size, "%.0f %s", v, units[u]);
        else
                snprintf(buf, size, "%.1f %s", v, units[u]);
}

void print_stats(FILE *f, const char *name, const NsboxCgroupStats *st, bool json, bool header)
{
        if (json) {
                fprintf(f, "{\"name\": \"%s\"", name);
                if (st->has_cpu)
                        fprintf(f, ", \"cpu_usage_ns\": %llu", (unsigned long long) st->cpu_usage_ns);
                if (st->has_memory)
                        fprintf(f,
                                ", \"memory_current\": %llu, \"memory_peak\": %llu, \"memory_limit\": %llu, "
                                "\"oom_kills\": %llu",
                                (unsigned long long) st->memory_current,
                                (unsigned long long) st->memory_peak, (unsigned long long) st->memory_limit,
                                (unsigned long long) st->oom_kills);
                if (st->has_pids)
                        fprintf(f, ", \"pids_current\": %llu, \"pids_peak\": %llu, \"pids_limit\": %llu",
                                (unsigned long long) st->pids_current, (unsigned long long) st->pids_peak,
                                (unsigned long long) st->pids_limit);
                fprintf(f, "}\n");
                return;
        }
        char cpu[32] = "-", peak[32] = "-", cur[32] = "-", lim[32] = "-", pids[32] = "-", ppeak[32] = "-",
             oom[32] = "-";
        if (st->has_cpu)
                snprintf(cpu, sizeof(cpu), "%.3fs", (double) st->cpu_usage_ns / 1e9);
        if (st->has_memory) {
                format_bytes(cur, sizeof(cur), st->memory_current);
                format_bytes(peak, sizeof(peak), st->memory_peak);
                if (st->memory_limit)
                        format_bytes(lim, sizeof(lim), st->memory_limit);
                else
                        snprintf(lim, sizeof(lim), "unlimited");
                snprintf(oom, sizeof(oom), "%llu", (unsigned long long) st->oom_kills);
        }
        if (st->has_pids) {
                snprintf(pids, sizeof(pids), "%llu", (unsigned long long) st->pids_current);
                snprintf(ppeak, sizeof(ppeak), "%llu", (unsigned long long) st->pids_peak);
        }
        if (header)
                fprintf(f, "%-20s %10s %12s %12s %12s %6s %9s %9s\n", "NAME", "CPU TIME", "MEM", "MEM PEAK",
                        "MEM LIMIT", "PIDS", "PIDS PEAK", "OOM KILLS");
        fprintf(f, "%-20s %10s %12s %12s %12s %6s %9s %9s\n", name, cpu, cur, peak, lim, pids, ppeak, oom);
}

int run_cgroup_finish(const RunCgroupArgs *a, NsboxContainer *c, const char *name, int status)
{
        NsboxCgroup *cg = nsbox_container_cgroup(c);
        NsboxCgroupStats st;
        if (!cg || nsbox_cgroup_stats(cg, &st) < 0)
                return status;
        if (st.oom_kills > 0) {
                char lim[32] = "none";
                if (st.memory_limit)
                        format_bytes(lim, sizeof(lim), st.memory_limit);
                if (status == 128 + SIGKILL)
                        log_error("container killed: out of memory (limit %s)", lim);
                else
                        log_error(
                                "warning: the OOM killer killed %llu process%s in the container (limit %s)",
                                (unsigned long long) st.oom_kills, st.oom_kills == 1 ? "" : "es", lim);
        }
        if (a->stats)
                print_stats(stderr, name, &st, a->stats == 2, true);
        return status;
}
