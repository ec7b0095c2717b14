/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Wrappers for system calls that Debian 12's glibc (2.36) has no function for. */

#include <linux/sched.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

static inline pid_t sys_clone3(struct clone_args *args, size_t size)
{
        return (pid_t) syscall(SYS_clone3, args, size);
}

static inline int sys_openat2(int dirfd, const char *path, struct open_how *how)
{
        return (int) syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
}

static inline int sys_pivot_root(const char *new_root, const char *put_old)
{
        return (int) syscall(SYS_pivot_root, new_root, put_old);
}

static inline int sys_pidfd_open(pid_t pid, unsigned int flags)
{
        return (int) syscall(SYS_pidfd_open, pid, flags);
}

static inline int sys_pidfd_send_signal(int pidfd, int sig, siginfo_t *info, unsigned int flags)
{
        return (int) syscall(SYS_pidfd_send_signal, pidfd, sig, info, flags);
}

static inline int sys_pidfd_getfd(int pidfd, int targetfd, unsigned int flags)
{
        return (int) syscall(SYS_pidfd_getfd, pidfd, targetfd, flags);
}
