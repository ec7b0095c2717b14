/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A test helper, not installed: extracts an archive into the rootfs cache
 * through the library, as `nsbox run` will, so shell tests can kill it midway.
 *
 *   nsbox-test-extract ARCHIVE CACHE_DIR   prints the cached rootfs path
 *   nsbox-test-extract --gc CACHE_DIR      prints how many stale entries went
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nsbox/nsbox.h>

int main(int argc, char **argv)
{
        NsboxError *err = NULL;
        int r;

        if (argc != 3) {
                fprintf(stderr, "usage: %s ARCHIVE CACHE_DIR | --gc CACHE_DIR\n", argv[0]);
                return 2;
        }

        if (strcmp(argv[1], "--gc") == 0) {
                r = nsbox_rootfs_cache_gc(argv[2], &err);
                if (r < 0) {
                        fprintf(stderr, "nsbox-test-extract: %s\n", err ? err->message : strerror(-r));
                        nsbox_error_free(err);
                        return 1;
                }
                printf("%d\n", r);
                return 0;
        }

        char *path = NULL;
        r = nsbox_rootfs_from_archive(argv[1], argv[2], NULL, NULL, &path, &err);
        if (r < 0) {
                fprintf(stderr, "nsbox-test-extract: rootfs '%s': %s\n", argv[1],
                        err ? err->message : strerror(-r));
                nsbox_error_free(err);
                return 1;
        }
        puts(path);
        free(path);
        return 0;
}
