/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Attacks run inside containers by tests/integration/attack-*.bats. Static,
 * so it runs in any rootfs. Each prints what happened, one "what result" a
 * line, result being "ok" or the errno's name, so that tests compare words.
 *
 *   syscalls            try the calls the default seccomp profile refuses
 *   exe-write N PATH..  open each PATH O_WRONLY N times (and /proc/PID/exe
 *                       of every process in sight); print the successes
 *   tiocsti FD TEXT     push TEXT into the terminal at FD with TIOCSTI
 *   swap A B            exchange A and B with renameat2(RENAME_EXCHANGE)
 *                       until killed
 *   getcwd              print getcwd(3)
 *   status              print the Uid and CapEff lines of /proc/self/status
 *                       (a setuid-root copy shows what it gained)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(const char *what, long r)
{
        if (r < 0)
                printf("%s %s\n", what, strerrorname_np(errno) ? strerrorname_np(errno) : "E?");
        else
                printf("%s ok\n", what);
        fflush(stdout);
}

static int syscalls(void)
{
        long pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
        if (pid == 0)
                _exit(0);
        report("clone-newuser", pid);
        if (pid > 0)
                waitpid((pid_t) pid, NULL, 0);
        report("unshare-user", unshare(CLONE_NEWUSER));
        report("unshare-mnt", unshare(CLONE_NEWNS));
        report("mount", mount("none", "/tmp", "tmpfs", 0, NULL));
        report("keyctl", syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3, 0));
        report("add_key", syscall(SYS_add_key, "user", "x", "y", 1, -3));
        report("bpf", syscall(SYS_bpf, 0, NULL, 0));
        report("userfaultfd", syscall(SYS_userfaultfd, 1 /* UFFD_USER_MODE_ONLY: no capability needed */));
        long s;
        report("socket-vsock", s = socket(40 /* AF_VSOCK */, SOCK_STREAM, 0));
        if (s >= 0)
                close((int) s);
        report("socket-alg", s = socket(38 /* AF_ALG */, SOCK_SEQPACKET, 0));
        if (s >= 0)
                close((int) s);
        /* the family with a bit above the int set: the kernel reads AF_VSOCK */
        report("socket-vsock-high", s = syscall(SYS_socket, (1L << 32) | 40, SOCK_STREAM, 0));
        if (s >= 0)
                close((int) s);
        report("socket-unix", s = socket(AF_UNIX, SOCK_STREAM, 0));
        if (s >= 0)
                close((int) s);
        struct clone_args ca = { .flags = 0, .exit_signal = SIGCHLD };
        pid = syscall(SYS_clone3, &ca, sizeof(ca));
        if (pid == 0)
                _exit(0);
        report("clone3", pid);
        if (pid > 0)
                waitpid((pid_t) pid, NULL, 0);
        pid = fork();
        if (pid == 0)
                _exit(0);
        report("fork", pid);
        if (pid > 0)
                waitpid((pid_t) pid, NULL, 0);
        /* a syscall number no kernel has yet: newer than any profile */
        report("syscall-1000", syscall(1000));
        return 0;
}

static int exe_write(int n, char **paths)
{
        int opened = 0, tries = 0;
        for (int i = 0; i < n; i++) {
                for (char **p = paths; *p; p++) {
                        int fd = open(*p, O_WRONLY | O_CLOEXEC);
                        tries++;
                        if (fd >= 0) {
                                opened++;
                                close(fd);
                        }
                }
                DIR *d = opendir("/proc");
                struct dirent *de;
                while (d && (de = readdir(d))) {
                        if (de->d_name[0] < '1' || de->d_name[0] > '9')
                                continue;
                        char path[300];
                        snprintf(path, sizeof(path), "/proc/%s/exe", de->d_name);
                        int fd = open(path, O_WRONLY | O_CLOEXEC);
                        tries++;
                        if (fd >= 0) {
                                opened++;
                                close(fd);
                        }
                }
                if (d)
                        closedir(d);
        }
        printf("tries %d opened %d\n", tries, opened);
        return opened ? 1 : 0;
}

static int tiocsti(int fd, const char *text)
{
        long r = 0;
        for (const char *c = text; *c && r >= 0; c++)
                r = ioctl(fd, TIOCSTI, c);
        report("tiocsti", r);
        return 0;
}

_Noreturn static void swap(const char *a, const char *b)
{
        for (;;)
                (void) syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
}

int main(int argc, char **argv)
{
        if (argc >= 2 && !strcmp(argv[1], "syscalls"))
                return syscalls();
        if (argc >= 4 && !strcmp(argv[1], "exe-write"))
                return exe_write(atoi(argv[2]), argv + 3);
        if (argc == 4 && !strcmp(argv[1], "tiocsti"))
                return tiocsti(atoi(argv[2]), argv[3]);
        if (argc == 4 && !strcmp(argv[1], "swap"))
                swap(argv[2], argv[3]);
        if (argc == 2 && !strcmp(argv[1], "status")) {
                FILE *f = fopen("/proc/self/status", "re");
                char line[256];
                while (f && fgets(line, sizeof(line), f))
                        if (!strncmp(line, "Uid:", 4) || !strncmp(line, "CapEff:", 7))
                                fputs(line, stdout);
                return f ? 0 : 1;
        }
        if (argc == 2 && !strcmp(argv[1], "getcwd")) {
                char buf[4096];
                if (!getcwd(buf, sizeof(buf)))
                        return perror("getcwd"), 1;
                puts(buf);
                return 0;
        }
        fprintf(stderr,
                "usage: %s syscalls | exe-write N PATH... | tiocsti FD TEXT | swap A B | getcwd | status\n",
                argv[0]);
        return 2;
}
