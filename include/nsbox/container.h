/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

#include <nsbox/cgroup.h>
#include <nsbox/common.h>
#include <nsbox/error.h>
#include <nsbox/spec.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct NsboxContainer NsboxContainer;

/* NsboxError.code of a failure of execve(2) itself is reported with this
 * flag in nsbox_container_start()'s return: -(errno) | 0 is ambiguous, so the
 * caller asks nsbox_container_exec_failed() instead. */

/**
 * nsbox_container_start - create a container from a spec and run its process
 * @spec: the configuration (root.path and process.args are required)
 * @ret: the running container
 * @reterr: on failure, the first error the container's setup hit, with its
 *          context, as reported by the child over the sync socket
 *
 * Clones a child into the spec's namespaces (clone3(2) with CLONE_PIDFD),
 * in its cgroup when the spec has linux.cgroupsPath (made with
 * nsbox_cgroup_create() before the clone; on cgroup v2 the child is cloned
 * into it with CLONE_INTO_CGROUP, on v1 the parent moves it in before the
 * child runs any code of the container's; its cgroup namespace is made only
 * then, so the container sees its cgroup as '/'), sets up its mounts, pivot_root(2)s into the rootfs and execs process.args.
 * With process.terminal, the command's stdio is a new pseudo-terminal (see
 * nsbox_container_console_fd()); with ext.init, the child stays PID 1 as a
 * signal-forwarding, zombie-reaping init and a grandchild execs the command.
 * The command starts with no signal blocked and every signal at its default
 * action, whatever the caller's mask (block signals before this call to
 * read them from a signalfd without losing any).
 * Returns once the exec has succeeded or the setup has failed; the child dies
 * with the caller (PR_SET_PDEATHSIG, checked against the parent's pidfd).
 *
 * Returns: 0; -EINVAL for an unusable spec; the errors of
 * nsbox_cgroup_create() (-EINVAL, -EOPNOTSUPP, -EEXIST, -EACCES, ...); the -errno of the failing step
 * (e.g. -ENOENT for a missing rootfs or command, -EACCES for a command that
 * is not executable); -ENOMEM. After a failure, no process, mount or fd that
 * this call made is left.
 */
NSBOX_PUBLIC int nsbox_container_start(const NsboxSpec *spec, NsboxContainer **ret, NsboxError **reterr);

/**
 * nsbox_container_exec_failed - whether the last start failure was the
 * execve(2) of process.args[0] (the command line then exits 126 or 127).
 * @reterr: the error returned by nsbox_container_start()
 * Returns: true or false.
 */
NSBOX_PUBLIC bool nsbox_container_exec_failed(const NsboxError *reterr);

/**
 * nsbox_container_wait - wait for the container's init process to end
 * @c: the container
 * @ret_status: its exit code, or 128+N when signal N killed it (shell rules)
 * Returns: 0, or -errno of waitid(2) (-EINTR when a signal arrived; call again).
 */
NSBOX_PUBLIC int nsbox_container_wait(NsboxContainer *c, int *ret_status);

/**
 * nsbox_container_kill - send a signal to the container's init process
 * (pidfd_send_signal(2), so a reused PID is never hit).
 * Returns: 0, -ESRCH when it has already ended, or another -errno.
 */
NSBOX_PUBLIC int nsbox_container_kill(NsboxContainer *c, int sig);

/**
 * nsbox_container_console_fd - the master side of the container's
 * pseudo-terminal (spec process.terminal; pty(7)): what the command writes to
 * its terminal is read here, what is written here is its input, and
 * TIOCSWINSZ on it resizes the terminal and sends SIGWINCH to the command's
 * foreground process group. Owned by the container, close-on-exec.
 * Returns: the fd, or -ENOTTY when the container has no terminal.
 */
NSBOX_PUBLIC int nsbox_container_console_fd(const NsboxContainer *c);

/** nsbox_container_pid - the init process's PID in the caller's PID namespace. */
NSBOX_PUBLIC pid_t nsbox_container_pid(const NsboxContainer *c);

/**
 * nsbox_container_cgroup - the container's cgroup (spec linux.cgroupsPath),
 * for its statistics (nsbox_cgroup_stats()) and the limits best-effort mode
 * skipped; owned by the container, which removes it in
 * nsbox_container_free(). Read the statistics after nsbox_container_wait()
 * and before the free for the totals of the whole run.
 * Returns: the cgroup, or NULL when the spec has no cgroupsPath.
 */
NSBOX_PUBLIC NsboxCgroup *nsbox_container_cgroup(const NsboxContainer *c);

/** nsbox_container_pidfd - a pidfd of the init process, owned by the container. */
NSBOX_PUBLIC int nsbox_container_pidfd(const NsboxContainer *c);

/**
 * nsbox_container_free - release a container; one still running is killed
 * with SIGKILL and reaped first, so nothing outlives it; then its cgroup is
 * removed (nsbox_cgroup_destroy()). NULL is accepted.
 */
NSBOX_PUBLIC void nsbox_container_free(NsboxContainer *c);

#ifdef __cplusplus
}
#endif
