/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <nsbox/common.h>
#include <nsbox/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The eight namespace types of namespaces(7), in the order util-linux's lsns
 * knows them. */
typedef enum NsboxNsType {
        NSBOX_NS_MNT,
        NSBOX_NS_NET,
        NSBOX_NS_PID,
        NSBOX_NS_UTS,
        NSBOX_NS_IPC,
        NSBOX_NS_USER,
        NSBOX_NS_CGROUP,
        NSBOX_NS_TIME,
        _NSBOX_NS_MAX,
        _NSBOX_NS_INVALID = -1,
} NsboxNsType;

/**
 * nsbox_ns_type_name - the /proc/PID/ns/ name of a type ("mnt", "net", ...)
 * Returns: a static string, or NULL for an invalid type.
 */
NSBOX_PUBLIC const char *nsbox_ns_type_name(NsboxNsType t);

/**
 * nsbox_ns_type_oci_name - the runtime-spec name (config-linux.md: "mount",
 * "network", "pid", "uts", "ipc", "user", "cgroup", "time").
 * Returns: a static string, or NULL for an invalid type.
 */
NSBOX_PUBLIC const char *nsbox_ns_type_oci_name(NsboxNsType t);

/**
 * nsbox_ns_type_from_name - parse a type name; both the /proc names and the
 * OCI names are accepted.
 * Returns: the type, or _NSBOX_NS_INVALID.
 */
NSBOX_PUBLIC NsboxNsType nsbox_ns_type_from_name(const char *name);

/**
 * nsbox_ns_type_clone_flag - the CLONE_NEW* flag of a type (clone(2)).
 * Returns: the flag, or 0 for an invalid type.
 */
NSBOX_PUBLIC unsigned long nsbox_ns_type_clone_flag(NsboxNsType t);

/*
 * Namespace enumeration: what lsns(8) shows.
 *
 * nsbox_ns_scan() takes one snapshot of the namespaces visible to the caller:
 * every process under /proc (thread-group leaders only, as /proc/[0-9]+ lists
 * them) and, for each wanted type, the namespace that /proc/PID/ns/TYPE links
 * to. The kernel lets a caller open (and even stat) another process's ns link
 * only with ptrace-read access (proc(5), ptrace(2) PTRACE_MODE_READ_FSCREDS),
 * so an unprivileged caller sees the namespaces of its own processes only.
 * Optionally the snapshot also holds the parent and owner of each namespace
 * (ioctl_ns(2)), the peer netns ID of network namespaces (RTM_GETNSID,
 * rtnetlink(7)), the nsfs mount points that pin a namespace (proc(5)
 * mountinfo), and namespaces that no process is a member of but that are held
 * by an nsfs bind mount or an open fd, or reachable as a parent or owner.
 *
 * Namespaces are identified by the inode number of their nsfs file, the "NS"
 * of lsns and the number in "uts:[4026531838]".
 */

/* The type of one namespace as a bit for NsboxNsScanOptions.types. */
#define NSBOX_NS_TYPE_BIT(t) (1U << (t))
#define NSBOX_NS_TYPES_ALL ((1U << _NSBOX_NS_MAX) - 1)

/* A netns ID that is not a number (NsboxNsInfo.netnsid). */
#define NSBOX_NETNSID_UNASSIGNED (-1) /* NETNSA_NSID_NOT_ASSIGNED: the kernel has no id for it */
#define NSBOX_NETNSID_UNKNOWN (-2)    /* not asked, not a net namespace, or the query failed */

