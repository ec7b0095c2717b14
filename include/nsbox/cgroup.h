/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <nsbox/common.h>
#include <nsbox/error.h>
#include <nsbox/spec.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Control groups for containers: one cgroup per container, in every
 * hierarchy of the host, with the limits of a spec's linux.resources.
 *
 * One interface, two backends. The host's layout is found below a root
 * directory (normally /sys/fs/cgroup):
 *  - v2: the root itself is a cgroup2 tree (it has cgroup.controllers);
 *  - v1: every subdirectory that holds cgroup.procs is a v1 hierarchy, its
 *    controllers named by the directory ("cpu,cpuacct", "memory"; a named
 *    hierarchy such as name=systemd is mounted at "systemd");
 *  - hybrid: v1 hierarchies plus a cgroup2 tree in a subdirectory
 *    ("unified"). Limits go to the v1 controllers; the container also joins
 *    the cgroup2 tree at the same path, as runc does.
 * Sources: the kernel's Documentation/admin-guide/cgroup-v1/ and cgroup-v2.rst,
 * runtime-spec config-linux.md "Control groups".
 *
 * A hierarchy that is not a cgroup filesystem (statfs(2) magic) is taken as a
 * simulated one, for tests: interface files are created when first written
 * (a kernel makes them with the directory; writes are appended, so a test
 * sees each one), and removal deletes them.
 *
 * Liveness: the creator of a cgroup holds flock(2) LOCK_EX on its directory in
 * the first hierarchy (in path order) for the cgroup's whole life; gc removes
 * only cgroups whose lock is free, so a running container is never touched.
 */

typedef struct NsboxCgroup NsboxCgroup;

typedef enum NsboxCgroupMode {
        NSBOX_CGROUP_V1 = 1,
        NSBOX_CGROUP_V2 = 2,
        NSBOX_CGROUP_HYBRID = 3,
} NsboxCgroupMode;

/* nsbox_cgroup_create() flags */
enum {
        /* a limit whose controller the host lacks is skipped (see
         * nsbox_cgroup_skipped()) instead of failing with -EOPNOTSUPP */
        NSBOX_CGROUP_BEST_EFFORT = 1 << 0,
};

/** The default cgroupfs root. */
#define NSBOX_CGROUP_ROOT_DEFAULT "/sys/fs/cgroup"

/**
 * nsbox_cgroup_detect - what kind of host a cgroupfs root is
 * @root: the root directory, NULL for NSBOX_CGROUP_ROOT_DEFAULT
 * @ret: NSBOX_CGROUP_V1, _V2 or _HYBRID
 * Returns: 0; -ENOENT when root holds no hierarchy; other -errno of
 * opendir(3)/openat(2) on root.
 */
NSBOX_PUBLIC int nsbox_cgroup_detect(const char *root, NsboxCgroupMode *ret);

/**
 * nsbox_cgroup_create - make a container's cgroup and apply its limits
 * @root: the cgroupfs root, NULL for NSBOX_CGROUP_ROOT_DEFAULT
 * @path: the cgroup, relative to the root of every hierarchy ("nsbox/box1";
 *        a leading '/' is ignored); its parents are created if missing and
 *        left in place later; no "." or ".." component, no empty name
 * @res: the limits (runtime-spec config-linux.md units; NULL: none)
 * @flags: NSBOX_CGROUP_BEST_EFFORT or 0
 * @ret: the cgroup, empty: processes join it with nsbox_cgroup_clone_fd()
 *       and nsbox_cgroup_attach()
 * @reterr: what was wrong, e.g. "cgroup: memory limit: the memory controller
 *          is not available"
 *
 * Everything is checked before anything is created: limits out of range, a
 * cpuset that names CPUs or memory nodes the parent does not have, a limit
 * whose controller is missing. Leftovers of dead owners under path's parent
 * are removed first (as nsbox_cgroup_gc() with no waiting, looking in the
 * first hierarchy only: an owner makes its directory there first and removes
 * it last), when no other gc runs. v1: cpuset.cpus and cpuset.mems are copied from the parent into
 * every new cpuset cgroup that the spec does not set (a v1 cpuset cgroup
 * starts empty and cannot take processes). v2: the controllers the limits
 * need are enabled in every ancestor's cgroup.subtree_control. Conversions to
 * v2: memory.max = limit, memory.low = reservation, memory.swap.max = swap -
 * limit; cpu.max = "quota period"; cpu.weight = nsbox_cgroup_shares_to_weight();
 * io.weight = nsbox_cgroup_blkio_to_io_weight(); io.max "MAJ:MIN rbps=N
 * wbps=N"; pids.max ("max" for 0 or -1). v1: memory.limit_in_bytes,
 * memory.soft_limit_in_bytes, memory.memsw.limit_in_bytes, cpu.shares,
 * cpu.cfs_period_us, cpu.cfs_quota_us, cpuset.cpus, cpuset.mems, pids.max,
 * blkio.weight (or blkio.bfq.weight), blkio.throttle.{read,write}_bps_device.
 *
 * Returns: 0; -EINVAL for a bad path or an invalid or unavailable limit;
 * -EOPNOTSUPP for a limit the host cannot enforce (without BEST_EFFORT), or
 * res->unified on a host without cgroup v2; -EEXIST when the cgroup exists
 * and its owner is alive; -ENOENT when root has no hierarchy; -EACCES,
 * -EPERM without the privilege; other -errno of mkdir(2) and write(2). After
 * a failure nothing this call created is left.
 */
