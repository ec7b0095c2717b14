/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Namespace enumeration (the library side of lsns): one snapshot of the
 * processes under a procfs, the namespaces they are in, and optionally the
 * namespaces only an nsfs mount, an open fd or a parent/owner link holds.
 *
 * The algorithm is util-linux lsns's, so that the command built on it prints
 * the same table: scan /proc/[0-9]+ in readdir order, stat /proc/PID/ns/TYPE
 * for the inode, keep the lowest pid of each namespace, and take a namespace's
 * relations (and netns ID) from the first process found in it.
 */
#include <glob.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/net_namespace.h>
#include <linux/nsfs.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>

#include "basic/macro.h"
#include "basic/missing.h"
#include "nsbox/namespace.h"
#include "nsbox/nsbox.h"

/* util-linux reads /proc files into a BUFSIZ buffer; a longer command line is
 * cut there, and lsns shows the cut one. Kept so the output matches. */
#define PROC_READ_MAX 8192

/* The name prefix of nsbox run's memfd marker (nsbox_ns_mark_container()). */
#define CONTAINER_MARKER "nsbox-container:"

/* A tiny open-addressing map from a nonzero 64-bit key (an inode, a pid) to a
 * pointer. Scans see tens of thousands of processes, so linear lookups would be
 * quadratic. */
typedef struct U64Map {
        uint64_t *keys;
        void **vals;
        size_t cap; /* a power of two, or 0 */
        size_t n;
} U64Map;

static size_t u64_hash(uint64_t k)
{
        k ^= k >> 33;
        k *= UINT64_C(0xff51afd7ed558ccd);
        k ^= k >> 33;
        return (size_t) k;
}

static void *u64map_get(const U64Map *m, uint64_t key)
{
        if (m->cap == 0 || key == 0)
                return NULL;
        for (size_t i = u64_hash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
                if (m->keys[i] == key)
                        return m->vals[i];
                if (m->keys[i] == 0)
                        return NULL;
        }
}

static int u64map_put(U64Map *m, uint64_t key, void *val)
{
        if (key == 0)
                return -EINVAL;
        /* at most 3/4 full: linear probing stays short, and a scan of 10,000
         * namespaces does not spend a megabyte on empty slots */
        if ((m->n + 1) * 4 > m->cap * 3) {
                size_t ncap = m->cap ? m->cap * 2 : 64;
                uint64_t *nkeys = calloc(ncap, sizeof(*nkeys));
                void **nvals = calloc(ncap, sizeof(*nvals));
                if (!nkeys || !nvals) {
                        free(nkeys);
                        free(nvals);
                        return -ENOMEM;
                }
                for (size_t i = 0; i < m->cap; i++) {
                        if (m->keys[i] == 0)
                                continue;
                        size_t j = u64_hash(m->keys[i]) & (ncap - 1);
                        while (nkeys[j] != 0)
                                j = (j + 1) & (ncap - 1);
                        nkeys[j] = m->keys[i];
                        nvals[j] = m->vals[i];
                }
                free(m->keys);
                free(m->vals);
                m->keys = nkeys;
                m->vals = nvals;
                m->cap = ncap;
        }
        size_t i = u64_hash(key) & (m->cap - 1);
        while (m->keys[i] != 0 && m->keys[i] != key)
                i = (i + 1) & (m->cap - 1);
        if (m->keys[i] == 0)
                m->n++;
        m->keys[i] = key;
        m->vals[i] = val;
        return 0;
}

static void u64map_done(U64Map *m)
{
        free(m->keys);
        free(m->vals);
        *m = (U64Map){ 0 };
}

/* Memory for the many small records of a scan (a process, a namespace), in
 * 64 KiB blocks freed all at once: no malloc header or rounding on each of
 * tens of thousands of them, so lsns's peak memory stays below util-linux's. */
typedef struct ArenaBlock {
        struct ArenaBlock *next;
        size_t used, size;
        max_align_t data[];
} ArenaBlock;