typedef enum NsboxNsScanFlags {
        /* Ask each namespace for its parent (NS_GET_PARENT, pid and user only) and its
         * owning user namespace (NS_GET_USERNS). */
        NSBOX_NS_SCAN_RELATIONS = 1U << 0,
        /* Ask rtnetlink for the netns ID of each net namespace (RTM_GETNSID with
         * NETNSA_FD), as seen from the caller's net namespace. */
        NSBOX_NS_SCAN_NETNSID = 1U << 1,
        /* Read the nsfs mounts of the caller's mount namespace and record their
         * mount points on the namespaces they pin (NsboxNsInfo.nsfs_paths). */
        NSBOX_NS_SCAN_NSFS_PATHS = 1U << 2,
        /* Add namespaces that no process is in but an nsfs bind mount holds
         * (ip netns add, unshare --net=FILE). Implies reading the mounts. */
        NSBOX_NS_SCAN_MOUNTED = 1U << 3,
        /* Add namespaces that no process is in but an open fd of a process holds
         * (/proc/PID/fd/N on nsfs; needs the same access as the ns links). */
        NSBOX_NS_SCAN_FDS = 1U << 4,
        /* Add the parents and owners of the namespaces found when no process is
         * in them, walking NS_GET_PARENT/NS_GET_USERNS from a member; and link
         * NsboxNsInfo.parent/owner. Implies NSBOX_NS_SCAN_RELATIONS. */
        NSBOX_NS_SCAN_CONNECT = 1U << 5,
        /* Add network namespaces that only a socket holds: each socket fd of each
         * process is duplicated with pidfd_getfd(2) (Linux 5.6; needs ptrace-attach
         * access) and asked for its namespace (SIOCGSKNS, Linux 4.9). */
        NSBOX_NS_SCAN_SOCKETS = 1U << 6,
        /* Add namespaces that only a thread is in: a thread that called unshare(2)
         * alone is not a process, so /proc/PID/ns does not show it; its
         * /proc/PID/task/TID/ns does (util-linux does not look there). */
        NSBOX_NS_SCAN_THREADS = 1U << 7,
        /* Name the container that owns each namespace (NsboxNsInfo.container),
         * from the state the runtimes keep; see nsbox_ns_scan() for the rule. */
        NSBOX_NS_SCAN_CONTAINERS = 1U << 8,
} NsboxNsScanFlags;

typedef struct NsboxNsScanOptions {
        /* Which types to read: NSBOX_NS_TYPE_BIT(t) ored; 0 means all. Namespaces
         * added through relations are kept only if their type is wanted too. */
        unsigned types;
        /* NsboxNsScanFlags ored. */
        unsigned flags;
        /* The procfs to scan; NULL means "/proc". Namespaces and processes are
         * those of the pid namespace this procfs belongs to. */
        const char *proc_path;
} NsboxNsScanOptions;

/* One process of the snapshot. */
typedef struct NsboxNsProcess {
        pid_t pid;
        pid_t ppid; /* from /proc/PID/stat, as the scanned procfs numbers it */
        uid_t uid;  /* owner of /proc/PID (the process's effective uid in most cases) */
        char state; /* from /proc/PID/stat: R, S, D, Z, ... */
        /* The namespace of each type: its inode, or 0 when the type was not
         * wanted or the link could not be read (EACCES, ENOENT for a zombie). */
        uint64_t ns[_NSBOX_NS_MAX];
        /* The process whose pid is ppid, when it is in the snapshot. */
        const struct NsboxNsProcess *parent;
        /* From /proc/PID/stat: the number of threads (field 20) and the start
         * time in clock ticks after boot (field 22), which with the pid names
         * a process for good (a reused pid has another start time). */
        int nthreads;
        unsigned long long start_time;
        /* The command name (field 2 of /proc/PID/stat, without the parentheses)
         * at scan time: what to show when the process is gone by the time its
         * command line is read. */
        char comm[32];
} NsboxNsProcess;

/* How a namespace came into the snapshot. */
typedef enum NsboxNsSource {
        NSBOX_NS_SOURCE_PROCESS,  /* a process is a member */
        NSBOX_NS_SOURCE_MOUNT,    /* only an nsfs mount holds it */
        NSBOX_NS_SOURCE_FD,       /* only an open fd of a process holds it (an nsfs fd or a socket) */
        NSBOX_NS_SOURCE_RELATION, /* only reachable as another one's parent or owner */
        NSBOX_NS_SOURCE_THREAD,   /* only a thread (not a thread-group leader) is in it */
} NsboxNsSource;

/* One namespace of the snapshot. */
typedef struct NsboxNsInfo {
        uint64_t id; /* nsfs inode number */
        NsboxNsType type;
        NsboxNsSource source;
        /* The member processes in scan (/proc readdir) order, and their number. */
        size_t nprocs;
        const NsboxNsProcess *const *procs;
        /* The member with the lowest pid, or NULL when there is none. */
        const NsboxNsProcess *proc;
        /* Inodes of the parent (pid and user namespaces) and of the owning user
         * namespace; 0 when there is none, when the caller may not see it (EPERM:
         * the caller's own user namespace's ancestors), or when not scanned. */
        uint64_t parent_id;
        uint64_t owner_id;
        /* Those namespaces when they are in the snapshot (NSBOX_NS_SCAN_CONNECT). */
        const struct NsboxNsInfo *parent;
        const struct NsboxNsInfo *owner;
        /* The uid (in the caller's user namespace) that owns the namespace: for a
         * user namespace its creator (NS_GET_OWNER_UID), for the others the owner
         * of their owning user namespace. Valid only when has_owner_uid. Read for
         * namespaces without processes only (lsns shows the process owner otherwise). */
        bool has_owner_uid;
        uid_t owner_uid;
        /* Net namespaces: the netns ID, or NSBOX_NETNSID_UNASSIGNED/_UNKNOWN. */
        int32_t netnsid;
        /* Mount points of nsfs mounts of this namespace, NULL-terminated, in
         * mountinfo order without repeats; NULL when there are none. */
        char **nsfs_paths;
        /* NSBOX_NS_SOURCE_THREAD: the lowest thread id in it, and its process. */
        pid_t thread_tid;
        pid_t thread_pid;
        /* NSBOX_NS_SCAN_CONTAINERS: the id (the name, for nsbox run) of the
         * container that owns the namespace, and the runtime that keeps it
         * ("nsbox", "nsbox-oci", "runc" or "crun"); NULL when none does. */
        const char *container;
        const char *container_runtime;
} NsboxNsInfo;

