/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nsbox run: the tutorial's last step done properly. Builds an OCI-shaped
 * spec in memory from the command line and hands it to the library's
 * container code, as the OCI runtime does with config.json.
 */
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>

#include "basic/env-file.h"
#include "basic/fileio.h"
#include "basic/parse.h"
#include "common.h"
#include "run-cgroup.h"
#include "run-userns.h"
#include "run-security.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* OCI/moby defaults (engine-defaults.md §2.3) */
static const char *const default_masked_paths[] = {
        "/proc/acpi",
        "/proc/asound",
        "/proc/kcore",
        "/proc/keys",
        "/proc/latency_stats",
        "/proc/timer_list",
        "/proc/timer_stats",
        "/proc/sched_debug",
        "/proc/scsi",
        "/proc/interrupts",
        "/sys/firmware",
        "/sys/devices/virtual/powercap",
        NULL,
};
static const char *const default_readonly_paths[] = {
        "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", "/sys/fs/cgroup", NULL,
};

typedef struct RunArgs {
        const char *rootfs;
        const char *name;
        const char *hostname;
        const char *domainname;
        const char *workdir;
        const char *user;
        bool read_only, ephemeral, net_host, print_spec, tty, init;
        bool minimal;          /* --minimal: /proc only, no masked paths, no generated files */
        unsigned stop_timeout; /* seconds */
        char **env;            /* extra --env and --env-file entries, in command-line order */
        size_t n_env;
        char **env_owned; /* the entries of env that came from files, to free */
        size_t n_env_owned;
        char **group_add;
        size_t n_group_add;
        char **binds; /* SRC:DST[:ro] */
        size_t n_binds;
        char **tmpfs;
        size_t n_tmpfs;
        RunCgroupArgs cg; /* resource limits: run-cgroup.c */
        RunUserns userns; /* --userns, --uidmap, --gidmap: run-userns.c */
        RunSecurity security;
} RunArgs;

static void usage(FILE *f)
{
        fputs("Usage:\n"
              " nsbox run [options] [--] [<command> [<argument>...]]\n"
              "\n"
              "Run a command (default /bin/sh) in a new container: new pid, mount, uts, ipc,\n"
              "cgroup and network namespaces, pivot_root into the rootfs, a fresh /proc, /dev,\n"
              "/sys (read-only) and /tmp. Without --rootfs the host's own root, read-only.\n"
              "\n"
              "Options:\n"
              "     --rootfs <dir|file>  rootfs directory, or a tar archive (gzip, xz, zstd, bzip2\n"
              "                            or plain), extracted once into a cache and used\n"
              "                            through an overlay\n"
              "     --read-only          mount the rootfs read-only\n"
              "     --ephemeral          put a throw-away overlay over a rootfs directory\n"
              "     --name <name>        container name (default: nsbox-XXXXXX)\n"
              "     --hostname <name>    hostname (default: the container's name, '_' made '-';\n"
              "                            'nsbox' if that is no valid hostname, e.g. a..b)\n"
              "     --domainname <name>  NIS domain name\n"
              " -u, --user <user[:group]>\n"
              "                          run as this user (name or number) and group, from\n"
              "                            the rootfs's own /etc/passwd and /etc/group\n"
              "     --group-add <group>  an extra supplementary group (repeatable)\n"
              " -w, --workdir <dir>      working directory inside the container (default: /)\n"
              " -e, --env <key=value>    set an environment variable (repeatable)\n"
              "     --env-file <file>    read KEY=VALUE lines from a file (repeatable)\n"
              " -t, --tty                a new pseudo-terminal for the command\n"
              " -i, --interactive        accepted for docker's habits: stdin is always passed\n"
              "     --init               run a small init as PID 1 that forwards signals and\n"
              "                            reaps zombies\n"
              "     --stop-timeout <sec> after the first SIGINT or SIGTERM (with -t: or SIGHUP,\n"
              "                            or the terminal's hang-up), wait this long before\n"
              "                            killing the container (default: 10)\n"
              "     --net <none|host>    none: a new network namespace with lo up (default);\n"
              "                            host: share the host's network\n"
              "     --bind <src:dst[:ro|rw]>\n"
              "                          bind-mount a host path (repeatable)\n"
              "     --tmpfs <dst>        mount a tmpfs (repeatable)\n"
              "     --minimal            mount only /proc: no /dev, /sys, /tmp, masked or\n"
              "                            read-only paths, /etc/hostname, hosts or resolv.conf\n" RUN_USERNS_USAGE
                      RUN_SECURITY_USAGE
              "     --print-spec         print the container's OCI config.json and exit\n"
              "\n"
              "",
              f);
        run_cgroup_usage(f);
        fputs("\n"
              " -h, --help               display this help\n"
              " -V, --version            display version\n"
              "\n"
              "Signals: SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 and SIGWINCH are\n"
              "passed to the container's PID 1. A second SIGINT or SIGTERM, or the stop timeout,\n"
              "kills the container with SIGKILL (exit status 137).\n"
              "\n"
              "Exit status: the command's own; 128+N if signal N killed it; 125 for nsbox's\n"
              "own errors; 126 if the command cannot be executed; 127 if it is not found.\n",
              f);
}

static int strv_push(char ***l, size_t *n, const char *s)
{
        char **x = realloc(*l, (*n + 2) * sizeof(char *));
        if (!x)
                return -ENOMEM;
        *l = x;
        x[(*n)++] = (char *) s;
        x[*n] = NULL;
        return 0;
}