static void *arena_alloc(ArenaBlock **arena, size_t size)
{
        size = (size + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
        ArenaBlock *b = *arena;
        if (!b || b->size - b->used < size) {
                size_t bsize = size > 65536 ? size : 65536;
                b = malloc(sizeof(*b) + bsize);
                if (!b)
                        return NULL;
                b->next = *arena;
                b->used = 0;
                b->size = bsize;
                *arena = b;
        }
        void *p = (char *) b->data + b->used;
        b->used += size;
        return memset(p, 0, size);
}

static void arena_free(ArenaBlock **arena)
{
        while (*arena) {
                ArenaBlock *next = (*arena)->next;
                free(*arena);
                *arena = next;
        }
}

/* Where a namespace can be opened again, to walk to its parent or owner. */
typedef enum NsOrigin {
        ORIGIN_NONE,
        ORIGIN_PROC_LINK, /* /proc/PID/ns/TYPE */
        ORIGIN_PROC_FD,   /* /proc/PID/fd/N */
        ORIGIN_PATH,      /* an nsfs mount point */
} NsOrigin;

typedef struct NsEntry {
        NsboxNsInfo info;
        NsboxNsProcess **members;
        size_t members_cap;
        /* most namespaces have one process: it is kept here, without an array */
        NsboxNsProcess *member0;
        NsOrigin origin;
        pid_t origin_pid;
        int origin_fd;
        char *origin_path;
} NsEntry;

typedef struct NsfsMount {
        NsboxNsType type;
        uint64_t id;
        char *target;
} NsfsMount;

/* A container's init process, from a runtime's state (see nsbox_ns_scan()). */
typedef struct ContainerRef {
        pid_t pid;
        unsigned long long start_time;
        uid_t file_uid; /* owner of the state file */
        char *id;
        const char *runtime;
} ContainerRef;

struct NsboxNsScan {
        ArenaBlock *arena; /* the NsEntry and NsboxNsProcess records */
        char *proc_path;
        int proc_fd;
        unsigned types;
        unsigned flags;

        NsboxNsProcess **procs;
        size_t n_procs, procs_cap;
        U64Map pid_map;

        NsEntry **ns;
        size_t n_ns, ns_cap;
        U64Map ns_map;

        NsfsMount *mounts;
        size_t n_mounts, mounts_cap;

        struct mnl_socket *nl;
        bool nl_failed;

        ContainerRef **containers;
        size_t n_containers, containers_cap;
        U64Map container_map; /* init pid -> ContainerRef */
        ContainerRef **markers;
        size_t n_markers, markers_cap;
        U64Map marker_map; /* nsbox run's pid -> ContainerRef of its container */
};

static bool type_wanted(const NsboxNsScan *s, NsboxNsType t)
{
        return t >= 0 && t < _NSBOX_NS_MAX && (s->types & NSBOX_NS_TYPE_BIT(t));
}

static NsboxNsType type_from_clone_flag(int flag)
{
        for (int t = 0; t < _NSBOX_NS_MAX; t++)
                if (nsbox_ns_type_clone_flag((NsboxNsType) t) == (unsigned long) flag)
                        return (NsboxNsType) t;
        return _NSBOX_NS_INVALID;
}

int nsbox_ns_fd_get_type(int fd)
{
        int r = ioctl(fd, NS_GET_NSTYPE);
        if (r < 0)
                return negative_errno();
        NsboxNsType t = type_from_clone_flag(r);
        return t == _NSBOX_NS_INVALID ? -EPROTO : (int) t;
}

/* The inode of the namespace an ioctl_ns(2) request leads to from @fd. 0 when
 * there is none or the caller may not see it (EPERM), as lsns shows it. When
 * @ret_fd is given, the new namespace fd is handed over there (or -EBADF). */
static uint64_t related_ns(int fd, unsigned long request, int *ret_fd)
{
        if (ret_fd)
                *ret_fd = -EBADF;
        _cleanup_close_ int rfd = ioctl(fd, request);
        if (rfd < 0)
                return 0;
        struct stat st;
        if (fstat(rfd, &st) < 0)
                return 0;
        if (ret_fd)
                *ret_fd = TAKE_FD(rfd);
        return (uint64_t) st.st_ino;
}

static bool type_has_parent(NsboxNsType t)
{
        return t == NSBOX_NS_PID || t == NSBOX_NS_USER;
}

/* -------- rtnetlink: the netns ID -------- */

static int netnsid_cb(const struct nlmsghdr *nlh, void *data)
{
        int32_t *id = data;
        if (nlh->nlmsg_type != RTM_NEWNSID)
                return MNL_CB_OK;
        struct nlattr *attr;
        mnl_attr_for_each(attr, nlh, sizeof(struct rtgenmsg))
        {
                if (mnl_attr_get_type(attr) == NETNSA_NSID && mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
                        *id = (int32_t) mnl_attr_get_u32(attr);
        }
        return MNL_CB_OK;
}

static int netnsid_query(struct mnl_socket *nl, int nsfd, int32_t *ret)
{
        /* MNL_SOCKET_BUFFER_SIZE is sysconf()-based, so not a constant; a page is plenty here. */
        char buf[8192];
        struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
        nlh->nlmsg_type = RTM_GETNSID;
        nlh->nlmsg_flags = NLM_F_REQUEST;
        /* The sequence number tells our reply from anything stale on the socket. */
        unsigned seq = (unsigned) time(NULL) ^ (unsigned) nsfd;
        nlh->nlmsg_seq = seq;
        struct rtgenmsg *rt = mnl_nlmsg_put_extra_header(nlh, sizeof(*rt));
        rt->rtgen_family = AF_UNSPEC;
        mnl_attr_put_u32(nlh, NETNSA_FD, (uint32_t) nsfd);

        if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
                return negative_errno();

        int32_t id = INT32_MIN;
        ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
        if (n < 0)
                return negative_errno();
        int r = mnl_cb_run(buf, (size_t) n, seq, mnl_socket_get_portid(nl), netnsid_cb, &id);
        if (r < 0)
                return negative_errno();
        if (id == INT32_MIN)
                return -EBADMSG;
        *ret = id < 0 ? NSBOX_NETNSID_UNASSIGNED : id;
        return 0;
}

static struct mnl_socket *netlink_open(void)
{
        struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
        if (!nl)
                return NULL;
        if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
                int saved = errno;
                mnl_socket_close(nl);
                errno = saved;
                return NULL;
        }
        return nl;
}

int nsbox_ns_get_netnsid(int nsfd, int32_t *ret)
{
        struct mnl_socket *nl = netlink_open();
        if (!nl)
                return negative_errno();
        int r = netnsid_query(nl, nsfd, ret);
        mnl_socket_close(nl);
        return r;
}

static int32_t scan_netnsid(NsboxNsScan *s, int nsfd)
{
        if (!s->nl && !s->nl_failed) {
                s->nl = netlink_open();
                s->nl_failed = !s->nl;
        }
        int32_t id;
        if (!s->nl || netnsid_query(s->nl, nsfd, &id) < 0)
                return NSBOX_NETNSID_UNKNOWN;
        return id;
}

/* -------- namespaces -------- */

static NsEntry *find_entry(const NsboxNsScan *s, uint64_t id)
{
        return u64map_get(&s->ns_map, id);
}

static NsEntry *new_entry(NsboxNsScan *s, NsboxNsType type, uint64_t id, NsboxNsSource source)
{
        if (s->n_ns == s->ns_cap) {
                size_t ncap = s->ns_cap ? s->ns_cap * 2 : 64;
                NsEntry **n = realloc(s->ns, ncap * sizeof(*n));
                if (!n)
                        return NULL;
                s->ns = n;
                s->ns_cap = ncap;
        }
        NsEntry *e = arena_alloc(&s->arena, sizeof(*e));
        if (!e)
                return NULL;
        e->info.id = id;
        e->info.type = type;
        e->info.source = source;
        e->info.netnsid = NSBOX_NETNSID_UNKNOWN;
        e->origin_fd = -1;
        if (u64map_put(&s->ns_map, id, e) < 0)
                return NULL;
        s->ns[s->n_ns++] = e;
        return e;
}

/* Reads what an open namespace fd tells about itself: parent, owner, netns ID,
 * and for namespaces without processes the owner uid. */
static void entry_read_fd(NsboxNsScan *s, NsEntry *e, int fd, bool want_owner_uid)
{
        if (s->flags & NSBOX_NS_SCAN_RELATIONS) {
                if (type_has_parent(e->info.type))
                        e->info.parent_id = related_ns(fd, NS_GET_PARENT, NULL);
                e->info.owner_id = related_ns(fd, NS_GET_USERNS, NULL);
        }
        if (e->info.type == NSBOX_NS_NET && (s->flags & NSBOX_NS_SCAN_NETNSID))
                e->info.netnsid = scan_netnsid(s, fd);
        if (want_owner_uid) {
                /* NS_GET_OWNER_UID works on user namespaces only; for the other
                 * types, the owner is that of the owning user namespace, which is
                 * more use than util-linux's fixed 0 ("root"). */
                uid_t uid;
                if (e->info.type == NSBOX_NS_USER) {
                        if (ioctl(fd, NS_GET_OWNER_UID, &uid) == 0) {
                                e->info.owner_uid = uid;
                                e->info.has_owner_uid = true;
                        }
                } else {
                        _cleanup_close_ int ufd = ioctl(fd, NS_GET_USERNS);
                        if (ufd >= 0 && ioctl(ufd, NS_GET_OWNER_UID, &uid) == 0) {
                                e->info.owner_uid = uid;
                                e->info.has_owner_uid = true;
                        }
                }
        }
}

/* Adds a namespace found through an fd (a mount, an open fd, a relation).
 * Returns the entry, or NULL when the fd is not a wanted namespace. */
static NsEntry *add_entry_for_fd(NsboxNsScan *s, int fd, uint64_t id, NsboxNsSource source)
{
        NsEntry *e = find_entry(s, id);
        if (e)
                return e;
        int t = nsbox_ns_fd_get_type(fd);
        if (t < 0 || !type_wanted(s, (NsboxNsType) t))
                return NULL;
        e = new_entry(s, (NsboxNsType) t, id, source);
        if (!e)
                return NULL;
        entry_read_fd(s, e, fd, true);
        return e;
}

static int entry_add_member(NsEntry *e, NsboxNsProcess *p)
{
        if (e->info.nprocs == 0 && !e->members) {
                e->member0 = p;
                e->info.nprocs = 1;
        } else {
                if (e->info.nprocs >= e->members_cap) {
                        size_t ncap = e->members_cap ? e->members_cap * 2 : 4;
                        NsboxNsProcess **n = realloc(e->members, ncap * sizeof(*n));
                        if (!n)
                                return -ENOMEM;
                        if (!e->members)
                                n[0] = e->member0;
                        e->members = n;
                        e->members_cap = ncap;
                }
                e->members[e->info.nprocs++] = p;
        }
        if (!e->info.proc || e->info.proc->pid > p->pid)
                e->info.proc = p;
        return 0;
}

static void connect_from_fd(NsboxNsScan *s, NsEntry *e, int fd, unsigned depth);
static bool all_digits(const char *s);

/* -------- processes -------- */

/* Parses "PID (COMM) STATE PPID ..." of /proc/PID/stat; COMM may hold spaces
 * and parentheses, so the state follows the last ')'. Also fills the thread
 * count (field 20) and the start time (field 22, clock ticks since boot) when
 * the line has them. */
static int parse_stat(const char *buf, NsboxNsProcess *proc)
{
        pid_t *pid = &proc->pid, *ppid = &proc->ppid;
        char *state = &proc->state;
        char *end;
        errno = 0;
        long v = strtol(buf, &end, 10);
        if (errno || end == buf || strncmp(end, " (", 2) != 0 || v <= 0 || v > INT_MAX)
                return -EINVAL;
        const char *p = strrchr(buf, ')');
        if (!p || p[1] != ' ' || !p[2] || p[3] != ' ')
                return -EINVAL;
        *pid = (pid_t) v;
        *state = p[2];
        const char *c = end + 2; /* after "PID (" */
        size_t clen = (size_t) (p - c);
        if (clen >= sizeof(proc->comm))
                clen = sizeof(proc->comm) - 1;
        memcpy(proc->comm, c, clen);
        proc->comm[clen] = 0;
        errno = 0;
        long pp = strtol(p + 4, &end, 10);
        if (errno || end == p + 4 || pp < 0 || pp > INT_MAX)
                return -EINVAL;
        *ppid = (pid_t) pp;
        /* fields 5..19 (pgrp ... nice), then num_threads, itrealvalue, starttime */
        proc->nthreads = 1;
        const char *f = end; /* the blank before field 5 */
        for (int field = 5; field <= 22 && f && *f == ' '; field++) {
                if (field == 20)
                        proc->nthreads = (int) strtol(f + 1, NULL, 10);
                else if (field == 22)
                        proc->start_time = strtoull(f + 1, NULL, 10);
                f = strchr(f + 1, ' ');
        }
        return 0;
}

/* Reads up to @size bytes of a file. With @once, one read(2) is taken as the
 * whole file: procfs makes a file such as /proc/PID/stat in one go, so a
 * second read would only return 0. */
static ssize_t read_small_at(int dirfd, const char *path, char *buf, size_t size, bool once)
{
        _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        size_t done = 0;
        while (done < size) {
                ssize_t n = read(fd, buf + done, size - done);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        break;
                done += (size_t) n;
                if (once)
                        break;
        }
        return (ssize_t) done;
}

static bool parse_nsfs_root(const char *root, NsboxNsType *type, uint64_t *id);

/* A directory read with getdents64(2) straight from an fd: for the thousands
 * of small /proc/PID/fd and task directories of a scan, opendir(3)'s fstat(2)
 * and fcntl(2) would be a third of the system calls. */
typedef struct DirIter {
        int fd;
        size_t pos, len;
        _Alignas(struct dirent64) char buf[4096];
} DirIter;

static const char *dir_next(DirIter *it)
{
        for (;;) {
                if (it->pos < it->len) {
                        const struct dirent64 *de = (const struct dirent64 *) (it->buf + it->pos);
                        it->pos += de->d_reclen;
                        return de->d_name;
                }
                ssize_t n = getdents64(it->fd, it->buf, sizeof(it->buf));
                if (n <= 0)
                        return NULL;
                it->len = (size_t) n;
                it->pos = 0;
        }
}

/* Reads a namespace link (/proc/PID/ns/TYPE, /proc/PID/fd/N) as the kernel
 * names its target, "TYPE:[INODE]" (proc(5)), without following it. This is
 * what makes a scan cheap: stat(2) of an ns link makes nsfs build an inode and
 * a dentry for the namespace each time (and free them again, through RCU, when
 * nothing holds the namespace open), readlink(2) only formats the name. The
 * access check is the same (ptrace-read). Returns 0, -EINVAL for a link that
 * is not a namespace (a file, a socket), or -errno of readlinkat(2). */
static int read_ns_link(int dirfd, const char *path, NsboxNsType *ret_type, uint64_t *ret_id, char *buf,
                        size_t size)
{
        ssize_t n = readlinkat(dirfd, path, buf, size - 1);
        if (n < 0)
                return negative_errno();
        buf[n] = 0;
        return parse_nsfs_root(buf, ret_type, ret_id) ? 0 : -EINVAL;
}

static int read_process(NsboxNsScan *s, const char *name)
{
        _cleanup_close_ int dfd = openat(s->proc_fd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return negative_errno();

        struct stat st;
        if (fstat(dfd, &st) < 0)
                return negative_errno();

        char buf[PROC_READ_MAX + 1];
        ssize_t n = read_small_at(dfd, "stat", buf, PROC_READ_MAX, true);
        if (n < 0)
                return (int) n;
        buf[n] = 0;

        NsboxNsProcess parsed = { .uid = st.st_uid };
        if (parse_stat(buf, &parsed) < 0)
                return -EINVAL;

        if (s->n_procs == s->procs_cap) {
                size_t ncap = s->procs_cap ? s->procs_cap * 2 : 256;
                NsboxNsProcess **np = realloc(s->procs, ncap * sizeof(*np));
                if (!np)
                        return -ENOMEM;
                s->procs = np;
                s->procs_cap = ncap;
        }
        NsboxNsProcess *p = arena_alloc(&s->arena, sizeof(*p));
        if (!p)
                return -ENOMEM;
        *p = parsed;
        if (u64map_put(&s->pid_map, (uint64_t) p->pid, p) < 0)
                return -ENOMEM;
        s->procs[s->n_procs++] = p;

        for (int t = 0; t < _NSBOX_NS_MAX; t++) {
                if (!type_wanted(s, (NsboxNsType) t))
                        continue;
                char path[32], link[64];
                snprintf(path, sizeof(path), "ns/%s", nsbox_ns_type_name((NsboxNsType) t));
                NsboxNsType lt;
                uint64_t id;
                /* Without ptrace-read access the link cannot be read (EACCES); a
                 * zombie has no namespaces (ENOENT). Such links are skipped. */
                if (read_ns_link(dfd, path, &lt, &id, link, sizeof(link)) < 0 || lt != (NsboxNsType) t)
                        continue;
                p->ns[t] = id;

                NsEntry *e = find_entry(s, p->ns[t]);
                if (!e) {
                        e = new_entry(s, (NsboxNsType) t, p->ns[t], NSBOX_NS_SOURCE_PROCESS);
                        if (!e)
                                return -ENOMEM;
                        e->origin = ORIGIN_PROC_LINK;
                        e->origin_pid = p->pid;
                        if ((s->flags & NSBOX_NS_SCAN_RELATIONS) ||
                            (t == NSBOX_NS_NET && (s->flags & NSBOX_NS_SCAN_NETNSID))) {
                                _cleanup_close_ int nsfd = openat(dfd, path, O_RDONLY | O_CLOEXEC);
                                if (nsfd >= 0)
                                        entry_read_fd(s, e, nsfd, false);
                        }
                }
                if (entry_add_member(e, p) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* Namespaces only threads are in: /proc/PID/task/TID/ns/TYPE of the threads
 * that are not the leader. Found through the thread, reopened as /proc/TID/ns
 * (a TID works there too, though readdir does not list it). */
static void read_process_threads(NsboxNsScan *s, pid_t pid)
{
        char path[64];
        snprintf(path, sizeof(path), "%d/task", (int) pid);
        _cleanup_close_ int fd = openat(s->proc_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return;
        DirIter it = { .fd = fd };
        for (const char *name; (name = dir_next(&it));) {
                if (!all_digits(name))
                        continue;
                pid_t tid = (pid_t) atoi(name);
                if (tid == pid)
                        continue;
                for (int t = 0; t < _NSBOX_NS_MAX; t++) {
                        if (!type_wanted(s, (NsboxNsType) t))
                                continue;
                        char link[48], text[64];
                        snprintf(link, sizeof(link), "%d/ns/%s", (int) tid,
                                 nsbox_ns_type_name((NsboxNsType) t));
                        NsboxNsType lt;
                        uint64_t id;
                        if (read_ns_link(fd, link, &lt, &id, text, sizeof(text)) < 0 ||
                            lt != (NsboxNsType) t)
                                continue;
                        NsEntry *e = find_entry(s, id);
                        if (e) {
                                if (e->info.source == NSBOX_NS_SOURCE_THREAD && tid < e->info.thread_tid) {
                                        e->info.thread_tid = tid;
                                        e->info.thread_pid = pid;
                                }
                                continue;
                        }
                        _cleanup_close_ int nsfd = openat(fd, link, O_RDONLY | O_CLOEXEC);
                        if (nsfd < 0)
                                continue;
                        struct stat st;
                        if (fstat(nsfd, &st) < 0 || (uint64_t) st.st_ino != id)
                                continue;
                        e = add_entry_for_fd(s, nsfd, id, NSBOX_NS_SOURCE_THREAD);
                        if (!e)
                                continue;
                        e->info.thread_tid = tid;
                        e->info.thread_pid = pid;
                        e->origin = ORIGIN_PROC_LINK;
                        e->origin_pid = tid;
                }
        }
}

/* nsbox run's marker (nsbox_ns_mark_container()): the link of its memfd reads
 * "/memfd:nsbox-container:NAME (deleted)". */
static int add_marker(NsboxNsScan *s, pid_t pid, const char *rest)
{
        if (u64map_get(&s->marker_map, (uint64_t) pid))
                return 0;
        const char *end = strstr(rest, " (deleted)");
        size_t len = end ? (size_t) (end - rest) : strlen(rest);
        if (len == 0)
                return 0;
        if (s->n_markers == s->markers_cap) {
                size_t ncap = s->markers_cap ? s->markers_cap * 2 : 16;
                ContainerRef **n = realloc(s->markers, ncap * sizeof(*n));
                if (!n)
                        return -ENOMEM;
                s->markers = n;
                s->markers_cap = ncap;
        }
        ContainerRef *c = calloc(1, sizeof(*c));
        if (!c || !(c->id = strndup(rest, len))) {
                free(c);
                return -ENOMEM;
        }
        c->pid = pid;
        c->runtime = "nsbox";
        if (u64map_put(&s->marker_map, (uint64_t) pid, c) < 0) {
                free(c->id);
                free(c);
                return -ENOMEM;
        }
        s->markers[s->n_markers++] = c;
        return 0;
}

/* The network namespace of a socket of another process: its fd duplicated
 * through a pidfd, then SIOCGSKNS. Returns an nsfd or -errno. */
static int socket_netns(int pidfd, int fdnum)
{
        _cleanup_close_ int sk = sys_pidfd_getfd(pidfd, fdnum, 0);
        if (sk < 0)
                return negative_errno();
        int nsfd = ioctl(sk, SIOCGSKNS);
        return nsfd < 0 ? negative_errno() : nsfd;
}

/* Namespaces held by open fds: /proc/PID/fd/N that stat(2)s to the nsfs
 * device, and (NSBOX_NS_SCAN_SOCKETS) the network namespaces of sockets.
 * Reading another process's fd directory needs the same ptrace access as its
 * ns links, so this finds nothing more for an unprivileged caller. */
static int read_process_fds(NsboxNsScan *s, pid_t pid)
{
        char path[64];
        snprintf(path, sizeof(path), "%d/fd", (int) pid);
        _cleanup_close_ int fd = openat(s->proc_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return 0;
        bool sockets = (s->flags & NSBOX_NS_SCAN_SOCKETS) && type_wanted(s, NSBOX_NS_NET);
        _cleanup_close_ int pidfd = -EBADF;
        DirIter it = { .fd = fd };
        for (const char *name; (name = dir_next(&it));) {
                if (name[0] < '0' || name[0] > '9')
                        continue;
                /* The link's text tells a namespace ("net:[4026531840]", nsfs
                 * names have no leading '/', a file's path has) and a socket
                 * ("socket:[1234]") from anything else, without a stat(2). */
                char text[320]; /* room for a marker name */
                NsboxNsType lt;
                uint64_t id;
                int r = read_ns_link(fd, name, &lt, &id, text, sizeof(text));
                if (r == 0) {
                        if (!(s->flags & NSBOX_NS_SCAN_FDS) || find_entry(s, id))
                                continue;
                        _cleanup_close_ int nsfd = openat(fd, name, O_RDONLY | O_CLOEXEC);
                        struct stat st;
                        /* the fd may have been closed and its number reused since */
                        if (nsfd < 0 || fstat(nsfd, &st) < 0 || (uint64_t) st.st_ino != id)
                                continue;
                        NsEntry *e = add_entry_for_fd(s, nsfd, id, NSBOX_NS_SOURCE_FD);
                        if (e && e->origin == ORIGIN_NONE) {
                                e->origin = ORIGIN_PROC_FD;
                                e->origin_pid = pid;
                                e->origin_fd = atoi(name);
                        }
                } else if (r == -EINVAL && (s->flags & NSBOX_NS_SCAN_CONTAINERS) &&
                           startswith(text, "/memfd:" CONTAINER_MARKER)) {
                        if (add_marker(s, pid, text + strlen("/memfd:" CONTAINER_MARKER)) < 0)
                                return -ENOMEM;
                } else if (r == -EINVAL && sockets && startswith(text, "socket:[")) {
                        if (pidfd == -EBADF) {
                                pidfd = sys_pidfd_open(pid, 0);
                                if (pidfd < 0) {
                                        /* Gone, or not allowed: no sockets to look at. */
                                        sockets = false;
                                        continue;
                                }
                        }
                        _cleanup_close_ int nsfd = socket_netns(pidfd, atoi(name));
                        struct stat nst;
                        if (nsfd < 0 || fstat(nsfd, &nst) < 0 || find_entry(s, (uint64_t) nst.st_ino))
                                continue;
                        /* A socket cannot be reopened by path: walk to missing parents
                         * and owners now, while the namespace is at hand. */
                        NsEntry *e = add_entry_for_fd(s, nsfd, (uint64_t) nst.st_ino, NSBOX_NS_SOURCE_FD);
                        if (e && (s->flags & NSBOX_NS_SCAN_CONNECT))
                                connect_from_fd(s, e, nsfd, 0);
                }
        }
        return 0;
}

/* -------- nsfs mounts -------- */

/* Undoes mountinfo's octal escapes (\040 for a space, \011, \012, \134) in place. */
static void unescape_mountinfo(char *s)
{
        char *w = s;
        for (char *r = s; *r;) {
                if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
                    r[3] >= '0' && r[3] <= '7') {
                        *w++ = (char) (((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
                        r += 4;
                } else
                        *w++ = *r++;
        }
        *w = 0;
}

/* Parses "TYPE:[INODE]", the root of an nsfs mount. */
static bool parse_nsfs_root(const char *root, NsboxNsType *type, uint64_t *id)
{
        const char *b = strchr(root, ':');
        if (!b || b[1] != '[')
                return false;
        char name[16];
        size_t l = (size_t) (b - root);
        if (l == 0 || l >= sizeof(name))
                return false;
        memcpy(name, root, l);
        name[l] = 0;
        char *end;
        errno = 0;
        unsigned long long v = strtoull(b + 2, &end, 10);
        if (errno || end == b + 2 || strcmp(end, "]") != 0 || v == 0)
                return false;
        NsboxNsType t = nsbox_ns_type_from_name(name);
        if (t == _NSBOX_NS_INVALID || !streq(name, nsbox_ns_type_name(t)))
                return false;
        *type = t;
        *id = (uint64_t) v;
        return true;
}

static int read_nsfs_mounts(NsboxNsScan *s)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
        if (!f)
                return negative_errno();
        _cleanup_free_ char *line = NULL;
        size_t sz = 0;
        while (getline(&line, &sz, f) > 0) {
                /* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER */
                char *fields[5] = { NULL };
                char *save = NULL, *tok = strtok_r(line, " \n", &save);
                size_t i = 0;
                for (; tok && i < 5; tok = strtok_r(NULL, " \n", &save))
                        fields[i++] = tok;
                if (i < 5)
                        continue;
                while (tok && !streq(tok, "-"))
                        tok = strtok_r(NULL, " \n", &save);
                if (!tok)
                        continue;
                const char *fstype = strtok_r(NULL, " \n", &save);
                if (!fstype || !streq(fstype, "nsfs"))
                        continue;
                unescape_mountinfo(fields[3]);
                unescape_mountinfo(fields[4]);
                NsboxNsType type;
                uint64_t id;
                if (!parse_nsfs_root(fields[3], &type, &id))
                        continue;
                if (s->n_mounts == s->mounts_cap) {
                        size_t ncap = s->mounts_cap ? s->mounts_cap * 2 : 16;
                        NsfsMount *n = realloc(s->mounts, ncap * sizeof(*n));
                        if (!n)
                                return -ENOMEM;
                        s->mounts = n;
                        s->mounts_cap = ncap;
                }
                char *target = strdup(fields[4]);
                if (!target)
                        return -ENOMEM;
                s->mounts[s->n_mounts++] = (NsfsMount){ .type = type, .id = id, .target = target };
        }
        return 0;
}

static void add_mounted_namespaces(NsboxNsScan *s)
{
        for (size_t i = 0; i < s->n_mounts; i++) {
                NsfsMount *m = &s->mounts[i];
                if (!type_wanted(s, m->type) || find_entry(s, m->id))
                        continue;
                _cleanup_close_ int fd = open(m->target, O_RDONLY | O_CLOEXEC | O_NOCTTY);
                if (fd < 0)
                        continue;
                struct stat st;
                /* Something may be mounted over the nsfs mount point since. */
                if (fstat(fd, &st) < 0 || (uint64_t) st.st_ino != m->id)
                        continue;
                NsEntry *e = add_entry_for_fd(s, fd, m->id, NSBOX_NS_SOURCE_MOUNT);
                if (e && e->origin == ORIGIN_NONE) {
                        e->origin = ORIGIN_PATH;
                        e->origin_path = strdup(m->target);
                }
        }
}

static int collect_nsfs_paths(NsboxNsScan *s)
{
        for (size_t i = 0; i < s->n_mounts; i++) {
                NsfsMount *m = &s->mounts[i];
                NsEntry *e = find_entry(s, m->id);
                if (!e || e->info.type != m->type)
                        continue;
                size_t n = 0;
                bool dup = false;
                if (e->info.nsfs_paths)
                        for (; e->info.nsfs_paths[n]; n++)
                                if (streq(e->info.nsfs_paths[n], m->target))
                                        dup = true;
                if (dup)
                        continue;
                char **l = realloc(e->info.nsfs_paths, (n + 2) * sizeof(char *));
                if (!l)
                        return -ENOMEM;
                e->info.nsfs_paths = l;
                l[n] = strdup(m->target);
                l[n + 1] = NULL;
                if (!l[n])
                        return -ENOMEM;
        }
        return 0;
}

/* -------- parents and owners without processes -------- */

static int entry_open(const NsboxNsScan *s, const NsEntry *e)
{
        char path[64];
        switch (e->origin) {
        case ORIGIN_PROC_LINK:
                snprintf(path, sizeof(path), "%d/ns/%s", (int) e->origin_pid,
                         nsbox_ns_type_name(e->info.type));
                return openat(s->proc_fd, path, O_RDONLY | O_CLOEXEC);
        case ORIGIN_PROC_FD:
                snprintf(path, sizeof(path), "%d/fd/%d", (int) e->origin_pid, e->origin_fd);
                return openat(s->proc_fd, path, O_RDONLY | O_CLOEXEC);
        case ORIGIN_PATH:
                return e->origin_path ? open(e->origin_path, O_RDONLY | O_CLOEXEC | O_NOCTTY) : -EBADF;
        default:
                return -EBADF;
        }
}

/* From an open fd of @e, adds its parent and owner when they are missing,
 * then theirs, up to what the caller may see. */
static void connect_from_fd(NsboxNsScan *s, NsEntry *e, int fd, unsigned depth)
{
        /* User namespaces nest at most 32 deep, pid namespaces too. */
        if (depth > 64)
                return;
        if (type_has_parent(e->info.type) && e->info.parent_id && !find_entry(s, e->info.parent_id)) {
                int pfd_raw;
                uint64_t id = related_ns(fd, NS_GET_PARENT, &pfd_raw);
                _cleanup_close_ int pfd = pfd_raw;
                if (id == e->info.parent_id) {
                        NsEntry *p = add_entry_for_fd(s, pfd, id, NSBOX_NS_SOURCE_RELATION);
                        if (p)
                                connect_from_fd(s, p, pfd, depth + 1);
                }
        }
        if (e->info.owner_id && !find_entry(s, e->info.owner_id)) {
                int ofd_raw;
                uint64_t id = related_ns(fd, NS_GET_USERNS, &ofd_raw);
                _cleanup_close_ int ofd = ofd_raw;
                if (id == e->info.owner_id) {
                        NsEntry *o = add_entry_for_fd(s, ofd, id, NSBOX_NS_SOURCE_RELATION);
                        if (o)
                                connect_from_fd(s, o, ofd, depth + 1);
                }
        }
}

static void connect_namespaces(NsboxNsScan *s)
{
        /* New entries are appended while walking; they were connected when added. */
        size_t n = s->n_ns;
        for (size_t i = 0; i < n; i++) {
                NsEntry *e = s->ns[i];
                bool missing = (type_has_parent(e->info.type) && e->info.parent_id &&
                                !find_entry(s, e->info.parent_id)) ||
                               (e->info.owner_id && !find_entry(s, e->info.owner_id));
                if (!missing)
                        continue;
                _cleanup_close_ int fd = entry_open(s, e);
                if (fd >= 0)
                        connect_from_fd(s, e, fd, 0);
        }
}

/* -------- containers -------- */

static int add_container(NsboxNsScan *s, pid_t pid, unsigned long long start_time, uid_t file_uid,
                         const char *id, const char *runtime)
{
        if (pid <= 0 || !id || !*id || u64map_get(&s->container_map, (uint64_t) pid))
                return 0;
        if (s->n_containers == s->containers_cap) {
                size_t ncap = s->containers_cap ? s->containers_cap * 2 : 16;
                ContainerRef **n = realloc(s->containers, ncap * sizeof(*n));
                if (!n)
                        return -ENOMEM;
                s->containers = n;
                s->containers_cap = ncap;
        }
        ContainerRef *c = calloc(1, sizeof(*c));
        if (!c || !(c->id = strdup(id))) {
                free(c);
                return -ENOMEM;
        }
        c->pid = pid;
        c->start_time = start_time;
        c->file_uid = file_uid;
        c->runtime = runtime;
        if (u64map_put(&s->container_map, (uint64_t) pid, c) < 0) {
                free(c->id);
                free(c);
                return -ENOMEM;
        }
        s->containers[s->n_containers++] = c;
        return 0;
}

/* Reads a small state file; its owner goes to @ret_uid. NULL when unreadable. */
static char *read_state_file(int dirfd, const char *path, uid_t *ret_uid)
{
        _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > 1024 * 1024)
                return NULL;
        char *buf = malloc((size_t) st.st_size + 1);
        if (!buf)
                return NULL;
        size_t done = 0;
        while (done < (size_t) st.st_size) {
                ssize_t n = read(fd, buf + done, (size_t) st.st_size - done);
                if (n <= 0)
                        break;
                done += (size_t) n;
        }
        buf[done] = 0;
        *ret_uid = st.st_uid;
        return buf;
}

/* An OCI runtime's state: DIR/ID/FILE, JSON with the init's pid and start time. */
static int read_oci_states(NsboxNsScan *s, const char *dir, const char *file, const char *pid_key,
                           const char *start_key, const char *runtime)
{
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return 0;
        DirIter it = { .fd = fd };
        for (const char *name; (name = dir_next(&it));) {
                if (name[0] == '.')
                        continue;
                char path[512];
                if (snprintf(path, sizeof(path), "%s/%s", name, file) >= (int) sizeof(path))
                        continue;
                uid_t uid;
                _cleanup_free_ char *text = read_state_file(fd, path, &uid);
                if (!text)
                        continue;
                json_t *o = json_loads(text, 0, NULL);
                if (!o)
                        continue;
                json_t *jp = json_object_get(o, pid_key), *js = json_object_get(o, start_key);
                int r = 0;
                if (json_is_integer(jp) && json_is_integer(js))
                        r = add_container(s, (pid_t) json_integer_value(jp),
                                          (unsigned long long) json_integer_value(js), uid, name, runtime);
                json_decref(o);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int read_containers(NsboxNsScan *s)
{
        static const struct {
                const char *dir, *file, *pid_key, *start_key, *runtime;
        } oci[] = {
                { "nsbox-oci", "state.json", "pid", "start_time", "nsbox-oci" },
                { "runc", "state.json", "init_process_pid", "init_process_start", "runc" },
                { "crun", "status", "pid", "process-start-time", "crun" },
        };
        int r = 0;
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(oci); i++) {
                char d[64];
                snprintf(d, sizeof(d), "/run/%s", oci[i].dir);
                r = read_oci_states(s, d, oci[i].file, oci[i].pid_key, oci[i].start_key, oci[i].runtime);
                snprintf(d, sizeof(d), "/run/user/*/%s", oci[i].dir);
                glob_t g = { 0 };
                if (r >= 0 && glob(d, GLOB_NOSORT | GLOB_ONLYDIR, NULL, &g) == 0)
                        for (size_t j = 0; r >= 0 && j < g.gl_pathc; j++)
                                r = read_oci_states(s, g.gl_pathv[j], oci[i].file, oci[i].pid_key,
                                                    oci[i].start_key, oci[i].runtime);
                globfree(&g);
        }
        return r;
}

/* The container @p is the init of: its parent holds nsbox run's marker, or
 * an OCI runtime's state names it. */
static const ContainerRef *container_of_init(const NsboxNsScan *s, const NsboxNsProcess *p)
{
        if (p->parent) {
                const ContainerRef *m = u64map_get(&s->marker_map, (uint64_t) p->parent->pid);
                if (m)
                        return m;
        }
        const ContainerRef *c = u64map_get(&s->container_map, (uint64_t) p->pid);
        if (!c || c->start_time != p->start_time || (c->file_uid != 0 && c->file_uid != p->uid))
                return NULL;
        return c;
}

static void attribute_containers(NsboxNsScan *s)
{
        if (s->n_containers == 0 && s->n_markers == 0)
                return;
        for (size_t i = 0; i < s->n_ns; i++) {
                NsEntry *e = s->ns[i];
                /* The process tree is at most pid_max deep; a pid reused during the
                 * scan could make the ppid links loop, hence the bound. */
                unsigned depth = 0;
                for (const NsboxNsProcess *p = e->info.proc; p && depth < 4096; p = p->parent, depth++) {
                        const ContainerRef *c = container_of_init(s, p);
                        if (!c)
                                continue;
                        if (!p->parent || p->parent->ns[e->info.type] != e->info.id) {
                                e->info.container = c->id;
                                e->info.container_runtime = c->runtime;
                        }
                        break;
                }
        }
}

int nsbox_ns_mark_container(const char *name)
{
        if (!name || !*name || strlen(name) > 200)
                return -EINVAL;
        char mname[256];
        snprintf(mname, sizeof(mname), "%s%s", CONTAINER_MARKER, name);
        int fd = memfd_create(mname, MFD_CLOEXEC);
        return fd < 0 ? negative_errno() : fd;
}

/* -------- the snapshot -------- */

static int cmp_entries(const void *a, const void *b)
{
        const NsEntry *x = *(NsEntry *const *) a, *y = *(NsEntry *const *) b;
        return x->info.id < y->info.id ? -1 : x->info.id > y->info.id;
}

static void finalize(NsboxNsScan *s)
{
        for (size_t i = 0; i < s->n_procs; i++) {
                NsboxNsProcess *p = s->procs[i];
                p->parent = p->ppid > 0 ? u64map_get(&s->pid_map, (uint64_t) p->ppid) : NULL;
        }
        qsort(s->ns, s->n_ns, sizeof(*s->ns), cmp_entries);
        for (size_t i = 0; i < s->n_ns; i++) {
                NsEntry *e = s->ns[i];
                e->info.procs = (const NsboxNsProcess *const *) (e->members ? e->members : &e->member0);
                if (e->info.nprocs > 0)
                        e->info.source = NSBOX_NS_SOURCE_PROCESS;
                NsEntry *p = find_entry(s, e->info.parent_id);
                NsEntry *o = find_entry(s, e->info.owner_id);
                /* The initial namespaces have no parent; a user namespace is
                 * never its own owner, but guard against cycles anyway. */
                e->info.parent = p && p != e ? &p->info : NULL;
                e->info.owner = o && o != e ? &o->info : NULL;
        }
}

void nsbox_ns_scan_free(NsboxNsScan *s)
{
        if (!s)
                return;
        free(s->procs);
        for (size_t i = 0; i < s->n_ns; i++) {
                NsEntry *e = s->ns[i];
                free(e->members);
                strv_free(e->info.nsfs_paths);
                free(e->origin_path);
        }
        free(s->ns);
        for (size_t i = 0; i < s->n_mounts; i++)
                free(s->mounts[i].target);
        free(s->mounts);
        for (size_t i = 0; i < s->n_containers; i++) {
                free(s->containers[i]->id);
                free(s->containers[i]);
        }
        free(s->containers);
        u64map_done(&s->container_map);
        for (size_t i = 0; i < s->n_markers; i++) {
                free(s->markers[i]->id);
                free(s->markers[i]);
        }
        free(s->markers);
        u64map_done(&s->marker_map);
        u64map_done(&s->pid_map);
        u64map_done(&s->ns_map);
        if (s->nl)
                mnl_socket_close(s->nl);
        safe_close(s->proc_fd);
        free(s->proc_path);
        arena_free(&s->arena);
        free(s);
}

static void scan_freep(NsboxNsScan **s)
{
        nsbox_ns_scan_free(*s);
}

static bool all_digits(const char *s)
{
        if (!*s)
                return false;
        for (; *s; s++)
                if (*s < '0' || *s > '9')
                        return false;
        return true;
}

int nsbox_ns_scan(const NsboxNsScanOptions *opts, NsboxNsScan **ret, NsboxError **reterr)
{
        NsboxNsScanOptions o = opts ? *opts : (NsboxNsScanOptions){ 0 };
        if (o.types == 0)
                o.types = NSBOX_NS_TYPES_ALL;
        if (o.types & ~NSBOX_NS_TYPES_ALL)
                return nsbox_error_set_message(reterr, EINVAL, "invalid namespace type mask 0x%x", o.types);
        if (o.flags & NSBOX_NS_SCAN_CONNECT)
                o.flags |= NSBOX_NS_SCAN_RELATIONS;
        if (!ret)
                return nsbox_error_set_message(reterr, EINVAL, "no place for the result");

        __attribute__((cleanup(scan_freep))) NsboxNsScan *s = calloc(1, sizeof(*s));
        if (!s)
                return nsbox_error_set(reterr, ENOMEM, "namespace scan");
        s->proc_fd = -EBADF;
        s->types = o.types;
        s->flags = o.flags;
        s->proc_path = strdup(o.proc_path ? o.proc_path : "/proc");
        if (!s->proc_path)
                return nsbox_error_set(reterr, ENOMEM, "namespace scan");

        s->proc_fd = open(s->proc_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (s->proc_fd < 0)
                return nsbox_error_set(reterr, errno, "open %s", s->proc_path);
        int dfd = dup(s->proc_fd);
        if (dfd < 0)
                return nsbox_error_set(reterr, errno, "dup");
        _cleanup_closedir_ DIR *d = fdopendir(dfd);
        if (!d) {
                safe_close(dfd);
                return nsbox_error_set(reterr, errno, "opendir %s", s->proc_path);
        }

        struct dirent *de;
        for (errno = 0; (de = readdir(d)); errno = 0) {
                if (!all_digits(de->d_name))
                        continue;
                /* Gone, unreadable or half-dead processes are skipped, as lsns does. */
                if (read_process(s, de->d_name) == -ENOMEM)
                        return nsbox_error_set(reterr, ENOMEM, "namespace scan");
        }
        if (errno != 0)
                return nsbox_error_set(reterr, errno, "read %s", s->proc_path);

        if (s->flags & NSBOX_NS_SCAN_THREADS) {
                size_t n = s->n_procs;
                for (size_t i = 0; i < n; i++)
                        /* /proc/PID/stat counts the threads: most processes have one */
                        if (s->procs[i]->nthreads != 1)
                                read_process_threads(s, s->procs[i]->pid);
        }

        if (s->flags & (NSBOX_NS_SCAN_FDS | NSBOX_NS_SCAN_SOCKETS | NSBOX_NS_SCAN_CONTAINERS)) {
                size_t n = s->n_procs;
                for (size_t i = 0; i < n; i++)
                        read_process_fds(s, s->procs[i]->pid);
        }

        if (s->flags & (NSBOX_NS_SCAN_NSFS_PATHS | NSBOX_NS_SCAN_MOUNTED)) {
                int r = read_nsfs_mounts(s);
                if (r == -ENOMEM)
                        return nsbox_error_set(reterr, r, "namespace scan");
                /* Without a readable mountinfo there are just no mounts to report. */
                if (s->flags & NSBOX_NS_SCAN_MOUNTED)
                        add_mounted_namespaces(s);
        }

        if (s->flags & NSBOX_NS_SCAN_CONNECT)
                connect_namespaces(s);

        if (s->flags & NSBOX_NS_SCAN_NSFS_PATHS) {
                int r = collect_nsfs_paths(s);
                if (r < 0)
                        return nsbox_error_set(reterr, r, "namespace scan");
        }

        finalize(s);
        if (s->flags & NSBOX_NS_SCAN_CONTAINERS) {
                /* Unreadable state is no container; only memory fails the scan. */
                if (read_containers(s) == -ENOMEM)
                        return nsbox_error_set(reterr, ENOMEM, "namespace scan");
                attribute_containers(s);
        }
        *ret = TAKE_PTR(s);
        return 0;
}

size_t nsbox_ns_scan_n_namespaces(const NsboxNsScan *s)
{
        return s ? s->n_ns : 0;
}

const NsboxNsInfo *nsbox_ns_scan_namespace(const NsboxNsScan *s, size_t i)
{
        return s && i < s->n_ns ? &s->ns[i]->info : NULL;
}

const NsboxNsInfo *nsbox_ns_scan_find(const NsboxNsScan *s, uint64_t id)
{
        NsEntry *e = s ? find_entry(s, id) : NULL;
        return e ? &e->info : NULL;
}

size_t nsbox_ns_scan_n_processes(const NsboxNsScan *s)
{
        return s ? s->n_procs : 0;
}

const NsboxNsProcess *nsbox_ns_scan_process(const NsboxNsScan *s, size_t i)
{
        return s && i < s->n_procs ? s->procs[i] : NULL;
}

const NsboxNsProcess *nsbox_ns_scan_find_process(const NsboxNsScan *s, pid_t pid)
{
        return s && pid > 0 ? u64map_get(&s->pid_map, (uint64_t) pid) : NULL;
}

bool nsbox_ns_info_has_process(const NsboxNsInfo *ns, pid_t pid)
{
        if (!ns)
                return false;
        for (size_t i = 0; i < ns->nprocs; i++)
                if (ns->procs[i]->pid == pid)
                        return true;
        return false;
}

/* Reads a /proc/PID file as util-linux does for lsns: at most PROC_READ_MAX
 * bytes, NULs become spaces, and the last byte read is dropped (the trailing
 * NUL of cmdline, the newline of comm). */
static int read_proc_text(int proc_fd, pid_t pid, const char *file, char **ret)
{
        char path[64];
        snprintf(path, sizeof(path), "%d/%s", (int) pid, file);
        _cleanup_free_ char *buf = malloc(PROC_READ_MAX);
        if (!buf)
                return -ENOMEM;
        ssize_t n = read_small_at(proc_fd, path, buf, PROC_READ_MAX, false);
        if (n < 0)
                return (int) n;
        if (n == 0)
                return -ENODATA;
        for (ssize_t i = 0; i < n; i++)
                if (buf[i] == 0)
                        buf[i] = ' ';
        buf[n - 1] = 0;
        char *s = strdup(buf);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int nsbox_ns_scan_process_command(const NsboxNsScan *s, pid_t pid, char **ret)
{
        if (!s || !ret || pid <= 0)
                return -EINVAL;
        int r = read_proc_text(s->proc_fd, pid, "cmdline", ret);
        if (r >= 0 || r == -ENOMEM)
                return r;
        return read_proc_text(s->proc_fd, pid, "comm", ret);
}

int nsbox_ns_scan_process_cgroup(const NsboxNsScan *s, pid_t pid, char **ret)
{
        if (!s || !ret || pid <= 0)
                return -EINVAL;
        char path[64];
        snprintf(path, sizeof(path), "%d/cgroup", (int) pid);
        _cleanup_free_ char *buf = malloc(PROC_READ_MAX + 1);
        if (!buf)
                return -ENOMEM;
        ssize_t n = read_small_at(s->proc_fd, path, buf, PROC_READ_MAX, false);
        if (n < 0)
                return (int) n;
        buf[n] = 0;
        /* "ID:CONTROLLERS:PATH" lines; ID 0 with no controllers is cgroup v2 */
        const char *v2 = NULL, *v1 = NULL;
        size_t v2len = 0, v1len = 0;
        bool any_v1 = false, any = false;
        for (char *line = buf, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                size_t len = next ? (size_t) (next - line) : strlen(line);
                if (next)
                        next++;
                char *c1 = memchr(line, ':', len);
                char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t) (c1 + 1 - line)) : NULL;
                if (!c2)
                        continue;
                const char *p = c2 + 1;
                size_t plen = len - (size_t) (p - line);
                any = true;
                if (c1 - line == 1 && line[0] == '0' && c2 == c1 + 1) {
                        v2 = p;
                        v2len = plen;
                } else {
                        any_v1 = true;
                        if (!v1 && !(plen == 1 && p[0] == '/')) {
                                v1 = p;
                                v1len = plen;
                        }
                }
        }
        const char *pick = NULL;
        size_t plen = 0;
        if (v2 && (!(v2len == 1 && v2[0] == '/') || !any_v1)) {
                pick = v2;
                plen = v2len;
        } else if (v1) {
                pick = v1;
                plen = v1len;
        } else if (any) {
                pick = "/";
                plen = 1;
        }
        if (!pick)
                return -ENODATA;
        char *r = strndup(pick, plen);
        if (!r)
                return -ENOMEM;
        *ret = r;
        return 0;
}