typedef struct NsboxNsScan NsboxNsScan;

/**
 * nsbox_ns_scan - take a snapshot of the namespaces visible to the caller
 * @opts: what to read; NULL means all types and no extras
 * @ret: the snapshot, to free with nsbox_ns_scan_free()
 * @reterr: optional error context
 *
 * Processes that exit during the scan and ns links the caller may not read are
 * skipped, as lsns(8) does. Sources: proc(5) /proc/PID/ns, /proc/PID/stat,
 * /proc/PID/fd, /proc/self/mountinfo; ioctl_ns(2); rtnetlink(7) RTM_GETNSID.
 *
 * Which container owns a namespace (NSBOX_NS_SCAN_CONTAINERS): what the
 * runtimes keep says which process is each container's init:
 *   nsbox run   keeps a memfd named "nsbox-container:NAME" open while it runs
 *               (nsbox_ns_mark_container()); the container's init is its child.
 *               Found among the open fds, which the scan reads anyway; nothing
 *               is left behind when nsbox run dies, even by SIGKILL.
 *   nsbox-oci   /run/nsbox-oci/ID/state.json   "pid", "start_time"
 *   runc        /run/runc/ID/state.json        "init_process_pid", "init_process_start"
 *   crun        /run/crun/ID/status            "pid", "process-start-time"
 *   (the last three also under /run/user/UID/ for rootless runtimes)
 * An OCI entry counts only when the pid's start time (field 22 of /proc/PID/stat)
 * is the recorded one, so a stale file never names a reused pid, and only when
 * the file belongs to root or to the owner of the process. A namespace belongs
 * to container C when its lowest pid is C's init or a descendant of it, and
 * C's init's parent (the runtime) is not in the namespace too: a namespace the
 * container shares with the host (--net=host) belongs to no container; one made
 * inside the container belongs to it. Namespaces without processes belong to
 * none. Nothing is read unless the flag is given: a few small files per
 * running container.
 *
 * Returns: 0, or -ENOMEM; -errno of opening the procfs directory (-ENOENT,
 * -EACCES, ...); -EINVAL for an invalid type mask.
 */
NSBOX_PUBLIC int nsbox_ns_scan(const NsboxNsScanOptions *opts, NsboxNsScan **ret, NsboxError **reterr);

/** nsbox_ns_scan_free - free a snapshot; NULL is accepted. */
NSBOX_PUBLIC void nsbox_ns_scan_free(NsboxNsScan *scan);

/**
 * nsbox_ns_scan_n_namespaces - number of namespaces in the snapshot
 * Returns: the count (namespaces are indexed 0..count-1, sorted by inode).
 */
NSBOX_PUBLIC size_t nsbox_ns_scan_n_namespaces(const NsboxNsScan *scan);

/**
 * nsbox_ns_scan_namespace - the i-th namespace, in ascending inode order
 * Returns: a pointer valid until nsbox_ns_scan_free(), or NULL when i is out of range.
 */
NSBOX_PUBLIC const NsboxNsInfo *nsbox_ns_scan_namespace(const NsboxNsScan *scan, size_t i);

/**
 * nsbox_ns_scan_find - the namespace with inode @id
 * Returns: the namespace, or NULL when it is not in the snapshot.
 */
NSBOX_PUBLIC const NsboxNsInfo *nsbox_ns_scan_find(const NsboxNsScan *scan, uint64_t id);

/**
 * nsbox_ns_scan_n_processes - number of processes read (members of any
 * namespace or not; a process whose links were all unreadable is still here)
 */
NSBOX_PUBLIC size_t nsbox_ns_scan_n_processes(const NsboxNsScan *scan);

/**
 * nsbox_ns_scan_process - the i-th process, in /proc readdir order
 * Returns: the process, or NULL when i is out of range.
 */
