/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cgroup v1 backend: one hierarchy per controller (or per group of
 * controllers), limits in v1 units as the runtime-spec defines them
 * (Documentation/admin-guide/cgroup-v1/{memory,cpusets,pids,blkio-controller}.rst,
 * scheduler/sched-bwc.rst). Used on hybrid hosts too, where it also writes
 * linux.resources.unified into the cgroup2 tree.
 */
#include <inttypes.h>

#include "basic/macro.h"
#include "nsbox/cgroup-internal.h"

static int check_cpuset(NsboxCgroup *cg, const char *what, const char *list, const char *file,
                        NsboxError **reterr)
{
        CgHier *h = cg_find(cg, "cpuset", false);
        _cleanup_close_ int fd = h ? open(h->mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -EBADF;
        _cleanup_free_ char *have = NULL;
        if (fd < 0 || cg_read(h, fd, file, &have) < 0)
                return 0; /* nothing to compare with (a simulated tree) */
        unsigned missing = 0;
        int r = nsbox_cgroup_parse_cpuset(list, have, &missing);
        if (r == -ERANGE)
                return nsbox_error_set_message(reterr, EINVAL,
                                               "cgroup: %s '%s': %u is not available (the host has %s)",
                                               what, list, missing, *have ? have : "none");
        if (r < 0)
                return nsbox_error_set_message(reterr, EINVAL, "cgroup: %s '%s': not a valid list", what,
                                               list);
        return 0;
}

int cg_v1_check(NsboxCgroup *cg, const NsboxResources *res, unsigned flags, NsboxError **reterr)
{
        int r = 0;
        bool mem = res->memory.has_limit || res->memory.has_reservation || res->memory.has_swap;
        bool cpu = res->cpu.has_shares || res->cpu.has_quota || res->cpu.has_period;
        bool bio = res->block_io.has_weight || res->block_io.n_throttle_read_bps ||
                   res->block_io.n_throttle_write_bps;
        if (mem && !cg_find(cg, "memory", false) &&
            (r = cg_unsupported(cg, flags, "memory limit", "memory", reterr)) < 0)
                return r;
        if (res->memory.has_swap && res->memory.swap != -1 && cg_find(cg, "memory", false)) {
                CgHier *h = cg_find(cg, "memory", false);
                _cleanup_close_ int fd = open(h->mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (!h->fake && (fd < 0 || faccessat(fd, "memory.memsw.limit_in_bytes", F_OK, 0) < 0) &&
                    (r = cg_unsupported(cg, flags, "memory+swap limit", "memory swap accounting (memsw)",
                                        reterr)) < 0)
                        return r;
        }
        if (cpu && !cg_find(cg, "cpu", false) &&
            (r = cg_unsupported(cg, flags, "cpu limit", "cpu", reterr)) < 0)
                return r;
        if ((res->cpu.cpus || res->cpu.mems) && !cg_find(cg, "cpuset", false) &&
            (r = cg_unsupported(cg, flags, "cpuset", "cpuset", reterr)) < 0)
                return r;
        if (res->cpu.cpus && cg_find(cg, "cpuset", false) &&
            (r = check_cpuset(cg, "cpuset.cpus", res->cpu.cpus, "cpuset.effective_cpus", reterr)) < 0)
                return r;
        if (res->cpu.mems && cg_find(cg, "cpuset", false) &&
            (r = check_cpuset(cg, "cpuset.mems", res->cpu.mems, "cpuset.effective_mems", reterr)) < 0)
                return r;
        if (res->pids.has_limit && !cg_find(cg, "pids", false) &&
            (r = cg_unsupported(cg, flags, "pids limit", "pids", reterr)) < 0)
                return r;
        if (bio && !cg_find(cg, "blkio", false) &&
            (r = cg_unsupported(cg, flags, "block I/O limit", "blkio", reterr)) < 0)
                return r;
        if (res->unified && res->unified[0]) {
                CgHier *v2 = cg_find(cg, NULL, true);
                if (!v2)
                        return nsbox_error_set_message(
                                reterr, EOPNOTSUPP,
                                "cgroup: linux.resources.unified needs cgroup v2; this host has v1 only");
                for (char **k = res->unified; k[0] && k[1]; k += 2) {
                        char ctl[64];
                        snprintf(ctl, sizeof(ctl), "%.*s", (int) strcspn(k[0], "."), k[0]);
                        if (!streq(ctl, "cgroup") && !cg_hier_has(v2, ctl) &&
                            (r = cg_unsupported(cg, flags, k[0], ctl, reterr)) < 0)
                                return r;
                }
        }
        return 0;
}

int cg_v1_prepare_dir(const CgHier *h, int dirfd, int parent_fd, NsboxError **reterr)
{
        /* A new v1 cpuset cgroup has no CPUs and no memory nodes, and a
         * process cannot join it: start from the parent's. */
        if (!cg_hier_has(h, "cpuset"))
                return 0;
        static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_free_ char *mine = NULL, *theirs = NULL;
                if (cg_read(h, dirfd, files[i], &mine) >= 0 && *mine)
                        continue;
                if (cg_read(h, parent_fd, files[i], &theirs) < 0 || !*theirs)
                        continue;
                int r = cg_write_at(h, dirfd, files[i], theirs, reterr);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int write_i64(const CgHier *h, const char *file, int64_t v, NsboxError **reterr)
{
        char buf[32];
        snprintf(buf, sizeof(buf), "%" PRId64, v);
        return cg_write(h, file, buf, reterr);
}

static int write_throttle(const CgHier *h, const char *file, const NsboxThrottleDevice *d, size_t n,
                          NsboxError **reterr)
{
        for (size_t i = 0; i < n; i++) {
                char buf[96];
                snprintf(buf, sizeof(buf), "%" PRId64 ":%" PRId64 " %" PRIu64, d[i].major, d[i].minor,
                         d[i].rate);
                int r = cg_write(h, file, buf, reterr);
                if (r < 0)
                        return r;
        }
        return 0;
}

int cg_v1_apply(NsboxCgroup *cg, const NsboxResources *res, NsboxError **reterr)
{
        CgHier *h;
        int r;
        if ((h = cg_find(cg, "memory", false))) {
                /* the limit before memory+swap: memsw may never be below it */
                if (res->memory.has_limit &&
                    (r = write_i64(h, "memory.limit_in_bytes", res->memory.limit, reterr)) < 0)
                        return r;
                if (res->memory.has_swap &&
                    (h->fake || faccessat(h->dirfd, "memory.memsw.limit_in_bytes", F_OK, 0) == 0) &&
                    (r = write_i64(h, "memory.memsw.limit_in_bytes", res->memory.swap, reterr)) < 0)
                        return r;
                if (res->memory.has_reservation &&
                    (r = write_i64(h, "memory.soft_limit_in_bytes", res->memory.reservation, reterr)) < 0)
                        return r;
        }
        if ((h = cg_find(cg, "cpu", false))) {
                if (res->cpu.has_shares && res->cpu.shares &&
                    (r = write_i64(h, "cpu.shares", (int64_t) res->cpu.shares, reterr)) < 0)
                        return r;
                if (res->cpu.has_period &&
                    (r = write_i64(h, "cpu.cfs_period_us", (int64_t) res->cpu.period, reterr)) < 0)
                        return r;
                if (res->cpu.has_quota && (r = write_i64(h, "cpu.cfs_quota_us", res->cpu.quota, reterr)) < 0)
                        return r;
        }
        if ((h = cg_find(cg, "cpuset", false))) {
                if (res->cpu.cpus && (r = cg_write(h, "cpuset.cpus", res->cpu.cpus, reterr)) < 0)
                        return r;
                if (res->cpu.mems && (r = cg_write(h, "cpuset.mems", res->cpu.mems, reterr)) < 0)
                        return r;
                /* what the spec leaves out, from the parent */
                _cleanup_close_ int pfd = openat(h->dirfd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (pfd < 0)
                        return nsbox_error_set(reterr, errno, "cgroup: open the parent of %s/%s", h->mount,
                                               cg->path);
                if ((r = cg_v1_prepare_dir(h, h->dirfd, pfd, reterr)) < 0)
                        return r;
        }
        if ((h = cg_find(cg, "pids", false)) && res->pids.has_limit) {
                if (res->pids.limit > 0)
                        r = write_i64(h, "pids.max", res->pids.limit, reterr);
                else
                        r = cg_write(h, "pids.max", "max", reterr);
                if (r < 0)
                        return r;
        }
        if ((h = cg_find(cg, "blkio", false))) {
                if (res->block_io.has_weight && res->block_io.weight) {
                        /* blkio.weight went with CFQ; BFQ has its own file */
                        const char *f =
                                h->fake || faccessat(h->dirfd, "blkio.weight", F_OK, 0) == 0 ? "blkio.weight"
                                : faccessat(h->dirfd, "blkio.bfq.weight", F_OK, 0) == 0 ? "blkio.bfq.weight"
                                                                                        : NULL;
                        if (!f)
                                return nsbox_error_set_message(
                                        reterr, EOPNOTSUPP,
                                        "cgroup: block I/O weight: the kernel has neither "
                                        "blkio.weight nor blkio.bfq.weight (no CFQ or BFQ scheduler)");
                        if ((r = write_i64(h, f, res->block_io.weight, reterr)) < 0)
                                return r;
                }
                if ((r = write_throttle(h, "blkio.throttle.read_bps_device", res->block_io.throttle_read_bps,
                                        res->block_io.n_throttle_read_bps, reterr)) < 0 ||
                    (r = write_throttle(h, "blkio.throttle.write_bps_device",
                                        res->block_io.throttle_write_bps, res->block_io.n_throttle_write_bps,
                                        reterr)) < 0)
                        return r;
        }
        if (res->unified && (h = cg_find(cg, NULL, true)))
                for (char **k = res->unified; k[0] && k[1]; k += 2)
                        if ((r = cg_write(h, k[0], k[1], reterr)) < 0)
                                return r;
        return 0;
}

void cg_v1_stats(const NsboxCgroup *cg, NsboxCgroupStats *st)
{
        CgHier *h;
        uint64_t v;
        if ((h = cg_find(cg, "cpuacct", false)) && h->dirfd >= 0 &&
            cg_read_u64(h, "cpuacct.usage", &v) >= 0) {
                st->has_cpu = true;
                st->cpu_usage_ns = v;
        }
        if ((h = cg_find(cg, "memory", false)) && h->dirfd >= 0 &&
            cg_read_u64(h, "memory.usage_in_bytes", &v) >= 0) {
                st->has_memory = true;
                st->memory_current = v;
                if (cg_read_u64(h, "memory.max_usage_in_bytes", &v) >= 0)
                        st->memory_peak = v;
                /* "unlimited" is the largest page-aligned long */
                if (cg_read_u64(h, "memory.limit_in_bytes", &v) >= 0)
                        st->memory_limit = v >= (UINT64_C(1) << 62) ? 0 : v;
                if (cg_read_key(h, "memory.oom_control", "oom_kill", &v) >= 0)
                        st->oom_kills = v;
        }
        if ((h = cg_find(cg, "pids", false)) && h->dirfd >= 0 && cg_read_u64(h, "pids.current", &v) >= 0) {
                st->has_pids = true;
                st->pids_current = v;
                if (cg_read_u64(h, "pids.peak", &v) >= 0)
                        st->pids_peak = v;
                if (cg_read_u64(h, "pids.max", &v) >= 0)
                        st->pids_limit = v == UINT64_MAX ? 0 : v;
        }
}
