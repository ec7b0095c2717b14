/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <sys/stat.h>

#include "basic/macro.h"
#include "nsbox/nsbox.h"

const char *nsbox_version(void)
{
        return NSBOX_VERSION;
}

int nsbox_cache_dir(char **ret)
{
        const char *e = getenv("NSBOX_CACHE_DIR");
        char *p = NULL;

        if (e && *e == '/')
                p = strdup(e);
        else if (geteuid() == 0)
                p = strdup("/var/cache/nsbox");
        else if ((e = getenv("XDG_CACHE_HOME")) && *e == '/') {
                if (asprintf(&p, "%s/nsbox", e) < 0)
                        p = NULL;
        } else if ((e = getenv("HOME")) && *e == '/') {
                if (asprintf(&p, "%s/.cache/nsbox", e) < 0)
                        p = NULL;
        } else if (asprintf(&p, "/tmp/nsbox-cache-%u", (unsigned) geteuid()) < 0)
                p = NULL;
        if (!p)
                return -ENOMEM;
        *ret = p;
        return 0;
}

int nsbox_runtime_dir(char **ret)
{
        const char *e;
        _cleanup_free_ char *p = NULL;

        if (geteuid() == 0)
                p = strdup("/run/nsbox");
        else if ((e = getenv("XDG_RUNTIME_DIR")) && *e == '/') {
                if (asprintf(&p, "%s/nsbox", e) < 0)
                        p = NULL;
        } else if (asprintf(&p, "/tmp/nsbox-%u", (unsigned) geteuid()) < 0)
                p = NULL;
        if (!p)
                return -ENOMEM;

        if (mkdir(p, 0700) < 0 && errno != EEXIST)
                return negative_errno();

        /* In a world-writable parent (/tmp) another user could have made the
         * directory first: use it only if it is ours and private. */
        struct stat st;
        if (lstat(p, &st) < 0)
                return negative_errno();
        if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 0077))
                return -EPERM;

        *ret = TAKE_PTR(p);
        return 0;
}
