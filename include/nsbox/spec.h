/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <nsbox/common.h>
#include <nsbox/error.h>
#include <nsbox/namespace.h>
#include <nsbox/seccomp.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A container's configuration, shaped after the OCI runtime-spec's
 * config.json (runtime-spec 1.2: config.md, config-linux.md). `nsbox run`
 * builds one in memory; the OCI runtime reads one from a bundle. Both hand it
 * to nsbox_container_start(). Strings are owned by the spec (malloc'd);
 * string lists are NULL-terminated.
 */

typedef struct NsboxMount {
        char *destination; /* absolute path inside the container */
        char *type;        /* filesystem type; "bind" or NULL with a "bind"/"rbind" option for bind mounts */
        char *source;      /* device, host path for binds, or a filesystem-specific name */
        char **options;    /* mount(8)-style options: "ro", "nosuid", "rbind", "mode=755", ... */
} NsboxMount;

typedef struct NsboxIdMapping {
        uint32_t container_id;
        uint32_t host_id;
        uint32_t size;
} NsboxIdMapping;

/* A file that the runtime generates inside the container and bind-mounts at
 * destination (nsbox extension; the container engines do this for
 * /etc/hostname, /etc/hosts and /etc/resolv.conf). */
typedef struct NsboxFile {
        char *destination;
        char *content;
        mode_t mode;
} NsboxFile;

/* A block device's rate limit (config-linux.md "blockIO": throttle*Device). */
typedef struct NsboxThrottleDevice {
        int64_t major, minor;
        uint64_t rate; /* bytes per second */
} NsboxThrottleDevice;

/*
 * linux.resources (runtime-spec config-linux.md "Control groups"), in v1
 * units as the spec defines them; the v2 backend converts (see
 * include/nsbox/cgroup.h). A has_* flag says the field was given.
 */
typedef struct NsboxResources {
        struct {
                bool has_limit, has_reservation, has_swap;
                int64_t limit;       /* bytes; -1: unlimited */
                int64_t reservation; /* bytes, a soft limit; -1: none */
                int64_t swap;        /* memory plus swap, bytes; -1: unlimited */
        } memory;
        struct {
                bool has_shares, has_quota, has_period;
                uint64_t shares; /* relative weight, 2 to 262144 */
                int64_t quota;   /* microseconds per period; -1: unlimited */
                uint64_t period; /* microseconds, 1000 to 1000000 */
                char *cpus;      /* cpuset list, e.g. "0-2,4"; NULL: the parent's */
                char *mems;      /* memory nodes, same syntax; NULL: the parent's */
        } cpu;
        struct {
                bool has_limit;
                int64_t limit; /* tasks; 0 or -1: unlimited */
        } pids;
        struct {
                bool has_weight;
                uint16_t weight; /* 10 to 1000 */
                NsboxThrottleDevice *throttle_read_bps, *throttle_write_bps;
                size_t n_throttle_read_bps, n_throttle_write_bps;
        } block_io;
        /* "unified": cgroup v2 interface files and values, as pairs
         * { key0, value0, key1, value1, ..., NULL } */
        char **unified;
} NsboxResources;
/* A resource limit (setrlimit(2)); config.json process.rlimits. */
typedef struct NsboxRlimit {
        int type;      /* RLIMIT_NOFILE, ... */
        uint64_t soft; /* RLIM_INFINITY for "unlimited" */
        uint64_t hard;
} NsboxRlimit;
/* An OCI lifecycle hook (runtime-spec config.md "POSIX-platform Hooks"): path
 * is run with args (args[0] is argv[0]) and env, the container's state JSON
 * on its stdin; timeout in seconds, 0 for none. */
typedef struct NsboxHook {
        char *path;
        char **args;
        char **env;
        unsigned timeout;
} NsboxHook;

/* The hook points, in the order the lifecycle reaches them. */
typedef enum NsboxHookKind {
        NSBOX_HOOK_PRESTART,         /* runtime namespace, before pivot_root (deprecated in the spec) */
        NSBOX_HOOK_CREATE_RUNTIME,   /* runtime namespace, before pivot_root */
        NSBOX_HOOK_CREATE_CONTAINER, /* container namespaces, before pivot_root */
        NSBOX_HOOK_START_CONTAINER,  /* container namespaces, after start, before the exec */
        NSBOX_HOOK_POSTSTART,        /* runtime namespace, after the exec, before start returns */
        NSBOX_HOOK_POSTSTOP,         /* runtime namespace, in delete */
        _NSBOX_HOOK_MAX,
} NsboxHookKind;

/* A device node to create in the container (config-linux.md "Devices"). */
typedef struct NsboxDevice {
        char *path; /* absolute, inside the container */
        char type;  /* 'c', 'b', 'u' (unbuffered character) or 'p' (FIFO) */
        uint32_t major, minor;
        mode_t file_mode; /* permission bits; 0666 when not given */
        uid_t uid;
        gid_t gid;
} NsboxDevice;

typedef struct NsboxSpec {
        char *oci_version;

        struct {
                /* a new pseudo-terminal is the process's stdin, stdout, stderr,
                 * controlling terminal and /dev/console; the caller gets its
                 * master from nsbox_container_console_fd() */
                bool terminal;
                /* the terminal's initial size in characters (0: leave the kernel's) */
                unsigned short console_height, console_width;
                char **args; /* args[0] is looked up in PATH from env if it has no '/' */
                char **env;  /* "KEY=VALUE" */
                char *cwd;   /* absolute, inside the container */
                uid_t uid;
                gid_t gid;
                gid_t *additional_gids;
                size_t n_additional_gids;
                bool no_new_privileges;
                /* capability sets as bit masks, bit N = capability N (capabilities(7)) */
                uint64_t cap_bounding, cap_effective, cap_permitted, cap_inheritable, cap_ambient;
                NsboxRlimit *rlimits;
                size_t n_rlimits;
                bool has_oom_score_adj;
                int oom_score_adj; /* -1000..1000, proc(5) /proc/PID/oom_score_adj */
        } process;

        struct {
                char *path; /* host path of the rootfs */
                bool readonly;
        } root;

        char *hostname;
        char *domainname;

        NsboxMount *mounts;
        size_t n_mounts;

        struct {
                /* namespaces[t] is true when the container gets namespace type t; with
                 * namespace_paths[t] set it joins that namespace instead of making one. */
                bool namespaces[_NSBOX_NS_MAX];
                char *namespace_paths[_NSBOX_NS_MAX];
                NsboxIdMapping *uid_mappings;
                size_t n_uid_mappings;
                NsboxIdMapping *gid_mappings;
                size_t n_gid_mappings;
                char **masked_paths;
                char **readonly_paths;
                char *rootfs_propagation; /* "private" (default), "slave", "shared", "unbindable" */
                /* the container's cgroup, relative to the root of every
                 * hierarchy (a leading '/' is allowed); NULL: no cgroup of
                 * its own, the caller's is kept */
                char *cgroups_path;
                NsboxResources resources; /* applied to cgroups_path */
                NsboxSeccomp *seccomp;    /* NULL: no filter */
        } linux_cfg;                      /* config.json "linux" ("linux" is a predefined macro in GNU C) */

        /* nsbox extensions; in config.json they travel as "org.nsbox.*" annotations */
        struct {
                /* root.path is a read-only lower layer; the container writes to an
                 * overlayfs upper layer on a tmpfs that is gone when it ends */
                bool root_overlay;
                NsboxFile *files;
                size_t n_files;
                /* PID 1 is a small init inside the nsbox process image that
                 * forwards signals to process.args, reaps orphans, and exits
                 * with the command's status (what tini / docker run --init do) */
                bool init;
                /* cgroupfs root (NULL: /sys/fs/cgroup); "org.nsbox.cgroup.root" */
                char *cgroup_root;
                /* limits whose controller the host lacks are skipped, not an
                 * error; "org.nsbox.cgroup.limits": "best-effort" */
                bool cgroup_best_effort;
                /* the caller's fds 3 .. 3+preserve_fds-1 stay open in the
                 * container (runc --preserve-fds); the caller must hold them
                 * open before it opens anything for the container */
                unsigned preserve_fds;
        } ext;

        /* The rest of config.json that the OCI runtime reads (issue 9; parsed
         * in spec-oci.c): hooks, devices, sysctl, time offsets, personality,
         * annotations. */
        struct {
                NsboxHook *hooks[_NSBOX_HOOK_MAX];
                size_t n_hooks[_NSBOX_HOOK_MAX];
                NsboxDevice *devices;
                size_t n_devices;
                char **sysctl; /* "key=value", key as in sysctl(8) ("net.ipv4.ip_forward") */
                /* time namespace offsets (time_namespaces(7)), applied when
                 * the container gets a new time namespace */
                bool has_time_offsets;
                int64_t monotonic_secs, boottime_secs;
                uint32_t monotonic_nsecs, boottime_nsecs;
                bool has_personality;
                unsigned long personality; /* PER_LINUX or PER_LINUX32 plus flags (personality(2)) */
                char **annotations;        /* key, value, key, value, ...: every annotation, for state */
        } oci;
} NsboxSpec;

/**
 * nsbox_spec_new - an empty spec: ociVersion set, everything else zero.
 * Returns: the spec, or NULL when out of memory.
 */
NSBOX_PUBLIC NsboxSpec *nsbox_spec_new(void);

/** nsbox_spec_free - free a spec and everything it owns; NULL is accepted. */
NSBOX_PUBLIC void nsbox_spec_free(NsboxSpec *spec);

/**
 * nsbox_spec_add_mount - append a mount
 * @spec: the spec
 * @destination: absolute path in the container
 * @type: filesystem type, or NULL for a bind mount
 * @source: source (may be NULL: then the type is used)
 * @options: NULL-terminated option list, or NULL
 *
 * Returns: 0, -ENOMEM, or -EINVAL when destination is not absolute.
 */
NSBOX_PUBLIC int nsbox_spec_add_mount(NsboxSpec *spec, const char *destination, const char *type,
                                      const char *source, const char *const *options);

/**
 * nsbox_spec_add_file - append a generated file (see NsboxFile)
 * Returns: 0, -ENOMEM, or -EINVAL when destination is not absolute.
 */
NSBOX_PUBLIC int nsbox_spec_add_file(NsboxSpec *spec, const char *destination, const char *content,
                                     mode_t mode);

/**
 * nsbox_spec_add_default_mounts - the mounts every container engine gives a
 * container (/proc, /dev, /dev/pts, /dev/shm, /dev/mqueue, /sys), with the
 * options of runc's and crun's spec template (engine defaults, runtime-spec
 * config.md "Mounts").
 * Returns: 0 or -ENOMEM.
 */
NSBOX_PUBLIC int nsbox_spec_add_default_mounts(NsboxSpec *spec);

/**
 * nsbox_spec_to_json - serialize as runtime-spec config.json
 * @spec: the spec
 * @ret: a malloc'd, NUL-terminated JSON text
 * Returns: 0 or -ENOMEM.
 */
NSBOX_PUBLIC int nsbox_spec_to_json(const NsboxSpec *spec, char **ret);

/**
 * nsbox_spec_from_json - parse runtime-spec config.json text
 * @json: the text
 * @ret: the new spec
 * @reterr: a description of what was wrong (may be NULL)
 * Returns: 0, -EINVAL for malformed JSON or a field of the wrong type or
 * value, -ENOMEM.
 */
NSBOX_PUBLIC int nsbox_spec_from_json(const char *json, NsboxSpec **ret, NsboxError **reterr);

/**
 * nsbox_cap_default_set - the container engines' default capability set
 * (moby daemon/pkg/oci/caps/defaults.go: CHOWN, DAC_OVERRIDE, FSETID, FOWNER,
 * MKNOD, NET_RAW, SETGID, SETUID, SETFCAP, SETPCAP, NET_BIND_SERVICE,
 * SYS_CHROOT, KILL, AUDIT_WRITE).
 * Returns: the set as a bit mask (bit N = capability N).
 */
NSBOX_PUBLIC uint64_t nsbox_cap_default_set(void);

/**
 * nsbox_cap_from_name - a capability's number from its name, with or without
 * the "CAP_" prefix, in any case ("NET_ADMIN", "cap_net_admin").
 * @ret: the number (capabilities(7))
 * Returns: 0, or -EINVAL for a name this libcap does not know.
 */
NSBOX_PUBLIC int nsbox_cap_from_name(const char *name, int *ret);

/**
 * nsbox_rlimit_from_name - RLIMIT_* number from "RLIMIT_NOFILE" or the
 * ulimit(1)/docker short form "nofile" (getrlimit(2)).
 * Returns: the number, or -EINVAL.
 */
NSBOX_PUBLIC int nsbox_rlimit_from_name(const char *name);

/** nsbox_rlimit_name - "RLIMIT_NOFILE" for RLIMIT_NOFILE; NULL for an unknown number. */
NSBOX_PUBLIC const char *nsbox_rlimit_name(int type);

/**
 * nsbox_hook_kind_name - the config.json name of a hook point: "prestart",
 * "createRuntime", "createContainer", "startContainer", "poststart",
 * "poststop" (runtime-spec config.md).
 * Returns: the name, or NULL for a kind out of range.
 */
NSBOX_PUBLIC const char *nsbox_hook_kind_name(NsboxHookKind kind);

/**
 * nsbox_spec_annotation - an annotation's value (config.md "Annotations")
 * Returns: the value, owned by the spec, or NULL when the spec has no such key.
 */
NSBOX_PUBLIC const char *nsbox_spec_annotation(const NsboxSpec *spec, const char *key);

#ifdef __cplusplus
}
#endif
