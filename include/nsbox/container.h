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

/* Options of nsbox_container_create() for the OCI runtime's create. */
typedef struct NsboxCreateOptions {
        const char *id;     /* the container ID, for the hooks' state */
        const char *bundle; /* the bundle's absolute path, for the hooks' state */
        /* -1, or a listening AF_UNIX SOCK_SEQPACKET socket: the init then stops
         * after its setup, just before the exec, until
         * nsbox_container_start_created() connects to it (runtime-spec
         * runtime.md "create" and "start") */
        int start_fd;
} NsboxCreateOptions;

/**
 * nsbox_container_create - nsbox_container_start() with the OCI lifecycle
 * @spec: the configuration; its hooks run at their points (config.md
 *        "POSIX-platform Hooks"): prestart and createRuntime in the caller's
 *        namespaces and createContainer in the container's, all after the
 *        mounts and before pivot_root(2); startContainer in the container
 *        after start; poststart and poststop are the caller's to run
 * @opts: id, bundle and start_fd; NULL is nsbox_container_start()
 * @ret: the container; with start_fd, its init waits for start and the
 *       caller hands it over with nsbox_container_release() (or kills it with
 *       nsbox_container_free())
 * @reterr: the first error, e.g. "prestart: hook /x: exited with status 1"
 *
 * Also applies spec->oci: linux.devices (mknod(2)), linux.sysctl (which
 * must belong to a namespace the container has of its own, as runc
 * requires), linux.timeOffsets (time_namespaces(7)) and linux.personality
 * (personality(2)). A namespace path to join is checked to be a namespace of
 * its type before anything is made (NS_GET_NSTYPE, ioctl_ns(2)).
 *
 * Returns: as nsbox_container_start(); -ECANCELED or -ETIMEDOUT for a failed
 * hook (see nsbox_hook_run()).
 */
NSBOX_PUBLIC int nsbox_container_create(const NsboxSpec *spec, const NsboxCreateOptions *opts,
                                        NsboxContainer **ret, NsboxError **reterr);

/**
 * nsbox_container_release - let a container created with a start_fd outlive
 * the caller: its init stops dying with the caller (PR_SET_PDEATHSIG) and
 * waits for start; then free @c without killing anything.
 * Returns: 0, or -errno of send(2) (then the container is killed and freed).
 */
NSBOX_PUBLIC int nsbox_container_release(NsboxContainer *c);

/**
 * nsbox_container_start_created - the OCI start: let a created container's
 * init exec its process
 * @socket_path: the path the start_fd socket of nsbox_container_create() is
 *               bound to (at most 107 bytes: use /proc/self/fd/N/NAME for a
 *               long one)
 * @state: the state JSON given to the startContainer hooks
 * @reterr: the init's error: a startContainer hook, or its execve(2) (then
 *          nsbox_container_exec_failed() is true)
 * Returns: 0 once the exec has succeeded; -ECONNREFUSED or -ENOENT when no
 * init waits there (stopped or already started); the init's -errno.
 */
NSBOX_PUBLIC int nsbox_container_start_created(const char *socket_path, const char *state,
                                               NsboxError **reterr);

/* Options of nsbox_container_exec(). */
typedef struct NsboxExecOptions {
        /* the process outlives the caller (runc exec --detach); else it gets
         * SIGKILL when the caller dies */
        bool detach;
} NsboxExecOptions;

/**
 * nsbox_container_exec - run a new process in a running container
 * @target: a process of the container (its init), in the caller's pid
 *          namespace
 * @spec: the process to run (spec->process: args, env, cwd, user,
 *        capabilities, noNewPrivileges, terminal); the rest is ignored
 * @opts: NULL or options
 * @ret: the process, as a container handle (wait, kill, console fd)
 * @reterr: what failed, as for nsbox_container_start()
 *
 * The process joins every cgroup of @target (cgroup.procs in each mounted
 * hierarchy, cgroups(7)) and every namespace in which @target differs from
 * the caller (setns(2) with a pidfd; pid and time through the caller's
 * *_for_children, which are restored), then starts a new session and execs
 * like nsbox_container_start()'s process.
 * Returns: 0; -ESRCH when @target is gone; -EINVAL for empty args; the
 * -errno of the failing step.
 */
NSBOX_PUBLIC int nsbox_container_exec(pid_t target, const NsboxSpec *spec, const NsboxExecOptions *opts,
                                      NsboxContainer **ret, NsboxError **reterr);

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
