/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The floor: the least a container start can do, to measure the others
 * against. clone(2) into new pid, mount, uts and ipc namespaces (-n: and a
 * network namespace; -U: and a user namespace, for an unprivileged caller,
 * mapping its own ids to root), pivot_root(2) into ROOTFS, mount /proc, exec
 * /bin/true (or the given command), wait, exit with its status.
 *
 *   floor [-n] [-U] ROOTFS [command [argument...]]
 *
 * No error messages beyond perror: this is a benchmark's yardstick.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int write_file(const char *path, const char *text)
{
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        ssize_t n = write(fd, text, strlen(text));
        close(fd);
        return n == (ssize_t) strlen(text) ? 0 : -1;
}

static _Noreturn void die(const char *what)
{
        perror(what);
        _exit(125);
}

static _Noreturn void child(const char *rootfs, char **cmd, int go)
{
        char c;
        if (go >= 0 && read(go, &c, 1) != 1) /* the parent has written our id maps */
                _exit(125);
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                die("make / private");
        if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0) /* pivot_root wants a mount */
                die("bind rootfs");
        if (chdir(rootfs) < 0)
                die("chdir rootfs");
        /* /proc before the old root goes: in a user namespace the kernel
         * wants a fully visible procfs already in the mount namespace */
        if (mount("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
                die("mount /proc");
        if (syscall(SYS_pivot_root, ".", ".") < 0)
                die("pivot_root");
        if (umount2(".", MNT_DETACH) < 0) /* the old root, stacked on the new one */
                die("detach old root");
        if (chdir("/") < 0)
                die("chdir /");
        static char *const env[] = { "PATH=/bin:/usr/bin", NULL };
        execve(cmd[0], cmd, env);
        die("execve");
}

int main(int argc, char **argv)
{
        int flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC;
        int opt;
        while ((opt = getopt(argc, argv, "+nU")) >= 0) {
                if (opt == 'n')
                        flags |= CLONE_NEWNET;
                else if (opt == 'U')
                        flags |= CLONE_NEWUSER;
                else
                        return 125;
        }
        if (optind >= argc) {
                fprintf(stderr, "usage: floor [-n] [-U] ROOTFS [command [argument...]]\n");
                return 125;
        }
        const char *rootfs = argv[optind];
        static char *true_cmd[] = { "/bin/true", NULL };
        char **cmd = optind + 1 < argc ? argv + optind + 1 : true_cmd;

        int go[2] = { -1, -1 };
        if ((flags & CLONE_NEWUSER) && pipe2(go, O_CLOEXEC) < 0)
                die("pipe");
        uid_t uid = getuid();
        gid_t gid = getgid();
        /* fork-like clone: no stack, the child continues here */
        pid_t pid = (pid_t) syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, 0);
        if (pid < 0)
                die("clone");
        if (pid == 0) {
                close(go[1]);
                child(rootfs, cmd, go[0]);
        }
        if (flags & CLONE_NEWUSER) {
                char path[64], map[64];
                snprintf(path, sizeof(path), "/proc/%d/setgroups", pid);
                (void) write_file(path, "deny");
                snprintf(map, sizeof(map), "0 %u 1\n", (unsigned) uid);
                snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
                if (write_file(path, map) < 0)
                        die("uid_map");
                snprintf(map, sizeof(map), "0 %u 1\n", (unsigned) gid);
                snprintf(path, sizeof(path), "/proc/%d/gid_map", pid);
                if (write_file(path, map) < 0)
                        die("gid_map");
                if (write(go[1], "g", 1) != 1)
                        die("sync");
                close(go[1]);
        }
        int st;
        if (waitpid(pid, &st, 0) < 0)
                die("waitpid");
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
