/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The OCI runtime's cgroups: one directory per container at cgroupsPath in
 * every mounted hierarchy (cgroup v1 controllers and the cgroup2 tree of a
 * hybrid host, as runc does), a few limits of linux.resources, the freezer
 * for pause/resume, and the process list for ps and kill --all. A small
 * stand-in until the library's cgroup module (branch cgroup) is on main.
 */
#include <stdbool.h>
#include <sys/types.h>

#include "nsbox/nsbox.h"

typedef struct json_t json_t;

/* Checks a cgroupsPath: relative or absolute, no "..", "." or empty
 * component, no systemd "slice:prefix:name" form. Returns 0 or -EINVAL. */
int ocicg_check_path(const char *path);

/* mkdir -p PATH in every hierarchy and apply linux.resources (may be NULL):
 * memory.limit, memory.reservation, memory.swap, pids.limit, cpu.shares,
 * cpu.quota, cpu.period, cpu.cpus, cpu.mems. Returns 0 or -errno (reterr set);
 * on failure nothing made is left. */
int ocicg_create(const char *path, json_t *resources, NsboxError **reterr);

/* Apply linux.resources to an existing cgroup (update). */
int ocicg_update(const char *path, json_t *resources, NsboxError **reterr);

/* Move the calling process into PATH in every hierarchy. */
int ocicg_enter(const char *path, NsboxError **reterr);

/* Move the calling process back to where it was before ocicg_enter(). */
void ocicg_leave(void);

/* The processes in PATH (cgroup.procs of the pids, freezer or first hierarchy),
 * a malloc'd array. Returns the count or -errno. */
int ocicg_pids(const char *path, pid_t **ret);

/* Freeze (true) or thaw the cgroup (v1 freezer.state; v2 cgroup.freeze) and
 * wait until the kernel says it is done. Returns 0, -EOPNOTSUPP without a
 * freezer, other -errno. */
int ocicg_freeze(const char *path, bool freeze, NsboxError **reterr);

/* Whether the cgroup is frozen. */
bool ocicg_frozen(const char *path);

/* SIGKILL what is left in PATH, then rmdir it in every hierarchy (retrying
 * while busy, up to 5 s). Returns 0 or the first -errno. */
int ocicg_destroy(const char *path, NsboxError **reterr);
