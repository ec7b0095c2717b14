/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Between the cgroup front end (cgroup.c) and its v1 and v2 backends. */

#include "nsbox/cgroup.h"

/* One hierarchy of the host, and the container's directory in it. */
typedef struct CgHier {
        char *mount;        /* the hierarchy's root directory */
        char **controllers; /* v1: from the directory name; v2: cgroup.controllers */
        bool v2;
        bool fake;   /* not a cgroup filesystem: a simulated tree (tests) */
        int dirfd;   /* the cgroup's directory, or -EBADF */
        int rootfd;  /* the hierarchy's root directory (mount) */
        bool exists; /* the cgroup's directory exists (made by us or found) */
} CgHier;

struct NsboxCgroup {
        char *path; /* relative, no leading '/' */
        NsboxCgroupMode mode;
        CgHier *h;
        size_t n;
        int lock_fd; /* the cgroup's directory in h[0], flock(LOCK_EX) held */
        char **skipped;
        size_t n_skipped;
};

/* Whether a hierarchy has a controller. */
bool cg_hier_has(const CgHier *h, const char *controller);
/* The v1 hierarchy with a controller (NULL: none), or the cgroup2 tree when v2 is true. */
CgHier *cg_find(const NsboxCgroup *cg, const char *controller, bool v2);
/* Write value to an interface file of the cgroup. Returns 0 or -errno (with reterr). */
int cg_write(const CgHier *h, const char *file, const char *value, NsboxError **reterr);
/* Write at an arbitrary directory fd of hierarchy h (a parent). */
int cg_write_at(const CgHier *h, int dirfd, const char *file, const char *value, NsboxError **reterr);
/* Read an interface file, trailing newline removed. Returns 0 or -errno. */
int cg_read(const CgHier *h, int dirfd, const char *file, char **ret);
/* Read one "key value" line of a flat-keyed file (memory.events, cpu.stat). */
int cg_read_key(const CgHier *h, const char *file, const char *key, uint64_t *ret);
/* Read a file holding one number, or "max" (as UINT64_MAX). */
int cg_read_u64(const CgHier *h, const char *file, uint64_t *ret);
/* Record a limit that best-effort mode skipped, or fail with -EOPNOTSUPP. */
int cg_unsupported(NsboxCgroup *cg, unsigned flags, const char *what, const char *controller,
                   NsboxError **reterr);

/* Backends. check: before anything is created (limits and controllers);
 * prepare_parent: a parent directory the front end made or found
 * (parent_fd) in hierarchy h, with its own parent (grand_fd); apply: write
 * the limits into the new cgroup; stats: fill what the backend knows. */
int cg_v1_check(NsboxCgroup *cg, const NsboxResources *res, unsigned flags, NsboxError **reterr);
int cg_v1_prepare_dir(const CgHier *h, int dirfd, int parent_fd, NsboxError **reterr);
int cg_v1_apply(NsboxCgroup *cg, const NsboxResources *res, NsboxError **reterr);
void cg_v1_stats(const NsboxCgroup *cg, NsboxCgroupStats *st);

int cg_v2_check(NsboxCgroup *cg, const NsboxResources *res, unsigned flags, NsboxError **reterr);
/* The controllers the limits need, as "+a +b" for cgroup.subtree_control ("" for none). */
void cg_v2_needed(const NsboxCgroup *cg, const NsboxResources *res, char *buf, size_t size);
int cg_v2_apply(NsboxCgroup *cg, const NsboxResources *res, NsboxError **reterr);
void cg_v2_stats(const NsboxCgroup *cg, NsboxCgroupStats *st);