NSBOX_PUBLIC const NsboxNsProcess *nsbox_ns_scan_process(const NsboxNsScan *scan, size_t i);

/**
 * nsbox_ns_scan_find_process - the process with pid @pid
 * Returns: the process, or NULL when it is not in the snapshot.
 */
NSBOX_PUBLIC const NsboxNsProcess *nsbox_ns_scan_find_process(const NsboxNsScan *scan, pid_t pid);

/**
 * nsbox_ns_info_has_process - whether @pid is a member of @ns
 * Returns: true or false.
 */
NSBOX_PUBLIC bool nsbox_ns_info_has_process(const NsboxNsInfo *ns, pid_t pid);

/**
 * nsbox_ns_scan_process_command - the command line of a process, as lsns shows it
 * @scan: the snapshot (for its procfs)
 * @pid: the process
 * @ret: a malloc'd string
 *
 * Reads up to 8192 bytes of /proc/PID/cmdline, turns the NUL separators into
 * spaces and drops the last byte (the final NUL), as util-linux does; when the
 * command line is empty (kernel threads, zombies) it is /proc/PID/comm instead.
 * The process is read now, not at scan time.
 *
 * Returns: 0; -ENOENT/-ESRCH when the process is gone, -ENODATA when both files are
 * empty, -ENOMEM, or another -errno of open(2)/read(2).
 */
NSBOX_PUBLIC int nsbox_ns_scan_process_command(const NsboxNsScan *scan, pid_t pid, char **ret);

/**
 * nsbox_ns_scan_process_cgroup - the cgroup of a process, as lsns's CGROUP column shows it
 * @scan: the snapshot (for its procfs)
 * @pid: the process
 * @ret: a malloc'd path, relative to the caller's cgroup namespace
 *
 * One path out of /proc/PID/cgroup (cgroups(7)), by this rule: the cgroup v2
 * path (the "0::PATH" line) when it is not "/" or when no v1 hierarchy is
 * listed; otherwise the first v1 line whose path is not "/" (the file lists v1
 * hierarchies from the highest id down, so on a systemd host name=systemd
 * comes first); "/" when every line says "/". On a pure v2 host that is the
 * process's cgroup; on a hybrid or v1 host, the most specific placement seen
 * first. The process is read now, not at scan time.
 *
 * Returns: 0; -ENOENT/-ESRCH when the process is gone, -ENODATA when the file
 * is empty or has no line this rule can use, -ENOMEM, or another -errno of
 * open(2)/read(2).
 */
NSBOX_PUBLIC int nsbox_ns_scan_process_cgroup(const NsboxNsScan *scan, pid_t pid, char **ret);

/**
 * nsbox_ns_mark_container - mark the caller as the runtime of container @name, for lsns's CONTAINER column
 * @name: the container's name (nsbox run --name), at most 200 bytes
 *
 * Makes a memfd (memfd_create(2), MFD_CLOEXEC) named "nsbox-container:NAME";
 * keep it open while the container runs, and start the container's init as a
 * child of the caller before or after. nsbox_ns_scan() with
 * NSBOX_NS_SCAN_CONTAINERS finds it among the caller's open fds
 * (/proc/PID/fd/N reads "/memfd:nsbox-container:NAME (deleted)"), so the
 * mark needs no file and goes away with the process.
 *
 * Returns: the fd; -EINVAL for an empty or too long name; -errno of memfd_create(2).
 */
NSBOX_PUBLIC int nsbox_ns_mark_container(const char *name);

/**
 * nsbox_ns_get_netnsid - the netns ID of a network namespace
 * @nsfd: an fd of the net namespace (/proc/PID/ns/net, an nsfs bind mount)
 * @ret: the ID (>= 0) or NSBOX_NETNSID_UNASSIGNED
 *
 * Asks rtnetlink (RTM_GETNSID with NETNSA_FD, rtnetlink(7), Linux 4.0) in the
 * caller's network namespace; it does not assign an ID.
 *
 * Returns: 0, or -errno of socket(2)/send(2)/recv(2), the kernel's -errno
 * (-EINVAL when @nsfd is not a net namespace), or -EBADMSG for a reply that is
 * not understood.
 */
NSBOX_PUBLIC int nsbox_ns_get_netnsid(int nsfd, int32_t *ret);

/**
 * nsbox_ns_fd_get_type - the type of the namespace an fd refers to (NS_GET_NSTYPE,
 * ioctl_ns(2), Linux 4.11)
 * Returns: the type (>= 0), -ENOTTY when @fd is not a namespace fd, or another -errno.
 */
NSBOX_PUBLIC int nsbox_ns_fd_get_type(int fd);

#ifdef __cplusplus
}
#endif
