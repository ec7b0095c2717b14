/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nsbox run: the tutorial's last step done properly. Builds an OCI-shaped
 * spec in memory from the command line and hands it to the library's
 * container code, as the OCI runtime does with config.json.
 */
#include <getopt.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "basic/fileio.h"
#include "common.h"

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
        "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

typedef struct RunArgs {
        const char *rootfs;
        const char *name;
        const char *hostname;
        const char *workdir;
        bool read_only, ephemeral, net_host, print_spec;
        char **env; /* extra --env */
        size_t n_env;
        char **binds; /* SRC:DST[:ro] */
        size_t n_binds;
        char **tmpfs;
        size_t n_tmpfs;
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
              "     --rootfs <dir|file>  rootfs directory, or a tar archive (gzip, xz, zstd, plain)\n"
              "                            extracted once into a cache and used through an overlay\n"
              "     --read-only          mount the rootfs read-only\n"
              "     --ephemeral          put a throw-away overlay over a rootfs directory\n"
              "     --name <name>        container name (default: nsbox-XXXXXX)\n"
              "     --hostname <name>    hostname (default: the container's name)\n"
              " -w, --workdir <dir>      working directory inside the container (default: /)\n"
              " -e, --env <key=value>    set an environment variable (repeatable)\n"
              "     --net <none|host>    none: a new network namespace with lo up (default);\n"
              "                            host: share the host's network\n"
              "     --bind <src:dst[:ro]>  bind-mount a host path (repeatable)\n"
              "     --tmpfs <dst>        mount a tmpfs (repeatable)\n"
              "     --print-spec         print the container's OCI config.json and exit\n"
              "\n"
              " -h, --help               display this help\n"
              " -V, --version            display version\n"
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

static int check_hostname(const char *h)
{
        size_t l = strlen(h);
        if (l == 0) {
                log_error("hostname must not be empty");
                return -EINVAL;
        }
        if (l > 64) {
                log_error("hostname '%s' is %zu bytes long; the limit is 64", h, l);
                return -EINVAL;
        }
        /* RFC 1123 labels: letters, digits and '-', dot-separated */
        for (const char *p = h; *p; p++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.", *p)) {
                        log_error(
                                "hostname '%s': invalid character '%c' (letters, digits, '-' and '.' only)",
                                h, *p);
                        return -EINVAL;
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
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                {},
        };
        int c;
        opterr = 0;
        /* '+': options end at the command, so `nsbox run ls -l` works */
        while ((c = getopt_long(argc, argv, "+w:e:hV", longopts, NULL)) >= 0) {
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
                case 'h':
                        usage(stdout);
                        exit(0);
                case 'V':
                        printf("nsbox %s\n", NSBOX_VERSION);
                        exit(0);
                default:
                        if (optopt && optopt < 0x100)
                                log_error("unknown option '-%c'", optopt);
                        else
                                log_error("unknown option '%s'", argv[optind - 1]);
                        fprintf(stderr, "Try 'nsbox run --help' for more information.\n");
                        return -EINVAL;
                }
        }
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
                      NsboxSpec **ret)
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
        if (asprintf(&env[0], "PATH=%s", DEFAULT_PATH) < 0 || asprintf(&env[1], "HOME=/root") < 0 ||
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

        if (!(spec->root.path = strdup(rootfs_path)))
                goto fail;
        spec->root.readonly = a->read_only || !a->rootfs;
        spec->ext.root_overlay = overlay;
        if (!(spec->hostname = strdup(hostname)))
                goto fail;

        for (int t = 0; t < _NSBOX_NS_MAX; t++)
                spec->linux_cfg.namespaces[t] =
                        t != NSBOX_NS_USER && t != NSBOX_NS_TIME && !(t == NSBOX_NS_NET && a->net_host);

        if ((r = nsbox_spec_add_default_mounts(spec)) < 0)
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
        if ((r = nsbox_spec_add_mount(spec, "/tmp", "tmpfs", "tmpfs", tmp_opts)) < 0)
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

        *ret = spec;
        return 0;
fail:
        nsbox_spec_free(spec);
        return r < 0 ? r : -ENOMEM;
}

int cmd_run(int argc, char **argv)
{
        RunArgs a = { 0 };
        int optind_ = 0, r;

        r = parse_args(argc, argv, &a, &optind_);
        if (r < 0) {
                free(a.env);
                free(a.binds);
                free(a.tmpfs);
                return EXIT_NSBOX_ERROR;
        }
        _cleanup_free_ char **env = a.env, **binds = a.binds, **tmpfs = a.tmpfs;

        char name[32];
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
        if (!a.hostname && check_hostname(a.name ? a.name : name) < 0)
                return EXIT_NSBOX_ERROR;

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
                                r = nsbox_rootfs_from_archive(a.rootfs, cache,
                                                              isatty(STDERR_FILENO) ? progress_bar : NULL,
                                                              &shown, &rootfs_path, &err);
                                if (shown)
                                        fputs("\r\033[K", stderr);
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

        NsboxSpec *spec = NULL;
        r = build_spec(&a, rootfs_path, overlay, name, argv + optind_, &spec);
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

        int status = EXIT_NSBOX_ERROR;
        while ((r = nsbox_container_wait(c, &status)) == -EINTR)
                ;
        if (r < 0) {
                log_error("wait for container: %s", strerror(-r));
                status = EXIT_NSBOX_ERROR;
        }
        nsbox_container_free(c);
        return status;
}