static bool valid_name(const char *s)
{
        /* docker's container name rule: [a-zA-Z0-9][a-zA-Z0-9_.-]* */
        if (!*s || !strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", *s))
                return false;
        for (const char *p = s; *p; p++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-", *p))
                        return false;
        return strlen(s) <= 128;
}

/* WHAT is "hostname" or "domainname"; both are limited to 64 bytes by the
 * kernel (uname(2)'s __NEW_UTS_LEN), and both take RFC 1123 names. */
static int check_hostname_as(const char *what, const char *h)
{
        size_t l = strlen(h);
        if (l == 0) {
                log_error("%s must not be empty", what);
                return -EINVAL;
        }
        if (l > 64) {
                log_error("%s '%s' is %zu bytes long; the limit is 64", what, h, l);
                return -EINVAL;
        }
        /* RFC 1123 labels: letters, digits and '-', dot-separated, 1 to 63
         * bytes, not starting or ending with '-' */
        for (const char *p = h; *p; p++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.", *p)) {
                        if ((unsigned char) *p > ' ' && (unsigned char) *p < 0x7f)
                                log_error(
                                        "%s '%s': invalid character '%c' (letters, digits, '-' and '.' only)",
                                        what, h, *p);
                        else
                                log_error("%s '%s': invalid byte 0x%02x (letters, digits, '-' and '.' only)",
                                          what, h, (unsigned char) *p);
                        return -EINVAL;
                }
        for (const char *label = h;;) {
                size_t ll = strcspn(label, ".");
                if (ll == 0) {
                        log_error("%s '%s': empty label (a leading, trailing or doubled '.')", what, h);
                        return -EINVAL;
                }
                if (ll > 63) {
                        log_error("%s '%s': a label is %zu bytes long; the limit is 63", what, h, ll);
                        return -EINVAL;
                }
                if (label[0] == '-' || label[ll - 1] == '-') {
                        log_error("%s '%s': a label must not start or end with '-'", what, h);
                        return -EINVAL;
                }
                if (!label[ll])
                        break;
                label += ll + 1;
        }
        return 0;
}

/* Quietly: is h a hostname check_hostname() would take? */
static bool valid_hostname(const char *h)
{
        size_t l = strlen(h);
        if (l == 0 || l > 64 ||
            strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") != l)
                return false;
        for (const char *label = h;;) {
                size_t ll = strcspn(label, ".");
                if (ll == 0 || ll > 63 || label[0] == '-' || label[ll - 1] == '-')
                        return false;
                if (!label[ll])
                        return true;
                label += ll + 1;
        }
}

/* The default hostname for a container name: '_' becomes '-', at most 63
 * bytes; a name that still is no hostname gets "nsbox" instead. */
static void hostname_from_name(const char *name, char buf[static 65])
{
        size_t l = strnlen(name, 63);
        memcpy(buf, name, l);
        buf[l] = 0;
        for (char *p = buf; *p; p++)
                if (*p == '_')
                        *p = '-';
        while (*buf && strchr("-.", buf[strlen(buf) - 1]))
                buf[strlen(buf) - 1] = 0;
        if (!valid_hostname(buf))
                snprintf(buf, 65, "nsbox");
}

static int check_hostname(const char *h)
{
        return check_hostname_as("hostname", h);
}

/* --env-file (docker's format, see env_file_parse()): its variables are
 * appended to the --env list, so later options win over earlier ones. */
#define ENV_FILE_MAX (1024u * 1024)
static int read_env_file(RunArgs *a, const char *path)
{
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        char why[64];
        int r = read_full_file_at_max(AT_FDCWD, path, ENV_FILE_MAX, &text, &size);
        if (r < 0) {
                log_error("env file '%s': %s", path, read_file_strerror(r, ENV_FILE_MAX, why, sizeof(why)));
                return r;
        }
        char **vars = NULL;
        EnvFileProblem p;
        r = env_file_parse(text, size, getenv, &vars, &p);
        if (r == -EINVAL) {
                if (p.what == ENV_FILE_NUL)
                        log_error("env file '%s': contains a NUL byte", path);
                else if (p.what == ENV_FILE_NO_NAME)
                        log_error("env file '%s' line %u: no variable name before '='", path, p.line);
                else
                        log_error("env file '%s' line %u: variable name '%s' contains whitespace", path,
                                  p.line, p.name);
                return r;
        }
        if (r < 0) {
                log_error("%s", strerror(-r));
                return r;
        }
        /* each string moves to env_owned (which frees it), and env borrows it */
        size_t i = 0;
        bool oom = false;
        while (vars[i] && !oom) {
                if (strv_push(&a->env_owned, &a->n_env_owned, vars[i]) < 0)
                        oom = true;
                else if (strv_push(&a->env, &a->n_env, vars[i++]) < 0)
                        oom = true;
        }
        for (; vars[i]; i++)
                free(vars[i]);
        free(vars);
        if (oom) {
                log_error("%s", strerror(ENOMEM));
                return -ENOMEM;
        }
        return 0;
}

static void progress_bar(uint64_t done, uint64_t total, void *userdata)
{
        int *shown = userdata;
        if (total == 0)
                return;
        unsigned pct = (unsigned) (done * 100 / total);
        int width = 30, fill = (int) (pct * (unsigned) width / 100);
        fprintf(stderr, "\rExtracting rootfs [%.*s%*s] %3u%%", fill, "##############################",
                width - fill, "", pct);
        *shown = 1;
}

static int parse_args(int argc, char **argv, RunArgs *a, int *ret_optind)
{
        enum {
                OPT_ROOTFS = 0x100,
                OPT_READ_ONLY,
                OPT_EPHEMERAL,
                OPT_NAME,
                OPT_HOSTNAME,
                OPT_NET,
                OPT_BIND,
                OPT_TMPFS,
                OPT_PRINT_SPEC,
                OPT_DOMAINNAME,
                OPT_GROUP_ADD,
                OPT_ENV_FILE,
                OPT_INIT,
                OPT_STOP_TIMEOUT,
                OPT_MINIMAL,
        };
        static const struct option longopts[] = {
                { "rootfs", required_argument, NULL, OPT_ROOTFS },
                { "read-only", no_argument, NULL, OPT_READ_ONLY },
                { "ephemeral", no_argument, NULL, OPT_EPHEMERAL },
                { "name", required_argument, NULL, OPT_NAME },
                { "hostname", required_argument, NULL, OPT_HOSTNAME },
                { "workdir", required_argument, NULL, 'w' },
                { "env", required_argument, NULL, 'e' },
                { "net", required_argument, NULL, OPT_NET },
                { "bind", required_argument, NULL, OPT_BIND },
                { "tmpfs", required_argument, NULL, OPT_TMPFS },
                { "print-spec", no_argument, NULL, OPT_PRINT_SPEC },
                { "domainname", required_argument, NULL, OPT_DOMAINNAME },
                { "user", required_argument, NULL, 'u' },
                { "group-add", required_argument, NULL, OPT_GROUP_ADD },
                { "env-file", required_argument, NULL, OPT_ENV_FILE },
                { "tty", no_argument, NULL, 't' },
                { "interactive", no_argument, NULL, 'i' },
                { "init", no_argument, NULL, OPT_INIT },
                { "stop-timeout", required_argument, NULL, OPT_STOP_TIMEOUT },
                { "minimal", no_argument, NULL, OPT_MINIMAL },
                RUN_USERNS_LONGOPTS,
                RUN_SECURITY_LONGOPTS,
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                {},
        };
        /* longopts, then run-cgroup.c's options */
        struct option all[ELEMENTSOF(longopts) + RUN_CGROUP_N_OPTIONS];
        memcpy(all, longopts, sizeof(longopts) - sizeof(longopts[0]));
        memcpy(all + ELEMENTSOF(longopts) - 1, run_cgroup_options,
               sizeof(struct option) * RUN_CGROUP_N_OPTIONS);
        memset(&all[ELEMENTSOF(all) - 1], 0, sizeof(all[0]));
        int c;
        opterr = 0;
        /* '+': options end at the command, so `nsbox run ls -l` works */
        while ((c = getopt_long(argc, argv, "+:w:e:u:m:tihV", all, NULL)) >= 0) {
                int handled = run_cgroup_parse(&a->cg, c, optarg);
                if (handled < 0)
                        return handled;
                if (handled > 0)
                        continue;
                switch (c) {
                case OPT_ROOTFS:
                        a->rootfs = optarg;
                        break;
                case OPT_READ_ONLY:
                        a->read_only = true;
                        break;
                case OPT_EPHEMERAL:
                        a->ephemeral = true;
                        break;
                case OPT_NAME:
                        if (!valid_name(optarg)) {
                                log_error(
                                        "name '%s': must match [a-zA-Z0-9][a-zA-Z0-9_.-]* (at most 128 bytes)",
                                        optarg);
                                return -EINVAL;
                        }
                        a->name = optarg;
                        break;
                case OPT_HOSTNAME:
                        if (check_hostname(optarg) < 0)
                                return -EINVAL;
                        a->hostname = optarg;
                        break;
                case 'w':
                        if (optarg[0] != '/') {
                                log_error("workdir '%s': must be an absolute path", optarg);
                                return -EINVAL;
                        }
                        a->workdir = optarg;
                        break;
                case 'e':
                        if (!strchr(optarg, '=') || optarg[0] == '=') {
                                log_error("env '%s': expected KEY=VALUE", optarg);
                                return -EINVAL;
                        }
                        if (strv_push(&a->env, &a->n_env, optarg) < 0)
                                return -ENOMEM;
                        break;
                case OPT_NET:
                        if (streq(optarg, "host"))
                                a->net_host = true;
                        else if (streq(optarg, "none"))
                                a->net_host = false;
                        else {
                                log_error("net '%s': expected none or host", optarg);
                                return -EINVAL;
                        }
                        break;
                case OPT_BIND:
                        if (strv_push(&a->binds, &a->n_binds, optarg) < 0)
                                return -ENOMEM;
                        break;
                case OPT_TMPFS:
                        if (optarg[0] != '/') {
                                log_error("tmpfs '%s': must be an absolute path", optarg);
                                return -EINVAL;
                        }
                        if (strv_push(&a->tmpfs, &a->n_tmpfs, optarg) < 0)
                                return -ENOMEM;
                        break;
                case OPT_PRINT_SPEC:
                        a->print_spec = true;
                        break;
                case OPT_DOMAINNAME:
                        if (check_hostname_as("domainname", optarg) < 0)
                                return -EINVAL;
                        a->domainname = optarg;
                        break;
                case 'u':
                        /* checked against the rootfs once it is known */
                        a->user = optarg;
                        break;
                case OPT_GROUP_ADD:
                        if (!*optarg) {
                                log_error("group-add: expected a group name or number");
                                return -EINVAL;
                        }
                        if (strv_push(&a->group_add, &a->n_group_add, optarg) < 0)
                                return -ENOMEM;
                        break;
                case OPT_ENV_FILE:
                        if (read_env_file(a, optarg) < 0)
                                return -EINVAL;
                        break;
                case 't':
                        a->tty = true;
                        break;
                case 'i':
                        break;
                case OPT_INIT:
                        a->init = true;
                        break;
                case OPT_MINIMAL:
                        a->minimal = true;
                        break;
                case OPT_STOP_TIMEOUT: {
                        uint32_t v;
                        if (parse_uint32(optarg, &v) < 0 || v > 86400 * 365) {
                                log_error("stop-timeout '%s': expected a number of seconds from 0 to %u "
                                          "(a year)",
                                          optarg, 86400u * 365);
                                return -EINVAL;
                        }
                        a->stop_timeout = v;
                        break;
                }
                case OPT_USERNS_USERNS ... _OPT_USERNS_LAST:
                        if (run_userns_option(&a->userns, c, optarg) < 0)
                                return -EINVAL;
                        break;
                case OPT_SEC_CAP_ADD ... _OPT_SEC_LAST:
                        if (run_security_option(&a->security, c, optarg) < 0)
                                return -EINVAL;
                        break;
                case 'h':
                        usage(stdout);
                        exit(0);
                case 'V':
                        printf("nsbox %s\n", NSBOX_VERSION);
                        exit(0);
                case ':':
                        /* a leading ':' in the option string: a missing value is
                         * told apart from an unknown option */
                        if (optopt && optopt < 0x100)
                                log_error("option '-%c' requires an argument", optopt);
                        else
                                log_error("option '%s' requires an argument", argv[optind - 1]);
                        fprintf(stderr, "Try 'nsbox run --help' for more information.\n");
                        return -EINVAL;
                default:
                        if (optopt && optopt < 0x100)
                                log_error("unknown option '-%c'", optopt);
                        else
                                log_error("unknown option '%s'", argv[optind - 1]);
                        fprintf(stderr, "Try 'nsbox run --help' for more information.\n");
                        return -EINVAL;
                }
        }
        if (run_cgroup_check(&a->cg) < 0)
                return -EINVAL;
        if (a->read_only && a->ephemeral) {
                log_error("--read-only and --ephemeral cannot be combined");
                return -EINVAL;
        }
        *ret_optind = optind;
        return 0;
}

static int add_bind(NsboxSpec *spec, const char *arg)
{
        _cleanup_free_ char *s = strdup(arg);
        if (!s)
                return -ENOMEM;
        char *src = s, *dst = strchr(s, ':'), *mode = NULL;
        if (dst) {
                *dst++ = 0;
                mode = strchr(dst, ':');
                if (mode)
                        *mode++ = 0;
        }
        if (!dst || !*src || !*dst || dst[0] != '/' || (mode && !streq(mode, "ro") && !streq(mode, "rw"))) {
                log_error("bind '%s': expected SRC:DST[:ro|rw] with an absolute DST", arg);
                return -EINVAL;
        }
        struct stat st;
        if (stat(src, &st) < 0) {
                log_error("bind source '%s': %s", src, strerror(errno));
                return -errno;
        }
        const char *ro[] = { "rbind", "ro", NULL }, *rw[] = { "rbind", NULL };
        return nsbox_spec_add_mount(spec, dst, "bind", src, mode && streq(mode, "ro") ? ro : rw);
}

static int build_spec(const RunArgs *a, const char *rootfs_path, bool overlay, const char *name, char **cmd,
                      const NsboxUser *user, const struct winsize *ws, NsboxSpec **ret)
{
        _cleanup_free_ char *hn = NULL, *hosts = NULL, *resolv = NULL;
        NsboxSpec *spec = nsbox_spec_new();
        if (!spec)
                return -ENOMEM;
        int r = -ENOMEM;
        const char *hostname = a->hostname ? a->hostname : name;

        static const char *const default_cmd[] = { "/bin/sh", NULL };
        spec->process.args = calloc(1, sizeof(char *));
        size_t nargs = 0;
        for (char **i = cmd && *cmd ? cmd : (char **) default_cmd; *i; i++) {
                char **x = realloc(spec->process.args, (nargs + 2) * sizeof(char *));
                if (!x)
                        goto fail;
                spec->process.args = x;
                if (!(x[nargs++] = strdup(*i)))
                        goto fail;
                x[nargs] = NULL;
        }

        /* A clean environment: PATH, HOME, HOSTNAME, TERM, then --env. */
        const char *term = getenv("TERM");
        char *env[4] = { 0 };
        if (asprintf(&env[0], "PATH=%s", DEFAULT_PATH) < 0 || asprintf(&env[1], "HOME=%s", user->home) < 0 ||
            asprintf(&env[2], "HOSTNAME=%s", hostname) < 0 ||
            asprintf(&env[3], "TERM=%s", term && *term ? term : "xterm") < 0)
                goto fail;
        size_t nenv = 0;
        spec->process.env = calloc(4 + a->n_env + 1, sizeof(char *));
        if (!spec->process.env)
                goto fail;
        for (size_t i = 0; i < 4; i++)
                spec->process.env[nenv++] = env[i];
        for (size_t i = 0; i < a->n_env; i++) {
                /* a later KEY= replaces an earlier one */
                size_t kl = (size_t) (strchr(a->env[i], '=') - a->env[i]) + 1;
                size_t j;
                for (j = 0; j < nenv; j++)
                        if (strneq(spec->process.env[j], a->env[i], kl))
                                break;
                char *d = strdup(a->env[i]);
                if (!d)
                        goto fail;
                if (j < nenv) {
                        free(spec->process.env[j]);
                        spec->process.env[j] = d;
                } else
                        spec->process.env[nenv++] = d;
        }

        if (!(spec->process.cwd = strdup(a->workdir ? a->workdir : "/")))
                goto fail;
        spec->process.no_new_privileges = true;
        spec->process.cap_bounding = spec->process.cap_permitted = spec->process.cap_effective =
                nsbox_cap_default_set();
        spec->process.uid = user->uid;
        spec->process.gid = user->gid;
        if (user->n_groups) {
                spec->process.additional_gids = calloc(user->n_groups, sizeof(gid_t));
                if (!spec->process.additional_gids)
                        goto fail;
                memcpy(spec->process.additional_gids, user->groups, user->n_groups * sizeof(gid_t));
                spec->process.n_additional_gids = user->n_groups;
        }
        /* A user other than root starts without capabilities, as with docker:
         * the bounding set stays, so a setuid-root binary could regain them,
         * but no_new_privs (always on) stops that too. */
        if (user->uid != 0)
                spec->process.cap_permitted = spec->process.cap_effective = 0;
        spec->process.terminal = a->tty;
        if (ws) {
                spec->process.console_height = ws->ws_row;
                spec->process.console_width = ws->ws_col;
        }
        spec->ext.init = a->init;

        if (!(spec->root.path = strdup(rootfs_path)))
                goto fail;
        spec->root.readonly = a->read_only || !a->rootfs;
        spec->ext.root_overlay = overlay;
        if (!(spec->hostname = strdup(hostname)))
                goto fail;
        if (a->domainname && !(spec->domainname = strdup(a->domainname)))
                goto fail;

        for (int t = 0; t < _NSBOX_NS_MAX; t++)
                spec->linux_cfg.namespaces[t] =
                        t != NSBOX_NS_USER && t != NSBOX_NS_TIME && !(t == NSBOX_NS_NET && a->net_host);

        const char *proc_opts[] = { "nosuid", "noexec", "nodev", NULL };
        if ((r = a->minimal ? nsbox_spec_add_mount(spec, "/proc", "proc", "proc", proc_opts)
                            : nsbox_spec_add_default_mounts(spec)) < 0)
                goto fail;
        if (a->net_host) {
                /* sysfs belongs to the network namespace that mounts it: with the
                 * host's network, bind the host's /sys read-only instead */
                for (size_t i = 0; i < spec->n_mounts; i++)
                        if (streq(spec->mounts[i].destination, "/sys")) {
                                free(spec->mounts[i].type);
                                free(spec->mounts[i].source);
                                strv_free(spec->mounts[i].options);
                                spec->mounts[i].type = strdup("bind");
                                spec->mounts[i].source = strdup("/sys");
                                const char *o[] = { "rbind", "ro", "nosuid", "nodev", "noexec", NULL };
                                spec->mounts[i].options = calloc(6, sizeof(char *));
                                if (!spec->mounts[i].type || !spec->mounts[i].source ||
                                    !spec->mounts[i].options)
                                        goto fail;
                                for (size_t k = 0; o[k]; k++)
                                        if (!(spec->mounts[i].options[k] = strdup(o[k])))
                                                goto fail;
                        }
        }
        const char *tmp_opts[] = { "nosuid", "nodev", "mode=1777", NULL };
        if (!a->minimal && (r = nsbox_spec_add_mount(spec, "/tmp", "tmpfs", "tmpfs", tmp_opts)) < 0)
                goto fail;
        for (size_t i = 0; i < a->n_tmpfs; i++)
                if ((r = nsbox_spec_add_mount(spec, a->tmpfs[i], "tmpfs", "tmpfs", tmp_opts)) < 0)
                        goto fail;
        for (size_t i = 0; i < a->n_binds; i++)
                if ((r = add_bind(spec, a->binds[i])) < 0)
                        goto fail;

        spec->linux_cfg.masked_paths = calloc(ELEMENTSOF(default_masked_paths), sizeof(char *));
        spec->linux_cfg.readonly_paths = calloc(ELEMENTSOF(default_readonly_paths), sizeof(char *));
        if (!spec->linux_cfg.masked_paths || !spec->linux_cfg.readonly_paths)
                goto fail;
        for (size_t i = 0; default_masked_paths[i]; i++)
                if (!(spec->linux_cfg.masked_paths[i] = strdup(default_masked_paths[i])))
                        goto fail;
        for (size_t i = 0; default_readonly_paths[i]; i++)
                if (!(spec->linux_cfg.readonly_paths[i] = strdup(default_readonly_paths[i])))
                        goto fail;

        /* /etc/hostname, /etc/hosts and /etc/resolv.conf that match the
         * container, bind-mounted as the container engines do. */
        if (asprintf(&hn, "%s\n", hostname) < 0 ||
            asprintf(&hosts,
                     "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t%s\n",
                     hostname) < 0)
                goto fail;
        if (read_full_file_at(AT_FDCWD, "/etc/resolv.conf", &resolv, NULL) < 0)
                resolv = NULL;
        if ((r = nsbox_spec_add_file(spec, "/etc/hostname", hn, 0644)) < 0 ||
            (r = nsbox_spec_add_file(spec, "/etc/hosts", hosts, 0644)) < 0 ||
            (r = nsbox_spec_add_file(spec, "/etc/resolv.conf", resolv ? resolv : "", 0644)) < 0)
                goto fail;
        if ((r = run_security_apply(&a->security, spec)) < 0)
                goto fail;

        if (a->minimal) {
                /* the floor's work (bench/floor.c): no masked or read-only
                 * paths, no generated files */
                strv_free(spec->linux_cfg.masked_paths);
                strv_free(spec->linux_cfg.readonly_paths);
                spec->linux_cfg.masked_paths = spec->linux_cfg.readonly_paths = NULL;
                for (size_t i = 0; i < spec->ext.n_files; i++) {
                        free(spec->ext.files[i].destination);
                        free(spec->ext.files[i].content);
                }
                spec->ext.n_files = 0;
        }
        if ((r = run_userns_apply(&a->userns, a->user != NULL, spec)) < 0)
                goto fail;

        *ret = spec;
        return 0;
fail:
        nsbox_spec_free(spec);
        return r < 0 ? r : -ENOMEM;
}

/* ---- the caller's terminal ---- */

/* The caller's terminal as it was, for every way out of nsbox: normal
 * return, error paths, and the fatal signals a handler can catch. */
static struct termios saved_termios;
static volatile sig_atomic_t termios_saved;

static void restore_terminal(void)
{
        if (termios_saved) {
                /* async-signal-safe (signal-safety(7)) */
                (void) tcsetattr(STDIN_FILENO, TCSADRAIN, &saved_termios);
                termios_saved = 0;
        }
}

static void fatal_signal_handler(int sig)
{
        int saved = errno;
        restore_terminal();
        /* SA_RESETHAND put the default action back: die of the same signal */
        (void) raise(sig);
        errno = saved;
}

static int make_terminal_raw(void)
{
        /* Signals that end nsbox and can be caught; the ones nsbox forwards
         * are blocked and read from a signalfd, so they never end it. */
        static const int fatal[] = { SIGABRT, SIGALRM, SIGBUS,    SIGFPE, SIGILL,
                                     SIGPIPE, SIGPROF, SIGSEGV,   SIGSYS, SIGTRAP,
                                     SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPWR, SIGSTKFLT };
        struct termios raw;
        if (tcgetattr(STDIN_FILENO, &saved_termios) < 0)
                return -errno;
        struct sigaction sa = { .sa_handler = fatal_signal_handler, .sa_flags = SA_RESETHAND | SA_NODEFER };
        sigemptyset(&sa.sa_mask);
        for (size_t i = 0; i < ELEMENTSOF(fatal); i++)
                (void) sigaction(fatal[i], &sa, NULL);
        termios_saved = 1;
        raw = saved_termios;
        cfmakeraw(&raw);
        if (tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) < 0) {
                termios_saved = 0;
                return -errno;
        }
        return 0;
}

/* ---- waiting for the container: signals, terminal, stop timeout ---- */

static const int forwarded_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };

static int64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

typedef struct Relay {
        int in, out; /* from, to */
        char buf[8192];
        size_t len;
        bool eof;
        char last; /* the last byte read, 0 before the first */
} Relay;

/* Move what can be moved without blocking. Returns 0, or -EIO at the end of
 * the input (for the pty's master: every slave closed). */
static int relay_step(Relay *r, bool can_read, bool can_write)
{
        if (can_write && r->len > 0) {
                ssize_t n = write(r->out, r->buf, r->len);
                if (n > 0) {
                        memmove(r->buf, r->buf + n, r->len - (size_t) n);
                        r->len -= (size_t) n;
                } else if (n < 0 && errno != EAGAIN && errno != EINTR)
                        r->len = 0; /* the reader is gone: drop what it would have got */
        }
        if (can_read && r->len == 0 && !r->eof) {
                ssize_t n = read(r->in, r->buf, sizeof(r->buf));
                if (n > 0) {
                        r->len = (size_t) n;
                        r->last = r->buf[n - 1];
                } else if (n == 0 || (errno != EAGAIN && errno != EINTR))
                        r->eof = true;
        }
        return r->eof && r->len == 0 ? -EIO : 0;
}

/* After the container's end: copy what its terminal still holds. */
static void drain(Relay *r)
{
        for (;;) {
                if (r->len) {
                        ssize_t n = write(r->out, r->buf, r->len);
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n < 0 && errno == EAGAIN) {
                                struct pollfd p = { .fd = r->out, .events = POLLOUT };
                                if (poll(&p, 1, 1000) <= 0)
                                        return;
                                continue;
                        }
                        if (n <= 0)
                                return;
                        memmove(r->buf, r->buf + n, r->len - (size_t) n);
                        r->len -= (size_t) n;
                        continue;
                }
                /* EIO: no slave left; EAGAIN: nothing more (the master is non-blocking) */
                ssize_t n = read(r->in, r->buf, sizeof(r->buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return;
                r->len = (size_t) n;
        }
}

static void sync_window_size(int console)
{
        struct winsize ws;
        if (console >= 0 &&
            (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0))
                (void) ioctl(console, TIOCSWINSZ, &ws);
}

/* Runs until the container's PID 1 has ended; returns its exit status, or
 * 137 when nsbox had to kill it. */
static int supervise(NsboxContainer *c, int sigfd, unsigned stop_timeout)
{
        int console = nsbox_container_console_fd(c);
        Relay in = { .in = STDIN_FILENO, .out = console }, out = { .in = console, .out = STDOUT_FILENO };
        int64_t deadline = -1;
        int stop_signal = 0, status = EXIT_NSBOX_ERROR;
        bool killed = false, hung_up = false;
        bool watch_stdout = console >= 0 && isatty(STDOUT_FILENO);

        if (console >= 0) {
                (void) fcntl(console, F_SETFL, fcntl(console, F_GETFL) | O_NONBLOCK);
                sync_window_size(console);
        } else
                in.eof = out.eof = true;

        for (;;) {
                /* What the container's terminal wrote goes out before we
                 * wait, and the poll set is built from the buffers as this
                 * leaves them: a set built before the flush would wait with
                 * POLLIN off for a buffer that is empty by then, and the
                 * container's next output would sit in its terminal until
                 * some other event came. */
                if (out.len)
                        relay_step(&out, false, true);
                struct pollfd p[5] = {
                        { .fd = nsbox_container_pidfd(c), .events = POLLIN },
                        { .fd = sigfd, .events = POLLIN },
                        { .fd = in.eof || in.len ? -1 : in.in, .events = POLLIN },
                        { .fd = console >= 0 && !out.eof ? console : -1,
                          .events = (short) ((out.len ? 0 : POLLIN) | (in.len ? POLLOUT : 0)) },
                        /* left over: stdout is non-blocking and full;
                         * else, for a terminal, only its hang-up */
                        { .fd = out.len || (watch_stdout && !hung_up) ? out.out : -1,
                          .events = (short) (out.len ? POLLOUT : 0) },
                };
                int timeout = -1;
                if (deadline >= 0) {
                        int64_t left = deadline - now_ms();
                        timeout = left < 0 ? 0 : (int) left;
                }
                int n = poll(p, ELEMENTSOF(p), timeout);
                if (n < 0 && errno != EINTR)
                        break;

                if (n > 0 && (p[2].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))) {
                        relay_step(&in, true, false);
                        if (in.eof && !isatty(STDIN_FILENO)) {
                                /* input from a file or pipe has ended: let the
                                 * container's terminal say so too, with its
                                 * end-of-file character, as a user's ^D would */
                                struct termios t;
                                if (tcgetattr(console, &t) == 0 && (t.c_lflag & ICANON)) {
                                        /* after a partial line, the first one
                                         * only ends the line */
                                        in.buf[0] = in.buf[1] = (char) t.c_cc[VEOF];
                                        in.len = in.last == '\n' || in.last == 0 ? 1 : 2;
                                }
                        }
                }
                if (n > 0 && (p[3].revents & POLLOUT))
                        relay_step(&in, false, true);
                if (n > 0 && (p[3].revents & (POLLIN | POLLHUP | POLLERR)))
                        relay_step(&out, true, true);
                if (n > 0 && (p[4].revents & (POLLOUT | POLLHUP | POLLERR)))
                        relay_step(&out, false, true);

                /* The caller's terminal hung up: nobody is left to stop the
                 * container by hand, and a PID 1 without a handler ignores
                 * the SIGHUP. Deliver it as a first stop signal, so the stop
                 * timeout ends the container if it does not end itself. */
                int hangup = 0;
                if (console >= 0 && !hung_up &&
                    ((in.eof && isatty(STDIN_FILENO)) || (n > 0 && (p[4].revents & (POLLHUP | POLLERR)))))
                        hangup = SIGHUP;

                if (n > 0 && (p[1].revents & POLLIN)) {
                        struct signalfd_siginfo si;
                        while (read(sigfd, &si, sizeof(si)) == sizeof(si)) {
                                int sig = (int) si.ssi_signo;
                                if (sig == SIGWINCH)
                                        sync_window_size(console);
                                if ((sig == SIGINT || sig == SIGTERM) && stop_signal && !killed) {
                                        restore_terminal();
                                        log_error("second SIG%s: killed the container with SIGKILL",
                                                  sigabbrev_np(sig));
                                        (void) nsbox_container_kill(c, SIGKILL);
                                        killed = true;
                                        continue;
                                }
                                if (sig == SIGHUP && console >= 0 && !hung_up) {
                                        hangup = SIGHUP; /* forwarded below */
                                        continue;
                                }
                                if ((sig == SIGINT || sig == SIGTERM) && !stop_signal) {
                                        stop_signal = sig;
                                        deadline = now_ms() + (int64_t) stop_timeout * 1000;
                                }
                                (void) nsbox_container_kill(c, sig);
                        }
                }
                if (hangup) {
                        /* once: the kernel's SIGHUP and the terminal's end come together */
                        if (!hung_up && !killed) {
                                if (!stop_signal) {
                                        stop_signal = SIGHUP;
                                        deadline = now_ms() + (int64_t) stop_timeout * 1000;
                                }
                                (void) nsbox_container_kill(c, SIGHUP);
                        }
                        hung_up = true;
                }
                if (deadline >= 0 && !killed && now_ms() >= deadline) {
                        restore_terminal();
                        log_error("container did not stop %u s after SIG%s: killed it with SIGKILL",
                                  stop_timeout, sigabbrev_np(stop_signal));
                        (void) nsbox_container_kill(c, SIGKILL);
                        killed = true;
                }
                if (killed)
                        deadline = -1;

                if (n > 0 && (p[0].revents & POLLIN)) {
                        /* PID 1 is gone, and with it the pid namespace: what
                         * the terminal still holds is all there is */
                        if (console >= 0)
                                drain(&out);
                        break;
                }
        }
        int r;
        while ((r = nsbox_container_wait(c, &status)) == -EINTR)
                ;
        if (r < 0) {
                restore_terminal();
                log_error("wait for container: %s", strerror(-r));
                return EXIT_NSBOX_ERROR;
        }
        return killed ? 128 + SIGKILL : status;
}

int cmd_run(int argc, char **argv)
{
        RunArgs a = { .stop_timeout = 10, .security.no_new_privs = -1 };
        int optind_ = 0, r;

        r = parse_args(argc, argv, &a, &optind_);
        _cleanup_free_ char **env = a.env, **binds = a.binds, **tmpfs = a.tmpfs, **group_add = a.group_add;
        _cleanup_(strv_freep) char **env_owned = a.env_owned;
        _cleanup_(run_userns_donep) RunUserns *userns = &a.userns;
        _cleanup_(run_security_donep) RunSecurity *security = &a.security;
        if (r < 0)
                return EXIT_NSBOX_ERROR;
        if (optind_ < argc && !*argv[optind_]) {
                log_error("the command must not be empty");
                return EXIT_NSBOX_ERROR;
        }
        /* before any work: a user namespace's maps decide how the rootfs is extracted */
        if (run_userns_prepare(&a.userns) < 0)
                return EXIT_NSBOX_ERROR;

        char name[130];
        if (a.name)
                snprintf(name, sizeof(name), "%s", a.name);
        else {
                unsigned char rnd[3];
                if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd)) {
                        log_error("random name: %s", strerror(errno));
                        return EXIT_NSBOX_ERROR;
                }
                snprintf(name, sizeof(name), "nsbox-%02x%02x%02x", rnd[0], rnd[1], rnd[2]);
        }
        /* The hostname defaults to the name, made a valid hostname: docker
         * names may hold '_', hostnames may not. */
        char hostbuf[65];
        if (!a.hostname) {
                hostname_from_name(name, hostbuf);
                a.hostname = hostbuf;
        }

        _cleanup_free_ char *rootfs_path = NULL;
        bool overlay = false;
        if (!a.rootfs)
                rootfs_path = strdup("/");
        else {
                struct stat st;
                if (stat(a.rootfs, &st) < 0) {
                        log_error("rootfs '%s': %s", a.rootfs, strerror(errno));
                        return EXIT_NSBOX_ERROR;
                }
                if (S_ISDIR(st.st_mode)) {
                        rootfs_path = realpath(a.rootfs, NULL);
                        if (!rootfs_path) {
                                log_error("rootfs '%s': %s", a.rootfs, strerror(errno));
                                return EXIT_NSBOX_ERROR;
                        }
                        if (run_userns_check_rootfs_dir(&a.userns, a.rootfs) < 0)
                                return EXIT_NSBOX_ERROR;
                        overlay = a.ephemeral;
                } else if (S_ISREG(st.st_mode)) {
                        if (a.print_spec)
                                rootfs_path = realpath(a.rootfs, NULL);
                        else {
                                _cleanup_free_ char *cache = NULL;
                                NsboxError *err = NULL;
                                int shown = 0;
                                if ((r = nsbox_cache_dir(&cache)) < 0) {
                                        log_error("cache directory: %s", strerror(-r));
                                        return EXIT_NSBOX_ERROR;
                                }
                                unsigned skipped = 0;
                                if (a.userns.enabled)
                                        /* in the container's user namespace, so that the
                                         * archive's owners become the mapped ids */
                                        r = nsbox_rootfs_from_archive_userns(
                                                a.rootfs, cache, a.userns.uid, a.userns.n_uid, a.userns.gid,
                                                a.userns.n_gid, isatty(STDERR_FILENO) ? progress_bar : NULL,
                                                &shown, &rootfs_path, &skipped, &err);
                                else
                                        r = nsbox_rootfs_from_archive(
                                                a.rootfs, cache, isatty(STDERR_FILENO) ? progress_bar : NULL,
                                                &shown, &rootfs_path, &err);
                                if (shown)
                                        fputs("\r\033[K", stderr);
                                if (r >= 0 && skipped > 0)
                                        log_error("note: rootfs '%s': %u device node%s not extracted: a "
                                                  "user namespace cannot make them, and the container "
                                                  "has a /dev of its own",
                                                  a.rootfs, skipped, skipped == 1 ? "" : "s");
                                if (r < 0) {
                                        nsbox_error_wrap(&err, r, "rootfs '%s'", a.rootfs);
                                        log_nsbox_error(err, r);
                                        nsbox_error_free(err);
                                        return EXIT_NSBOX_ERROR;
                                }
                        }
                        overlay = true;
                } else {
                        log_error("rootfs '%s': not a directory or a tar archive", a.rootfs);
                        return EXIT_NSBOX_ERROR;
                }
        }
        if (!rootfs_path) {
                log_error("%s", strerror(ENOMEM));
                return EXIT_NSBOX_ERROR;
        }

        /* --user: the rootfs's own users and groups (never the host's NSS) */
        NsboxUser user = { 0 };
        {
                NsboxError *err = NULL;
                _cleanup_close_ int rootfd = open(rootfs_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
                /* --userns=keep-id: the caller's ids, and its groups and home
                 * as the rootfs's /etc/passwd and /etc/group have them */
                char keep_id[32];
                const char *who = a.user;
                if (!who && a.userns.enabled && a.userns.mode == RUN_USERNS_KEEP_ID) {
                        snprintf(keep_id, sizeof(keep_id), "%u:%u", (unsigned) geteuid(),
                                 (unsigned) getegid());
                        who = keep_id;
                }
                r = nsbox_user_resolve(rootfd >= 0 ? rootfd : -EBADF, who, (const char *const *) a.group_add,
                                       &user, &err);
                if (r == -ENOENT && rootfd < 0) {
                        /* --print-spec does not extract an archive: no files to read */
                        nsbox_error_free(err);
                        log_error("--print-spec with a rootfs archive takes numeric user and group ids "
                                  "only: names are looked up in the extracted rootfs");
                        return EXIT_NSBOX_ERROR;
                }
                if (r < 0) {
                        log_nsbox_error(err, r);
                        nsbox_error_free(err);
                        return EXIT_NSBOX_ERROR;
                }
                if (run_userns_check_user(&a.userns, &user, a.n_group_add) < 0) {
                        nsbox_user_done(&user);
                        return EXIT_NSBOX_ERROR;
                }
        }

        struct winsize ws, *wsp = NULL;
        if (a.tty &&
            (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0))
                wsp = &ws;

        NsboxSpec *spec = NULL;
        r = build_spec(&a, rootfs_path, overlay, name, argv + optind_, &user, wsp, &spec);
        nsbox_user_done(&user);
        if (r >= 0 && ((r = run_cgroup_apply(&a.cg, name, spec)) < 0 ||
                       (r = run_userns_cgroup(spec, a.cg.best_effort)) < 0))
                nsbox_spec_free(spec);
        if (r < 0) {
                if (r == -ENOMEM)
                        log_error("%s", strerror(ENOMEM));
                return EXIT_NSBOX_ERROR;
        }

        if (a.print_spec) {
                _cleanup_free_ char *json = NULL;
                r = nsbox_spec_to_json(spec, &json);
                nsbox_spec_free(spec);
                if (r < 0) {
                        log_error("%s", strerror(-r));
                        return EXIT_NSBOX_ERROR;
                }
                puts(json);
                return 0;
        }

        /* Blocked from before the clone, so none is lost between start and
         * the loop; the container's process unblocks them before exec. */
        sigset_t fwd;
        sigemptyset(&fwd);
        for (size_t i = 0; i < ELEMENTSOF(forwarded_signals); i++)
                sigaddset(&fwd, forwarded_signals[i]);
        sigprocmask(SIG_BLOCK, &fwd, NULL);
        _cleanup_close_ int sigfd = signalfd(-1, &fwd, SFD_CLOEXEC | SFD_NONBLOCK);
        if (sigfd < 0) {
                log_error("signalfd: %s", strerror(errno));
                nsbox_spec_free(spec);
                return EXIT_NSBOX_ERROR;
        }

        NsboxContainer *c = NULL;
        NsboxError *err = NULL;
        r = nsbox_container_start(spec, &c, &err);
        nsbox_spec_free(spec);
        if (r < 0) {
                int code = EXIT_NSBOX_ERROR;
                if (nsbox_container_exec_failed(err)) {
                        code = r == -ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC;
                        memmove(err->message, err->message + 1, strlen(err->message));
                }
                log_nsbox_error(err, r);
                nsbox_error_free(err);
                return code;
        }
        run_cgroup_started(c);

        /* For lsns's CONTAINER column (nsbox_ns_mark_container()), made after
         * the start so the container never sees it; without it the container
         * runs all the same, only unnamed there. */
        _cleanup_close_ int marker = nsbox_ns_mark_container(name);

        if (a.tty && isatty(STDIN_FILENO) && (r = make_terminal_raw()) < 0) {
                log_error("set the terminal to raw mode: %s", strerror(-r));
                nsbox_container_free(c);
                return EXIT_NSBOX_ERROR;
        }
        int status = supervise(c, sigfd, a.stop_timeout);
        restore_terminal();
        status = run_cgroup_finish(&a.cg, c, name, status);
        nsbox_container_free(c);
        return status;
}
