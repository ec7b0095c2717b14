/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nsbox: one binary, many commands. Called as lsns, unshare or nsenter it is
 * that util-linux tool; called as nsbox it takes the command as argv[1]. */
#include <libgen.h>

#include "common.h"

static const struct {
        const char *name;
        int (*fn)(int argc, char **argv);
        const char *summary;
} commands[] = {
        { "run", cmd_run, "run a command in a new container" },
        { "lsns", cmd_lsns, "list namespaces (util-linux lsns)" },
        { "unshare", cmd_unshare, "run a program in new namespaces (util-linux unshare)" },
        { "nsenter", cmd_nsenter, "run a program in namespaces of another process (util-linux nsenter)" },
        { "stats", cmd_stats, "CPU, memory and pids of running containers" },
        { "gc", cmd_gc, "remove what killed nsbox processes left behind" },
};

/* nsbox's own commands (the others are util-linux's) */
static bool own_command(const char *name)
{
        return streq(name, "run") || streq(name, "stats") || streq(name, "gc");
}

static void usage(FILE *f)
{
        fprintf(f, "Usage:\n nsbox <command> [options]\n\nLinux namespaces and containers.\n\nCommands:\n");
        for (size_t i = 0; i < ELEMENTSOF(commands); i++)
                fprintf(f, " %-10s %s\n", commands[i].name, commands[i].summary);
        fprintf(f, "\nOptions:\n -h, --help     display this help\n -V, --version  display version\n"
                   "\nRun 'nsbox <command> --help' for a command's options.\n");
}

int main(int argc, char **argv)
{
        const char *self = argv[0] ? argv[0] : "nsbox";
        const char *base = strrchr(self, '/');
        base = base ? base + 1 : self;

        /* argv[0] dispatch: the OCI runtime's name speaks runc's command line */
        if (streq(base, "nsbox-oci"))
                return cmd_oci(argc, argv);
        /* argv[0] dispatch: the util-linux names behave exactly as those tools. */
        for (size_t i = 0; i < ELEMENTSOF(commands); i++)
                if (!own_command(commands[i].name) && streq(base, commands[i].name)) {
                        program_invocation_name_cmd = commands[i].name;
                        return commands[i].fn(argc, argv);
                }

        if (argc < 2) {
                usage(stderr);
                return EXIT_NSBOX_ERROR;
        }
        if (streq(argv[1], "-h") || streq(argv[1], "--help") || streq(argv[1], "help")) {
                usage(stdout);
                return 0;
        }
        if (streq(argv[1], "-V") || streq(argv[1], "--version")) {
                printf("nsbox %s\n", NSBOX_VERSION);
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(commands); i++)
                if (streq(argv[1], commands[i].name)) {
                        /* The util-linux-compatible commands speak as the tool they
                         * replace; nsbox's own as "nsbox CMD". */
                        static char own[32];
                        if (own_command(commands[i].name)) {
                                snprintf(own, sizeof(own), "nsbox %s", commands[i].name);
                                program_invocation_name_cmd = own;
                        } else
                                program_invocation_name_cmd = commands[i].name;
                        return commands[i].fn(argc - 1, argv + 1);
                }

        fprintf(stderr, "nsbox: unknown command '%s'\nTry 'nsbox --help' for more information.\n", argv[1]);
        return EXIT_NSBOX_ERROR;
}
