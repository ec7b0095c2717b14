/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Prints the fds open in this process, one per line, as "FD TARGET". Run inside
 * a container to prove that no fd but 0, 1 and 2 reaches it. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
        DIR *d = opendir("/proc/self/fd");
        if (!d) {
                perror("opendir /proc/self/fd");
                return 1;
        }
        int self = dirfd(d);
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                int fd = atoi(de->d_name);
                if (fd == self)
                        continue;
                char path[64], target[4096];
                snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
                ssize_t n = readlink(path, target, sizeof(target) - 1);
                target[n < 0 ? 0 : n] = 0;
                printf("%d %s\n", fd, target);
        }
        closedir(d);
        return 0;
}
