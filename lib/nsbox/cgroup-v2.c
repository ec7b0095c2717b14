/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cgroup v2 backend: one unified tree; limits converted from the
 * runtime-spec's v1 units as runc and crun do (Documentation/admin-guide/
 * cgroup-v2.rst; runc's and crun's documented conversions for weights,
 * shares and swap).
 */
#include <inttypes.h>

#include "basic/macro.h"
#include "nsbox/cgroup-internal.h"

static bool wants(const NsboxResources *res, const char *ctl)
{
        if (streq(ctl, "memory"))
                return res->memory.has_limit || res->memory.has_reservation || res->memory.has_swap;
        if (streq(ctl, "cpu"))
                return res->cpu.has_shares || res->cpu.has_quota || res->cpu.has_period;
        if (streq(ctl, "cpuset"))
                return res->cpu.cpus || res->cpu.mems;
        if (streq(ctl, "pids"))
                return res->pids.has_limit;
        if (streq(ctl, "io"))
                return res->block_io.has_weight || res->block_io.n_throttle_read_bps ||
                       res->block_io.n_throttle_write_bps;
        size_t l = strlen(ctl);
        for (char **k = res->unified; k && k[0] && k[1]; k += 2)
                if (strneq(k[0], ctl, l) && k[0][l] == '.')
                        return true;
        return false;
}

static const char *const controllers[] = {
        "cpuset", "cpu", "io", "memory", "pids", "hugetlb", "rdma", "misc"
};

