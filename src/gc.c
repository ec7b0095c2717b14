/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nsbox gc: remove what nsbox processes that were killed left behind: the
 * cgroups of containers whose nsbox is gone (every hierarchy), and
 * unfinished rootfs extractions in the cache. Running containers and
 * extractions are never touched (both are guarded by flock(2)).
 */
#include <getopt.h>

#include "common.h"

static void usage(FILE *f)
{
        fputs("Usage:\n"
              " nsbox gc [options]\n"
              "\n"
              "Remove the cgroups of containers whose nsbox was killed, and unfinished\n"
              "rootfs extractions in the cache.\n"
              "\n"
              "Options:\n"
              "     --cgroup-parent <path>  where the containers' cgroups are (default: nsbox)\n"
              " -q, --quiet              print nothing on success\n"
              "\n"
              " -h, --help               display this help\n"
              " -V, --version            display version\n",
              f);
}

int cmd_gc(int argc, char **argv)
{
        enum {
                OPT_PARENT = 0x100
        };
        static const struct option longopts[] = {
                { "cgroup-parent", required_argument, NULL, OPT_PARENT },
                { "quiet", no_argument, NULL, 'q' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                {},
        };
        const char *parent = "nsbox";
        bool quiet = false;
        int c;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "+qhV", longopts, NULL)) >= 0) {
                switch (c) {
                case OPT_PARENT:
                        parent = optarg;
                        break;
                case 'q':
                        quiet = true;
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                case 'V':
                        printf("nsbox %s\n", NSBOX_VERSION);
                        return 0;
                default:
                        log_error("unknown option '%s'", argv[optind - 1]);
                        fprintf(stderr, "Try 'nsbox gc --help' for more information.\n");
                        return EXIT_NSBOX_ERROR;
                }
        }
        if (optind < argc) {
                log_error("unexpected argument '%s'", argv[optind]);
                return EXIT_NSBOX_ERROR;
        }

        int rc = 0, n_cgroups = 0, n_cache = 0;
        NsboxError *err = NULL;
        const char *root = getenv("NSBOX_CGROUP_ROOT");
        NsboxCgroupMode mode;
        /* no cgroupfs at all (or not ours to manage): nothing to collect */
        if (nsbox_cgroup_detect(root && *root == '/' ? root : NULL, &mode) >= 0) {
                int r = nsbox_cgroup_gc(root && *root == '/' ? root : NULL, parent, true, &err);
                if (r < 0) {
                        log_nsbox_error(err, r);
                        rc = EXIT_NSBOX_ERROR;
                } else
                        n_cgroups = r;
                nsbox_error_free(err);
                err = NULL;
        }
        _cleanup_free_ char *cache = NULL;
        if (nsbox_cache_dir(&cache) >= 0) {
                int r = nsbox_rootfs_cache_gc(cache, &err);
                if (r < 0) {
                        log_nsbox_error(err, r);
                        rc = EXIT_NSBOX_ERROR;
                } else
                        n_cache = r;
                nsbox_error_free(err);
        }
        if (!quiet)
                printf("removed %d leftover cgroup%s and %d unfinished rootfs extraction%s\n", n_cgroups,
                       n_cgroups == 1 ? "" : "s", n_cache, n_cache == 1 ? "" : "s");
        return rc;
}