NSBOX_PUBLIC int nsbox_cgroup_create(const char *root, const char *path, const NsboxResources *res,
                                     unsigned flags, NsboxCgroup **ret, NsboxError **reterr);

/**
 * nsbox_cgroup_open - an existing cgroup, to read its statistics
 * @root, @path: as for nsbox_cgroup_create()
 * Returns: 0; -ENOENT when no hierarchy has the cgroup; -EINVAL for a bad
 * path; -ENOMEM. The cgroup is not owned: nsbox_cgroup_free() leaves it.
 */
NSBOX_PUBLIC int nsbox_cgroup_open(const char *root, const char *path, NsboxCgroup **ret,
                                   NsboxError **reterr);

/**
 * nsbox_cgroup_clone_fd - an O_DIRECTORY fd of the cgroup in the cgroup2
 * tree, for clone3(2)'s CLONE_INTO_CGROUP (v2 and hybrid hosts), so the child
 * starts inside the cgroup. Owned by the cgroup.
 * Returns: the fd; -EOPNOTSUPP on a v1-only host or a simulated tree.
 */
NSBOX_PUBLIC int nsbox_cgroup_clone_fd(const NsboxCgroup *cg);

/**
 * nsbox_cgroup_attach - move a process into the cgroup in every hierarchy
 * that clone3(CLONE_INTO_CGROUP) did not cover (write to cgroup.procs)
 * @cg: the cgroup
 * @pid: the process, in the caller's pid namespace (stopped at a barrier
 *       until this returns, so it runs no instruction of its own outside)
 * @joined_by_clone: true when the process was cloned with
 *                   nsbox_cgroup_clone_fd(), so the cgroup2 tree is skipped
 * Returns: 0, or -errno of write(2) (-ESRCH: no such process).
 */
NSBOX_PUBLIC int nsbox_cgroup_attach(NsboxCgroup *cg, pid_t pid, bool joined_by_clone, NsboxError **reterr);

/** Statistics of a cgroup; a has_* flag is false where the host does not say. */
typedef struct NsboxCgroupStats {
        bool has_cpu, has_memory, has_pids;
        uint64_t cpu_usage_ns;   /* CPU time of every process, user and system, ns */
        uint64_t memory_current; /* bytes in use now */
        uint64_t memory_peak;    /* the most bytes ever in use */
        uint64_t memory_limit;   /* bytes; 0: unlimited */
        uint64_t oom_kills;      /* processes the OOM killer killed for the limit */
        uint64_t pids_current;
        uint64_t pids_peak;  /* 0 when the kernel does not keep it */
        uint64_t pids_limit; /* 0: unlimited */
} NsboxCgroupStats;

/**
 * nsbox_cgroup_stats - read a cgroup's statistics
 * v1: cpuacct.usage, memory.{usage,max_usage,limit}_in_bytes,
 * memory.oom_control "oom_kill", pids.{current,peak,max}. v2: cpu.stat
 * usage_usec, memory.{current,peak,max}, memory.events "oom_kill",
 * pids.{current,peak,max}.
 * Returns: 0, or -errno of reading an interface file that exists.
 */
NSBOX_PUBLIC int nsbox_cgroup_stats(const NsboxCgroup *cg, NsboxCgroupStats *ret);