int cg_v2_check(NsboxCgroup *cg, const NsboxResources *res, unsigned flags, NsboxError **reterr)
{
        CgHier *h = &cg->h[0];
        int r;
        static const char *const what[] = { "cpuset",     "cpu limit",     "I/O limit",  "memory limit",
                                            "pids limit", "hugetlb limit", "rdma limit", "misc limit" };
        for (size_t i = 0; i < ELEMENTSOF(controllers); i++)
                if (wants(res, controllers[i]) && !cg_hier_has(h, controllers[i]) &&
                    (r = cg_unsupported(cg, flags, what[i], controllers[i], reterr)) < 0)
                        return r;
        for (char **k = res->unified; k && k[0] && k[1]; k += 2)
                if (!*k[0] || strchr(k[0], '/') || k[0][0] == '.')
                        return nsbox_error_set_message(
                                reterr, EINVAL,
                                "cgroup: linux.resources.unified: '%s' is not an interface file name", k[0]);
        if (res->memory.has_swap && res->memory.swap != -1 &&
            (!res->memory.has_limit || res->memory.limit == -1))
                return nsbox_error_set_message(
                        reterr, EINVAL, "cgroup: a memory+swap limit on cgroup v2 needs a memory limit");
        static const char *const lists[] = { "cpuset.cpus", "cpuset.mems" };
        const char *vals[] = { res->cpu.cpus, res->cpu.mems };
        for (size_t i = 0; i < 2; i++) {
                _cleanup_close_ int fd = open(h->mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                _cleanup_free_ char *have = NULL;
                char file[64];
                snprintf(file, sizeof(file), "%s.effective", lists[i]);
                if (!vals[i] || !cg_hier_has(h, "cpuset") || fd < 0 || cg_read(h, fd, file, &have) < 0)
                        continue;
                unsigned missing = 0;
                r = nsbox_cgroup_parse_cpuset(vals[i], have, &missing);
                if (r == -ERANGE)
                        return nsbox_error_set_message(
                                reterr, EINVAL, "cgroup: %s '%s': %u is not available (the host has %s)",
                                lists[i], vals[i], missing, *have ? have : "none");
                if (r < 0)
                        return nsbox_error_set_message(reterr, EINVAL, "cgroup: %s '%s': not a valid list",
                                                       lists[i], vals[i]);
        }
        return 0;
}

void cg_v2_needed(const NsboxCgroup *cg, const NsboxResources *res, char *buf, size_t size)
{
        size_t n = 0;
        buf[0] = 0;
        for (size_t i = 0; i < ELEMENTSOF(controllers); i++) {
                /* memory and pids also for the statistics (peak memory, pids) */
                bool want = wants(res, controllers[i]) || streq(controllers[i], "memory") ||
                            streq(controllers[i], "pids");
                if (want && cg_hier_has(&cg->h[0], controllers[i]) && n + strlen(controllers[i]) + 3 < size)
                        n += (size_t) snprintf(buf + n, size - n, "%s+%s", n ? " " : "", controllers[i]);
        }
}

static int write_u64(const CgHier *h, const char *file, uint64_t v, NsboxError **reterr)
{
        char buf[32];
        snprintf(buf, sizeof(buf), "%" PRIu64, v);
        return cg_write(h, file, buf, reterr);
}

static int write_limit(const CgHier *h, const char *file, int64_t v, NsboxError **reterr)
{
        return v < 0 ? cg_write(h, file, "max", reterr) : write_u64(h, file, (uint64_t) v, reterr);
}

int cg_v2_apply(NsboxCgroup *cg, const NsboxResources *res, NsboxError **reterr)
{
        const CgHier *h = &cg->h[0];
        int r;
        /* best effort: what the host cannot take was checked and recorded */
        NsboxResources eff = *res;
        if (!cg_hier_has(h, "memory"))
                eff.memory.has_limit = eff.memory.has_reservation = eff.memory.has_swap = false;
        if (!cg_hier_has(h, "cpu"))
                eff.cpu.has_shares = eff.cpu.has_quota = eff.cpu.has_period = false;
        if (!cg_hier_has(h, "cpuset"))
                eff.cpu.cpus = eff.cpu.mems = NULL;
        if (!cg_hier_has(h, "pids"))
                eff.pids.has_limit = false;
        if (!cg_hier_has(h, "io")) {
                eff.block_io.has_weight = false;
                eff.block_io.n_throttle_read_bps = eff.block_io.n_throttle_write_bps = 0;
        }
        res = &eff;
        if (res->memory.has_limit && (r = write_limit(h, "memory.max", res->memory.limit, reterr)) < 0)
                return r;
        if (res->memory.has_reservation &&
            (r = write_u64(h, "memory.low",
                           res->memory.reservation < 0 ? 0 : (uint64_t) res->memory.reservation, reterr)) <
                    0)
                return r;
        /* v1's swap is memory plus swap; v2's is swap alone */
        if (res->memory.has_swap && (h->fake || faccessat(h->dirfd, "memory.swap.max", F_OK, 0) == 0) &&
            (r = write_limit(h, "memory.swap.max",
                             res->memory.swap < 0 ? -1 : res->memory.swap - res->memory.limit, reterr)) < 0)
                return r;
        if (res->cpu.has_quota || res->cpu.has_period) {
                char buf[64], q[24];
                if (!res->cpu.has_quota || res->cpu.quota < 0)
                        snprintf(q, sizeof(q), "max");
                else
                        snprintf(q, sizeof(q), "%" PRId64, res->cpu.quota);
                snprintf(buf, sizeof(buf), "%s %" PRIu64, q, res->cpu.has_period ? res->cpu.period : 100000);
                if ((r = cg_write(h, "cpu.max", buf, reterr)) < 0)
                        return r;
        }
        if (res->cpu.has_shares && res->cpu.shares &&
            (r = write_u64(h, "cpu.weight", nsbox_cgroup_shares_to_weight(res->cpu.shares), reterr)) < 0)
                return r;
        if (res->cpu.cpus && (r = cg_write(h, "cpuset.cpus", res->cpu.cpus, reterr)) < 0)
                return r;
        if (res->cpu.mems && (r = cg_write(h, "cpuset.mems", res->cpu.mems, reterr)) < 0)
                return r;
        if (res->pids.has_limit &&
            (r = write_limit(h, "pids.max", res->pids.limit > 0 ? res->pids.limit : -1, reterr)) < 0)
                return r;
        if (res->block_io.has_weight && res->block_io.weight) {
                char buf[48];
                snprintf(buf, sizeof(buf), "default %" PRIu64,
                         nsbox_cgroup_blkio_to_io_weight(res->block_io.weight));
                if ((r = cg_write(h, "io.weight", buf, reterr)) < 0)
                        return r;
        }
        for (int w = 0; w < 2; w++) {
                const NsboxThrottleDevice *d =
                        w ? res->block_io.throttle_write_bps : res->block_io.throttle_read_bps;
                size_t n = w ? res->block_io.n_throttle_write_bps : res->block_io.n_throttle_read_bps;
                for (size_t i = 0; i < n; i++) {
                        char buf[96];
                        snprintf(buf, sizeof(buf), "%" PRId64 ":%" PRId64 " %s=%" PRIu64, d[i].major,
                                 d[i].minor, w ? "wbps" : "rbps", d[i].rate);
                        if ((r = cg_write(h, "io.max", buf, reterr)) < 0)
                                return r;
                }
        }
        for (char **k = res->unified; k && k[0] && k[1]; k += 2)
                if ((r = cg_write(h, k[0], k[1], reterr)) < 0)
                        return r;
        return 0;
}

void cg_v2_stats(const NsboxCgroup *cg, NsboxCgroupStats *st)
{
        CgHier *h = cg_find(cg, NULL, true);
        uint64_t v;
        if (!h || h->dirfd < 0)
                return;
        if (!st->has_cpu && cg_read_key(h, "cpu.stat", "usage_usec", &v) >= 0) {
                st->has_cpu = true;
                st->cpu_usage_ns = v * 1000;
        }
        if (!st->has_memory && cg_read_u64(h, "memory.current", &v) >= 0) {
                st->has_memory = true;
                st->memory_current = v;
                if (cg_read_u64(h, "memory.peak", &v) >= 0)
                        st->memory_peak = v;
                if (cg_read_u64(h, "memory.max", &v) >= 0)
                        st->memory_limit = v == UINT64_MAX ? 0 : v;
                if (cg_read_key(h, "memory.events", "oom_kill", &v) >= 0)
                        st->oom_kills = v;
        }
        if (!st->has_pids && cg_read_u64(h, "pids.current", &v) >= 0) {
                st->has_pids = true;
                st->pids_current = v;
                if (cg_read_u64(h, "pids.peak", &v) >= 0)
                        st->pids_peak = v;
                if (cg_read_u64(h, "pids.max", &v) >= 0)
                        st->pids_limit = v == UINT64_MAX ? 0 : v;
        }
}
