/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* OCI state JSON and lifecycle hooks (runtime-spec runtime.md "State",
 * config.md "POSIX-platform Hooks"). */
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#include "basic/macro.h"
#include "basic/missing.h"
#include "nsbox/internal.h"

int nsbox_oci_state_json(const NsboxSpec *spec, const char *id, const char *status, pid_t pid,
                         const char *bundle, char **ret)
{
        json_t *o = json_pack("{s:s,s:s,s:s}", "ociVersion",
                              spec && spec->oci_version ? spec->oci_version : "1.2.0", "id", id, "status",
                              status);
        if (!o)
                return -ENOMEM;
        if (pid > 0)
                json_object_set_new(o, "pid", json_integer(pid));
        json_object_set_new(o, "bundle", json_string(bundle ? bundle : ""));
        json_t *ann = json_object();
        for (char **a = spec ? spec->oci.annotations : NULL; a && a[0] && a[1]; a += 2)
                json_object_set_new(ann, a[0], json_string(a[1]));
        json_object_set_new(o, "annotations", ann);
        char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(o);
        if (!text)
                return -ENOMEM;
        *ret = text;
        return 0;
}

static int64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int nsbox_hook_run(const NsboxHook *hook, const char *state, NsboxError **reterr)
{
        int in[2], err[2];
        /* a socket, not a pipe, for stdin: send(MSG_NOSIGNAL) to a hook that
         * does not read it gets EPIPE instead of killing us with SIGPIPE */
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) < 0)
                return nsbox_error_set(reterr, errno, "hook %s: socketpair", hook->path);
        /* carries the child's execve(2) errno; EOF means the exec worked */
        if (pipe2(err, O_CLOEXEC) < 0) {
                int e = errno;
                safe_close(in[0]);
                safe_close(in[1]);
                return nsbox_error_set(reterr, e, "hook %s: pipe", hook->path);
        }
        _cleanup_close_ int in_w = in[1], err_r = err[0];
        int pidfd = -1;
        struct clone_args ca = { .flags = CLONE_PIDFD,
                                 .pidfd = (uint64_t) (uintptr_t) &pidfd,
                                 .exit_signal = SIGCHLD };
        fflush(NULL);
        pid_t pid = sys_clone3(&ca, sizeof(ca));
        if (pid < 0) {
                int e = errno;
                safe_close(in[0]);
                safe_close(err[1]);
                return nsbox_error_set(reterr, e, "hook %s: fork", hook->path);
        }
        if (pid == 0) {
                /* the hook gets default signals and only stdio */
                sigset_t none;
                sigemptyset(&none);
                (void) sigprocmask(SIG_SETMASK, &none, NULL);
                if (dup2(in[0], STDIN_FILENO) < 0)
                        _exit(127);
                char *argv0[] = { hook->path, NULL };
                char *envnone[] = { NULL };
                char **argv = hook->args && hook->args[0] ? hook->args : argv0;
                execve(hook->path, argv, hook->env ? hook->env : envnone);
                int e = errno;
                (void) !write(err[1], &e, sizeof(e));
                _exit(127);
        }
        safe_close(in[0]);
        safe_close(err[1]);
        _cleanup_close_ int pfd = pidfd;

        /* The state goes in whole or until the hook stops reading; a hook
         * that ignores stdin is not an error (EPIPE). */
        size_t len = strlen(state), off = 0;
        int64_t deadline = hook->timeout ? now_ms() + (int64_t) hook->timeout * 1000 : 0;
        while (off < len) {
                ssize_t n = send(in_w, state + off, len - off, MSG_NOSIGNAL);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                off += (size_t) n;
        }
        in_w = safe_close(in_w);

        int e = 0;
        ssize_t n;
        do
                n = read(err_r, &e, sizeof(e));
        while (n < 0 && errno == EINTR);

        bool timed_out = false;
        for (;;) {
                struct pollfd p = { .fd = pfd, .events = POLLIN };
                int ms = -1;
                if (deadline) {
                        int64_t left = deadline - now_ms();
                        ms = left > 0 ? (int) left : 0;
                }
                int k = poll(&p, 1, ms);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k == 0) {
                        sys_pidfd_send_signal(pfd, SIGKILL, NULL, 0);
                        timed_out = true;
                }
                break;
        }
        siginfo_t si = { 0 };
        while (waitid(P_PIDFD, (id_t) pfd, &si, WEXITED) < 0 && errno == EINTR)
                ;
        if (n == (ssize_t) sizeof(e) && e > 0)
                return nsbox_error_set(reterr, e, "hook %s", hook->path);
        if (timed_out)
                return nsbox_error_set_message(reterr, ETIMEDOUT, "hook %s: timed out after %u s",
                                               hook->path, hook->timeout);
        if (si.si_code == CLD_EXITED && si.si_status != 0)
                return nsbox_error_set_message(reterr, ECANCELED, "hook %s: exited with status %d",
                                               hook->path, si.si_status);
        if (si.si_code == CLD_KILLED || si.si_code == CLD_DUMPED)
                return nsbox_error_set_message(reterr, ECANCELED, "hook %s: killed by signal %d", hook->path,
                                               si.si_status);
        return 0;
}

int nsbox_hooks_run(const NsboxSpec *spec, NsboxHookKind kind, const char *state, NsboxError **reterr)
{
        for (size_t i = 0; i < spec->oci.n_hooks[kind]; i++) {
                int r = nsbox_hook_run(&spec->oci.hooks[kind][i], state, reterr);
                if (r < 0)
                        return nsbox_error_wrap(reterr, r, "%s", nsbox_hook_kind_name(kind));
        }
        return 0;
}
