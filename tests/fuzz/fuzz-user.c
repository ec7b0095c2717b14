/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer harness for lib/nsbox/user.c: the parsers of a rootfs's
 * /etc/passwd and /etc/group and of --user/--group-add. The input is
 * "passwd \0 group \0 user \0 extra-group..."; the files are written into a
 * scratch rootfs. Besides crashes and sanitizer reports it checks the
 * contract on every input:
 *   - the result is 0 or one of the documented -errnos, with a message;
 *   - on success: HOME is set, the uid and gid are not (uid_t) -1, no
 *     supplementary group appears twice, a numeric user gives that uid. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nsbox/nsbox.h"

#define check(x)                                                                                 \
        do {                                                                                     \
                if (!(x)) {                                                                      \
                        fprintf(stderr, "%s:%d: contract broken: %s\n", __FILE__, __LINE__, #x); \
                        abort();                                                                 \
                }                                                                                \
        } while (0)

static int rootfd = -1, etcfd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        (void) argc;
        (void) argv;
        char d[] = "/tmp/nsbox-fuzz-user-XXXXXX";
        if (!mkdtemp(d))
                abort();
        rootfd = open(d, O_PATH | O_DIRECTORY | O_CLOEXEC);
        char e[64];
        snprintf(e, sizeof(e), "%s/etc", d);
        if (rootfd < 0 || mkdir(e, 0755) < 0 || (etcfd = open(e, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
                abort();
        return 0;
}

static void put(const char *name, const char *s, size_t n)
{
        int fd = openat(etcfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || write(fd, s, n) != (ssize_t) n)
                abort();
        close(fd);
}

static bool numeric(const char *s)
{
        return *s && strspn(s, "0123456789") == strlen(s) && strlen(s) < 10;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        /* split into NUL-separated parts; the last may be unterminated */
        char *buf = malloc(size + 1);
        if (!buf)
                return 0;
        memcpy(buf, data, size);
        buf[size] = 0;
        const char *part[8] = { "", "", NULL };
        size_t np = 0;
        for (char *p = buf; np < 8;) {
                part[np++] = p;
                char *z = memchr(p, 0, (size_t) (buf + size - p));
                if (!z || z == buf + size)
                        break;
                p = z + 1;
        }
        put("passwd", part[0], strlen(part[0]));
        put("group", np > 1 ? part[1] : "", np > 1 ? strlen(part[1]) : 0);
        const char *user = np > 2 ? part[2] : NULL;
        const char *extra[8] = { 0 };
        for (size_t i = 3; i < np; i++)
                extra[i - 3] = part[i];

        NsboxUser u;
        NsboxError *err = NULL;
        int r = nsbox_user_resolve(rootfd, user, extra, &u, &err);
        if (r < 0) {
                check(r == -EINVAL || r == -ESRCH || r == -ENOENT || r == -ENOMEM || r == -EFBIG);
                check(err && err->message && *err->message);
                nsbox_error_free(err);
        } else {
                check(r == 0 && !err);
                check(u.home && *u.home);
                check(u.uid != (uid_t) -1 && u.gid != (gid_t) -1);
                for (size_t i = 0; i < u.n_groups; i++)
                        for (size_t j = i + 1; j < u.n_groups; j++)
                                check(u.groups[i] != u.groups[j]);
                if (user && numeric(user))
                        check(u.uid == (uid_t) strtoul(user, NULL, 10));
                nsbox_user_done(&u);
        }
        free(buf);
        return 0;
}
