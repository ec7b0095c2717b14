/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

#include <nsbox/common.h>
#include <nsbox/error.h>
#include <nsbox/spec.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Pieces of the OCI runtime lifecycle (runtime-spec runtime.md) that are not
 * about one process: the state JSON and lifecycle hooks.
 */

/**
 * nsbox_oci_state_json - the runtime-spec state of a container (runtime.md
 * "State"): {"ociVersion","id","status","pid","bundle","annotations"}
 * @spec: the container's spec (ociVersion, annotations); may be NULL
 * @id: the container ID
 * @status: "creating", "created", "running" or "stopped" (runc adds "paused")
 * @pid: the init process in the caller's pid namespace; 0 leaves "pid" out
 *       (the spec omits it for a stopped container)
 * @bundle: the bundle's absolute path
 * @ret: a malloc'd, NUL-terminated JSON text
 * Returns: 0 or -ENOMEM.
 */
NSBOX_PUBLIC int nsbox_oci_state_json(const NsboxSpec *spec, const char *id, const char *status, pid_t pid,
                                      const char *bundle, char **ret);

/**
 * nsbox_hook_run - run one lifecycle hook (runtime-spec config.md
 * "POSIX-platform Hooks"): fork, exec hook->path with hook->args (argv[0]
 * included; just the path when args is empty) and hook->env (empty when
 * unset), state on its stdin, stdout and stderr inherited. Waits for it;
 * with hook->timeout (seconds) it is killed (SIGKILL) when the time is up.
 * Runs in the caller's namespaces.
 * @hook: the hook
 * @state: the state JSON written to its stdin
 * @reterr: e.g. "hook /x: exited with status 3", "hook /x: timed out after 2 s"
 * Returns: 0; -ECANCELED when it exited non-zero or was killed by a signal;
 * -ETIMEDOUT; -ENOENT/-EACCES when it cannot be executed; other -errno of
 * fork(2) or pipe(2).
 */
NSBOX_PUBLIC int nsbox_hook_run(const NsboxHook *hook, const char *state, NsboxError **reterr);

/**
 * nsbox_hooks_run - run every hook of one kind of a spec, in order; stops at
 * the first failure (see nsbox_hook_run()).
 * Returns: 0 or the first failure's -errno, reterr prefixed with the kind
 * ("prestart hook /x: exited with status 1").
 */
NSBOX_PUBLIC int nsbox_hooks_run(const NsboxSpec *spec, NsboxHookKind kind, const char *state,
                                 NsboxError **reterr);

#ifdef __cplusplus
}
#endif
