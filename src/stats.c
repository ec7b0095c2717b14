/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nsbox stats NAME...: CPU time, memory and pids of running containers,
 * read from their cgroups (<cgroup-parent>/<NAME> in every hierarchy), so
 * it works for any container started with --name, with or without the
 * named-container state.
 */
#include <getopt.h>

#include "run-cgroup.h"

static void usage(FILE *f)
{
        fputs("Usage:\n"
              " nsbox stats [options] <name>...\n"
              "\n"
              "Show the CPU time, memory and process counts of running containers, from\n"
              "their cgroups.\n"
              "\n"
              "Options:\n"
              "     --json               one JSON object per container\n"
              "     --cgroup-parent <path>  the parent the containers were started under\n"
              "                            (default: nsbox)\n"
              "\n"
              " -h, --help               display this help\n"
              " -V, --version            display version\n",
              f);
}

int cmd_stats(int argc, char **argv)
{
        enum {
                OPT_JSON = 0x100,
                OPT_PARENT
        };
        static const struct option longopts[] = {
                { "json", no_argument, NULL, OPT_JSON },
                { "cgroup-parent", required_argument, NULL, OPT_PARENT },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                {},
        };
        bool json = false;
        const char *parent = "nsbox";
        int c;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "+hV", longopts, NULL)) >= 0) {
                switch (c) {
                case OPT_JSON:
                        json = true;
                        break;
                case OPT_PARENT:
                        parent = optarg;
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                case 'V':
                        printf("nsbox %s\n", NSBOX_VERSION);
                        return 0;
                default:
                        log_error("unknown option '%s'", argv[optind - 1]);
                        fprintf(stderr, "Try 'nsbox stats --help' for more information.\n");
                        return EXIT_NSBOX_ERROR;
                }
        }
        if (optind >= argc) {
                log_error("no container name given");
                fprintf(stderr, "Try 'nsbox stats --help' for more information.\n");
                return EXIT_NSBOX_ERROR;
        }
        const char *root = getenv("NSBOX_CGROUP_ROOT");
        int rc = 0;
        for (int i = optind; i < argc; i++) {
                if (!*argv[i] || strchr(argv[i], '/') || streq(argv[i], ".") || streq(argv[i], "..")) {
                        log_error("container '%s': not a container name", argv[i]);
                        rc = EXIT_NSBOX_ERROR;
                        continue;
                }
                _cleanup_free_ char *path = NULL;
                if (asprintf(&path, "%s/%s", parent, argv[i]) < 0)
                        return EXIT_NSBOX_ERROR;
                NsboxCgroup *cg = NULL;
                NsboxError *err = NULL;
                int r = nsbox_cgroup_open(root && *root == '/' ? root : NULL, path, &cg, &err);
                if (r == -ENOENT)
                        log_error("container '%s': no such container (no cgroup %s)", argv[i], path);
                else if (r < 0)
                        log_nsbox_error(err, r);
                nsbox_error_free(err);
                if (r < 0) {
                        rc = EXIT_NSBOX_ERROR;
                        continue;
                }
                NsboxCgroupStats st;
                r = nsbox_cgroup_stats(cg, &st);
                nsbox_cgroup_free(cg);
                if (r < 0) {
                        log_error("container '%s': %s", argv[i], strerror(-r));
                        rc = EXIT_NSBOX_ERROR;
                        continue;
                }
                print_stats(stdout, argv[i], &st, json, i == optind);
        }
        return rc;
}
