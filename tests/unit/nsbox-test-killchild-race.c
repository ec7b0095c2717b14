/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nsbox-test-killchild-race N PROGRAM ARGS...: N times, start PROGRAM ARGS (an
 * "unshare --kill-child ... sleep" command line), SIGKILL it the moment its
 * first child appears (right after its fork), and check that the child dies
 * too instead of living on as an orphan. Runs as a child subreaper, so the
 * orphans come back to it and can be counted and reaped.
 *
 * With PROGRAM "unshare" (no slash) the try is nsbox's own cmd_unshare(),
 * linked in and called in a forked child: the same code without an exec and
 * the dynamic loading of nsbox's libraries, so 1,000 tries take seconds.
 * Any other PROGRAM is exec'd (util-linux's unshare, to show its race).
 *
 * Prints "tries N survivors S pidfd-caught P pdeathsig D early E" and exits 0
 * when S is 0. pidfd-caught counts children that found their parent gone
 * after PR_SET_PDEATHSIG (exit status 1), the race the pidfd check closes;
 * early counts tries where the parent died before its child even existed.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

static pid_t first_child(pid_t pid)
{
        char path[64], buf[64];
        snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int) pid, (int) pid);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n <= 0)
                return 0;
        buf[n] = '\0';
        return (pid_t) atoi(buf);
}

static double now(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
        if (argc < 3) {
                fprintf(stderr, "usage: nsbox-test-killchild-race N PROGRAM [ARGS...]\n");
                return 2;
        }
        int tries = atoi(argv[1]);
        int survivors = 0, caught = 0, pdeath = 0, early = 0;
        if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
                perror("PR_SET_CHILD_SUBREAPER");
                return 2;
        }
        int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
        for (int t = 0; t < tries; t++) {
                pid_t parent = fork();
                if (parent < 0) {
                        perror("fork");
                        return 2;
                }
                if (parent == 0) {
                        dup2(devnull, 0);
                        dup2(devnull, 1);
                        if (strcmp(argv[2], "unshare") == 0) {
                                program_invocation_name_cmd = "unshare";
                                _exit(cmd_unshare(argc - 2, argv + 2));
                        }
                        execvp(argv[2], argv + 2);
                        _exit(127);
                }
                pid_t child = 0;
                double deadline = now() + 5;
                /* spin: the kill must land within microseconds of the fork */
                while ((child = first_child(parent)) == 0 && now() < deadline)
                        ;
                kill(parent, SIGKILL);
                int status;
                while (waitpid(parent, &status, 0) < 0 && errno == EINTR)
                        ;
                if (child <= 0) {
                        early++;
                        child = 0;
                }
                /* Every other process that comes back to us is an orphan of this
                 * try: it must die within a second (it is killed at once, or
                 * leaves after its poll of the parent's pidfd). */
                deadline = now() + 1;
                for (;;) {
                        pid_t r = waitpid(-1, &status, WNOHANG);
                        if (r < 0 && errno == ECHILD)
                                break;
                        if (r > 0) {
                                if (WIFEXITED(status) && WEXITSTATUS(status) == 1)
                                        caught++;
                                else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
                                        pdeath++;
                                continue;
                        }
                        if (now() > deadline) {
                                survivors++;
                                fprintf(stderr, "try %d: child %d of %d survived its parent\n", t,
                                        (int) child, (int) parent);
                                kill(-1 == child ? 0 : child, SIGKILL);
                                if (child > 0)
                                        waitpid(child, &status, 0);
                                break;
                        }
                        usleep(200);
                }
        }
        printf("tries %d survivors %d pidfd-caught %d pdeathsig %d early %d\n", tries, survivors, caught,
               pdeath, early);
        return survivors == 0 ? 0 : 1;
}