/**
 * nsbox_cgroup_skipped - the limits nsbox_cgroup_create() skipped with
 * NSBOX_CGROUP_BEST_EFFORT, as "what: why" lines
 * Returns: a NULL-terminated list owned by the cgroup (empty, never NULL).
 */
NSBOX_PUBLIC const char *const *nsbox_cgroup_skipped(const NsboxCgroup *cg);

/** nsbox_cgroup_path - the cgroup's path relative to each hierarchy's root, without a leading '/'. */
NSBOX_PUBLIC const char *nsbox_cgroup_path(const NsboxCgroup *cg);

/** nsbox_cgroup_mode - the kind of host the cgroup is on. */
NSBOX_PUBLIC NsboxCgroupMode nsbox_cgroup_mode(const NsboxCgroup *cg);

/**
 * nsbox_cgroup_destroy - remove a cgroup made by nsbox_cgroup_create() and
 * free it. Processes still in it get SIGKILL (cgroup.kill on v2; on v1 each
 * pid of cgroup.procs through a pidfd, checked to be still listed); then the
 * directories are removed, retrying while the kernel still says EBUSY, for
 * at most 10 s. The parents are left. NULL is accepted.
 * Returns: 0; -EBUSY when processes did not go in time; other -errno of
 * rmdir(2). The cgroup is freed in every case.
 */
NSBOX_PUBLIC int nsbox_cgroup_destroy(NsboxCgroup *cg, NsboxError **reterr);

/** nsbox_cgroup_free - free a cgroup without removing it. NULL is accepted. */
NSBOX_PUBLIC void nsbox_cgroup_free(NsboxCgroup *cg);

/**
 * nsbox_cgroup_gc - remove the cgroups of dead owners below a parent
 * @root: the cgroupfs root, NULL for the default
 * @parent: e.g. "nsbox"; kept itself
 * @wait: wait (up to 10 s each) for a leftover's processes to die; without
 *        it, leftovers that still hold processes are killed and left for later
 * Holds flock(2) LOCK_EX on the parent in the first hierarchy while it works,
 * so creations (LOCK_SH) wait. Looks for names in every hierarchy.
 * Returns: the number of cgroups removed; -EINVAL for a bad parent; other
 * -errno (the first that failed; the rest are still tried).
 */
NSBOX_PUBLIC int nsbox_cgroup_gc(const char *root, const char *parent, bool wait, NsboxError **reterr);

/**
 * nsbox_cgroup_shares_to_weight - v1 cpu.shares to v2 cpu.weight, as runc and
 * crun do: 1 + ((shares - 2) * 9999) / 262142, shares clamped to 2..262144.
 * Returns: the weight, 1 to 10000.
 */
NSBOX_PUBLIC uint64_t nsbox_cgroup_shares_to_weight(uint64_t shares);

/**
 * nsbox_cgroup_weight_to_shares - the smallest cpu.shares whose
 * nsbox_cgroup_shares_to_weight() is weight (weight clamped to 1..10000), so
 * --cpu-weight round-trips exactly.
 * Returns: the shares, 2 to 262144.
 */
NSBOX_PUBLIC uint64_t nsbox_cgroup_weight_to_shares(uint64_t weight);

/**
 * nsbox_cgroup_blkio_to_io_weight - v1 blkio.weight to v2 io.weight, as runc
 * does: 1 + ((weight - 10) * 9999) / 990, weight clamped to 10..1000.
 * Returns: 1 to 10000.
 */
NSBOX_PUBLIC uint64_t nsbox_cgroup_blkio_to_io_weight(uint64_t weight);

/**
 * nsbox_cgroup_io_to_blkio_weight - the smallest blkio.weight whose
 * nsbox_cgroup_blkio_to_io_weight() is at least io_weight (1..10000).
 * Returns: 10 to 1000.
 */
NSBOX_PUBLIC uint64_t nsbox_cgroup_io_to_blkio_weight(uint64_t io_weight);

/**
 * nsbox_cgroup_parse_cpuset - check a cpuset list ("0-3,8,10-11") and
 * optionally whether every entry is in another list
 * @list: the list
 * @within: the list it must lie within (the parent's), or NULL
 * @ret_missing: with within, the first entry not in it (may be NULL)
 * Returns: 0; -EINVAL for bad syntax or an entry above 4095; -ERANGE when an
 * entry is not within.
 */
NSBOX_PUBLIC int nsbox_cgroup_parse_cpuset(const char *list, const char *within, unsigned *ret_missing);

#ifdef __cplusplus
}
#endif
