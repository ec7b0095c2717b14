/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lsns: list namespaces, a drop-in for util-linux lsns(8).
 *
 * The table is built with libsmartcols exactly as util-linux builds it (same
 * columns, width hints, flags, line order and parent lines), so the output is
 * byte for byte the same on the same state. The enumeration itself is
 * libnsbox's nsbox_ns_scan().
 */
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <locale.h>
#include <pwd.h>
#include <regex.h>
#include <stdarg.h>

#include <libsmartcols.h>

#include "common.h"

enum {
        COL_NS,
        COL_TYPE,
        COL_PATH,
        COL_NPROCS,
        COL_PID,
        COL_PPID,
        COL_COMMAND,
        COL_UID,
        COL_USER,
        COL_NETNSID,
        COL_NSFS,
        COL_PNS,
        COL_ONS,
        _COL_UTIL_LINUX, /* the columns above are util-linux's, and --output-all's */
        COL_CGROUP = _COL_UTIL_LINUX,
        COL_CONTAINER,
        _COL_MAX,
};

/* clang-format off */
static const struct colinfo {
        const char *name;
        double whint;
        int flags;
        int json_type;
        const char *help;
} infos[_COL_MAX] = {
        [COL_NS]      = { "NS",      10, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER, "namespace identifier (inode number)" },
        [COL_TYPE]    = { "TYPE",     5, 0,              SCOLS_JSON_STRING, "kind of namespace" },
        [COL_PATH]    = { "PATH",     0, 0,              SCOLS_JSON_STRING, "path to the namespace" },
        [COL_NPROCS]  = { "NPROCS",   5, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER, "number of processes in the namespace" },
        [COL_PID]     = { "PID",      5, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER, "lowest PID in the namespace" },
        [COL_PPID]    = { "PPID",     5, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER, "PPID of the PID" },
        [COL_COMMAND] = { "COMMAND",  0, SCOLS_FL_TRUNC, SCOLS_JSON_STRING, "command line of the PID" },
        [COL_UID]     = { "UID",      0, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER, "UID of the PID" },
        [COL_USER]    = { "USER",     0, 0,              SCOLS_JSON_STRING, "username of the PID" },
        [COL_NETNSID] = { "NETNSID",  0, SCOLS_FL_RIGHT, SCOLS_JSON_STRING, "namespace ID as used by network subsystem" },
        [COL_NSFS]    = { "NSFS",     0, SCOLS_FL_WRAP,  SCOLS_JSON_STRING, "nsfs mountpoint (usually used network subsystem)" },
        [COL_PNS]     = { "PNS",     10, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER, "parent namespace identifier (inode number)" },
        [COL_ONS]     = { "ONS",     10, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER, "owner namespace identifier (inode number)" },
        /* nsbox's own: chosen by name only, so that --output-all stays util-linux's */
        [COL_CGROUP]    = { "CGROUP",    0, SCOLS_FL_TRUNC, SCOLS_JSON_STRING, "cgroup of the PID (v2 path, or the first v1 one that is not /)" },
        [COL_CONTAINER] = { "CONTAINER", 0, 0,              SCOLS_JSON_STRING, "container that owns the namespace (nsbox run, nsbox-oci, runc, crun)" },
};
/* clang-format on */

/* util-linux keeps room for every column twice, and so do we: "-o NS,NS,..."
 * with more than that fails. */
#define MAX_COLUMNS (_COL_UTIL_LINUX * 2)

typedef enum TreeMode {
        TREE_NONE,
        TREE_PROCESS,
        TREE_OWNER,
        TREE_PARENT,
} TreeMode;

/* A pointer-keyed map: from a process or namespace to the last output line
 * made for it (lsns hangs a row under the last row of its parent), and from a
 * process to its command line. */
typedef struct LineMap {
        const void **keys;
        void **lines;
        size_t cap, n;
} LineMap;

/* The command lines: a process is the lowest pid of up to eight namespaces,
 * and /proc/PID/cmdline costs a read of the other process's memory, so the
 * last ones read are kept. A small direct-mapped cache, not a map of them
 * all: a process's namespaces are mostly made together (consecutive inode
 * numbers, so consecutive rows), and the rows hold copies anyway. */
#define CMDCACHE_SLOTS 64

typedef struct CmdCache {
        const NsboxNsProcess *proc[CMDCACHE_SLOTS];
        char *cmd[CMDCACHE_SLOTS];
} CmdCache;

typedef struct FNode FNode;

typedef struct Lsns {
        int columns[MAX_COLUMNS];
        bool hidden[MAX_COLUMNS]; /* added only because the filter names them */
        size_t ncolumns;
        FNode *filter;

        unsigned types;
        pid_t filter_pid;
        uint64_t filter_ns;
        bool have_filter_ns;
        TreeMode tree;
        bool raw, json, no_trunc, no_headings, no_wrap, persist;

        NsboxNsScan *scan;
        LineMap proc_lines;
        LineMap ns_lines;
        CmdCache commands;
} Lsns;

static size_t ptr_hash(const void *p)
{
        uintptr_t k = (uintptr_t) p;
        k ^= k >> 17;
        k *= (uintptr_t) 0x9e3779b97f4a7c15ULL;
        k ^= k >> 29;
        return (size_t) k;
}

static void *linemap_get(const LineMap *m, const void *key)
{
        if (!m->cap || !key)
                return NULL;
        for (size_t i = ptr_hash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
                if (m->keys[i] == key)
                        return m->lines[i];
                if (!m->keys[i])
                        return NULL;
        }
}

static int linemap_put(LineMap *m, const void *key, void *line)
{
        if ((m->n + 1) * 4 > m->cap * 3) {
                size_t ncap = m->cap ? m->cap * 2 : 256;
                const void **nk = calloc(ncap, sizeof(*nk));
                void **nl = calloc(ncap, sizeof(*nl));
                if (!nk || !nl) {
                        free(nk);
                        free(nl);
                        return -ENOMEM;
                }
                for (size_t i = 0; i < m->cap; i++) {
                        if (!m->keys[i])
                                continue;
                        size_t j = ptr_hash(m->keys[i]) & (ncap - 1);
                        while (nk[j])
                                j = (j + 1) & (ncap - 1);
                        nk[j] = m->keys[i];
                        nl[j] = m->lines[i];
                }
                free(m->keys);
                free(m->lines);
                m->keys = nk;
                m->lines = nl;
                m->cap = ncap;
        }
        size_t i = ptr_hash(key) & (m->cap - 1);
        while (m->keys[i] && m->keys[i] != key)
                i = (i + 1) & (m->cap - 1);
        if (!m->keys[i])
                m->n++;
        m->keys[i] = key;
        m->lines[i] = line;
        return 0;
}

static void linemap_done(LineMap *m)
{
        free(m->keys);
        free(m->lines);
        *m = (LineMap){ 0 };
}


static void cmdcache_done(CmdCache *c)
{
        for (size_t i = 0; i < CMDCACHE_SLOTS; i++)
                free(c->cmd[i]);
        *c = (CmdCache){ 0 };
}

/* -------- util-linux conventions for messages and numbers -------- */

static _noreturn_ void errtryhelp(void)
{
        fprintf(stderr, "Try '%s --help' for more information.\n", program_invocation_name_cmd);
        exit(EXIT_FAILURE);
}

/* Flushes stdout and reports a failed write as util-linux's close_stdout() does. */
static int close_stdout(int status)
{
        if (fflush(stdout) != 0 || ferror(stdout)) {
                int e = errno;
                if (e == EPIPE)
                        return status;
                if (e)
                        log_error("write error: %s", strerror(e));
                else
                        log_error("write error");
                return EXIT_FAILURE;
        }
        return status;
}

/* strtos32_or_err(): decimal, leading blanks and a sign allowed, nothing after. */
static pid_t parse_pid_or_die(const char *s)
{
        char *end = NULL;
        errno = 0;
        intmax_t v = *s ? strtoimax(s, &end, 10) : 0;
        if (!*s || errno == EINVAL || end == s || *end) {
                log_error("invalid PID argument: '%s'", s);
                exit(EXIT_FAILURE);
        }
        if (errno == ERANGE || v < INT32_MIN || v > INT32_MAX) {
                log_error("invalid PID argument: '%s': %s", s, strerror(ERANGE));
                exit(EXIT_FAILURE);
        }
        return (pid_t) v;
}

/* strtou64_or_err(): as above, negative numbers are out of range. */
static uint64_t parse_ns_or_die(const char *s)
{
        char *end = NULL;
        int e = 0;
        uintmax_t v = 0;
        if (*s) {
                errno = 0;
                intmax_t sv = strtoimax(s, &end, 10);
                if (sv < 0)
                        e = ERANGE;
                else {
                        errno = 0;
                        v = strtoumax(s, &end, 10);
                        e = errno;
                }
        }
        if (e == ERANGE) {
                log_error("invalid namespace argument: '%s': %s", s, strerror(ERANGE));
                exit(EXIT_FAILURE);
        }
        if (!*s || e || end == s || *end) {
                log_error("invalid namespace argument: '%s'", s);
                exit(EXIT_FAILURE);
        }
        return (uint64_t) v;
}

static int column_by_name(const char *name, size_t len)
{
        for (int i = 0; i < _COL_MAX; i++)
                if (strlen(infos[i].name) == len && strncasecmp(name, infos[i].name, len) == 0)
                        return i;
        return -1;
}

/* -o LIST and -o +LIST. A name util-linux does not know is reported by name; an
 * empty name or too many columns fail quietly, as they do there. */
static int parse_columns(Lsns *ls, const char *arg)
{
        const char *list = arg;
        if (*list == '+')
                list++;
        else
                ls->ncolumns = 0;
        if (!*list)
                return -EINVAL;
        for (const char *p = list;;) {
                const char *comma = strchr(p, ',');
                /* A trailing comma stays part of the last name. */
                if (comma && comma[1] == '\0')
                        comma = NULL;
                size_t len = comma ? (size_t) (comma - p) : strlen(p);
                if (ls->ncolumns >= MAX_COLUMNS)
                        return -E2BIG;
                if (len == 0)
                        return -EINVAL;
                int id = column_by_name(p, len);
                if (id < 0) {
                        log_error("unknown column: %.*s", (int) len, p);
                        return -EINVAL;
                }
                ls->columns[ls->ncolumns++] = id;
                if (!comma)
                        break;
                p = comma + 1;
        }
        return 0;
}

static bool has_column(const Lsns *ls, int id)
{
        for (size_t i = 0; i < ls->ncolumns; i++)
                if (ls->columns[i] == id)
                        return true;
        return false;
}

/* -------- users -------- */

typedef struct UserCache {
        uid_t *uids;
        char **names;
        size_t n;
} UserCache;

static UserCache user_cache;

/* The name of a uid, or the number when it has none (util-linux's idcache). */
static const char *user_name(uid_t uid)
{
        for (size_t i = 0; i < user_cache.n; i++)
                if (user_cache.uids[i] == uid)
                        return user_cache.names[i];
        char *name = NULL;
        struct passwd *pw = getpwuid(uid);
        if (pw && pw->pw_name)
                name = strdup(pw->pw_name);
        else if (asprintf(&name, "%lu", (unsigned long) uid) < 0)
                name = NULL;
        if (!name)
                return NULL;
        uid_t *nu = realloc(user_cache.uids, (user_cache.n + 1) * sizeof(*nu));
        if (nu)
                user_cache.uids = nu;
        char **nn = realloc(user_cache.names, (user_cache.n + 1) * sizeof(*nn));
        if (nn)
                user_cache.names = nn;
        if (!nu || !nn) {
                free(name);
                return NULL;
        }
        user_cache.uids[user_cache.n] = uid;
        user_cache.names[user_cache.n++] = name;
        return name;
}

static void user_cache_free(void)
{
        for (size_t i = 0; i < user_cache.n; i++)
                free(user_cache.names[i]);
        free(user_cache.uids);
        free(user_cache.names);
        user_cache = (UserCache){ 0 };
}

/* -------- output -------- */

static _noreturn_ void oom(void)
{
        log_error("cannot allocate memory");
        exit(EXIT_FAILURE);
}

static char *nsfs_text(const NsboxNsInfo *ns, char sep)
{
        if (!ns->nsfs_paths || !ns->nsfs_paths[0])
                return NULL;
        size_t len = 0;
        for (char **p = ns->nsfs_paths; *p; p++)
                len += strlen(*p) + 1;
        char *s = malloc(len);
        if (!s)
                oom();
        char *w = s;
        for (char **p = ns->nsfs_paths; *p; p++) {
                if (p != ns->nsfs_paths)
                        *w++ = sep;
                w = stpcpy(w, *p);
        }
        return s;
}

static char *cell_text(Lsns *ls, const NsboxNsInfo *ns, const NsboxNsProcess *proc, int col)
{
        char *s = NULL;
        int r = 0;
        switch (col) {
        case COL_NS:
                r = asprintf(&s, "%" PRIu64, ns->id);
                break;
        case COL_TYPE:
                s = strdup(nsbox_ns_type_name(ns->type));
                break;
        case COL_PATH:
                if (proc)
                        r = asprintf(&s, "/proc/%d/ns/%s", (int) proc->pid, nsbox_ns_type_name(ns->type));
                else if (ns->source == NSBOX_NS_SOURCE_THREAD)
                        /* Only a thread is in it: its task's link is the path to it. */
                        r = asprintf(&s, "/proc/%d/task/%d/ns/%s", (int) ns->thread_pid,
                                     (int) ns->thread_tid, nsbox_ns_type_name(ns->type));
                break;
        case COL_NPROCS:
                r = asprintf(&s, "%zu", ns->nprocs);
                break;
        case COL_PID:
                if (proc)
                        r = asprintf(&s, "%d", (int) proc->pid);
                break;
        case COL_PPID:
                if (proc)
                        r = asprintf(&s, "%d", (int) proc->ppid);
                break;
        case COL_COMMAND: {
                if (!proc)
                        return NULL;
                size_t slot = (size_t) proc->pid % CMDCACHE_SLOTS;
                if (ls->commands.proc[slot] != proc) {
                        char *cmd = NULL;
                        /* A process gone since the scan shows the name it had then:
                         * a row is never left without its command. */
                        if (nsbox_ns_scan_process_command(ls->scan, proc->pid, &cmd) < 0 &&
                            !(cmd = strdup(proc->comm)))
                                oom();
                        free(ls->commands.cmd[slot]);
                        ls->commands.cmd[slot] = cmd;
                        ls->commands.proc[slot] = proc;
                }
                const char *cached = ls->commands.cmd[slot];
                if (cached && !(s = strdup(cached)))
                        oom();
                return s;
        }
        case COL_UID:
        case COL_USER: {
                /* A namespace without processes shows who owns it instead. */
                uid_t uid = proc ? proc->uid : ns->has_owner_uid ? ns->owner_uid : 0;
                if (col == COL_UID)
                        r = asprintf(&s, "%d", (int) uid);
                else {
                        const char *n = user_name(uid);
                        s = n ? strdup(n) : NULL;
                        if (!n)
                                oom();
                }
                break;
        }
        case COL_CGROUP:
                if (proc && nsbox_ns_scan_process_cgroup(ls->scan, proc->pid, &s) < 0)
                        s = NULL;
                return s;
        case COL_CONTAINER:
                if (ns->container && !(s = strdup(ns->container)))
                        oom();
                return s;
        case COL_NETNSID:
                if (ns->type != NSBOX_NS_NET)
                        break;
                if (ns->netnsid >= 0)
                        r = asprintf(&s, "%" PRId32, ns->netnsid);
                else if (ns->netnsid == NSBOX_NETNSID_UNASSIGNED)
                        s = strdup("unassigned");
                else
                        return NULL;
                break;
        case COL_NSFS:
                return nsfs_text(ns, ls->no_wrap ? ',' : '\n');
        case COL_PNS:
                r = asprintf(&s, "%" PRIu64, ns->parent_id);
                break;
        case COL_ONS:
                r = asprintf(&s, "%" PRIu64, ns->owner_id);
                break;
        default:
                return NULL;
        }
        if (r < 0 || (!s && col != COL_PATH && col != COL_PID && col != COL_PPID && col != COL_NETNSID))
                oom();
        return s;
}

/* -------- -Q: filter expressions (scols-filter(5)) --------
 *
 * Debian 12's libsmartcols (2.38) has no filter API (2.40 has), so this is a
 * small parser and evaluator of the same grammar:
 *   expr:  expr OR expr | expr AND expr | NOT expr | ( expr )
 *        | expr (== != >= <= > < =~ !~) expr | param
 *   param: integer[KMGTPEZY[iB]] | float | "string" | 'string' | true | false | holder
 * with the operator words (AND, OR, NOT, EQ, NE, GE, LE, GT, LT) in either case
 * and holders being column names. A holder takes its column's type (a number for
 * NS, NPROCS, PID, PPID, UID, PNS, ONS; a string otherwise); in a comparison the
 * holder is cast to the type of the param it is compared with. An empty cell
 * (no process, no netns id) equals only the empty string and is false alone. */

typedef enum FTok {
        FT_END,
        FT_LPAREN,
        FT_RPAREN,
        FT_AND,
        FT_OR,
        FT_NOT,
        FT_EQ,
        FT_NE,
        FT_GE,
        FT_LE,
        FT_GT,
        FT_LT,
        FT_REQ,
        FT_RNE,
        FT_STRING,
        FT_NUMBER,
        FT_FLOAT,
        FT_BOOL,
        FT_HOLDER,
        FT_ERROR,
} FTok;

typedef enum FValKind {
        FV_EMPTY,
        FV_STRING,
        FV_NUMBER,
        FV_FLOAT,
        FV_BOOL,
} FValKind;

typedef struct FVal {
        FValKind kind;
        const char *str;
        unsigned long long num;
        long double fnum;
        bool b;
        char buf[64]; /* a number cast to a string */
} FVal;

typedef struct FNode {
        FTok op; /* FT_AND ... FT_RNE for operators; FT_STRING ... FT_HOLDER for params */
        struct FNode *left, *right;
        char *str;              /* string param, holder name */
        unsigned long long num; /* integer param */
        long double fnum;       /* float param */
        bool b;                 /* boolean param */
        int column;             /* holder: the column id */
        regex_t *re;            /* =~ and !~: the compiled right side */
} FNode;

typedef struct FParser {
        const char *p;
        FTok tok;
        char *text; /* the current token's text, for strings, numbers and holders */
        char *error;
} FParser;

static void fnode_free(FNode *n)
{
        if (!n)
                return;
        fnode_free(n->left);
        fnode_free(n->right);
        free(n->str);
        if (n->re) {
                regfree(n->re);
                free(n->re);
        }
        free(n);
}

static _printf_(2, 3) void fparse_error(FParser *fp, const char *fmt, ...)
{
        if (fp->error)
                return;
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(&fp->error, fmt, ap) < 0)
                fp->error = NULL;
        va_end(ap);
        if (!fp->error)
                oom();
}

static bool holder_char(char c, bool first)
{
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
                return true;
        return !first && ((c >= '0' && c <= '9') || strchr("_.%:/-", c));
}

static void fnext(FParser *fp)
{
        static const struct {
                const char *s;
                FTok t;
        } symbols[] = {
                { "&&", FT_AND }, { "||", FT_OR },    { "==", FT_EQ },    { "!=", FT_NE }, { ">=", FT_GE },
                { "<=", FT_LE },  { "=~", FT_REQ },   { "!~", FT_RNE },   { ">", FT_GT },  { "<", FT_LT },
                { "!", FT_NOT },  { "(", FT_LPAREN }, { ")", FT_RPAREN },
        };
        static const struct {
                const char *s;
                FTok t;
        } words[] = {
                { "and", FT_AND }, { "or", FT_OR }, { "not", FT_NOT }, { "eq", FT_EQ }, { "ne", FT_NE },
                { "ge", FT_GE },   { "le", FT_LE }, { "gt", FT_GT },   { "lt", FT_LT },
        };

        free(fp->text);
        fp->text = NULL;
        while (*fp->p == ' ' || *fp->p == '\t' || *fp->p == '\n')
                fp->p++;
        if (!*fp->p) {
                fp->tok = FT_END;
                return;
        }
        for (size_t i = 0; i < ELEMENTSOF(symbols); i++)
                if (startswith(fp->p, symbols[i].s)) {
                        fp->p += strlen(symbols[i].s);
                        fp->tok = symbols[i].t;
                        return;
                }
        const char *start = fp->p;
        if (*start == '"' || *start == '\'') {
                const char *end = start + 1;
                while (*end && *end != *start && *end != '\n')
                        end++;
                if (*end != *start) {
                        fparse_error(fp, "unterminated string");
                        fp->tok = FT_ERROR;
                        return;
                }
                fp->text = strndup(start + 1, (size_t) (end - start - 1));
                if (!fp->text)
                        oom();
                fp->p = end + 1;
                fp->tok = FT_STRING;
                return;
        }
        if (*start >= '0' && *start <= '9') {
                const char *end = start;
                while (*end >= '0' && *end <= '9')
                        end++;
                fp->tok = FT_NUMBER;
                if (*end == '.' && end[1] >= '0' && end[1] <= '9') {
                        end++;
                        while (*end >= '0' && *end <= '9')
                                end++;
                        fp->tok = FT_FLOAT;
                } else if (*end && strchr("KMGTPEZY", *end)) {
                        end++;
                        if (startswith(end, "iB"))
                                end += 2;
                }
                fp->text = strndup(start, (size_t) (end - start));
                if (!fp->text)
                        oom();
                fp->p = end;
                return;
        }
        if (holder_char(*start, true)) {
                const char *end = start + 1;
                while (holder_char(*end, false))
                        end++;
                fp->text = strndup(start, (size_t) (end - start));
                if (!fp->text)
                        oom();
                fp->p = end;
                for (size_t i = 0; i < ELEMENTSOF(words); i++)
                        if (strcasecmp(fp->text, words[i].s) == 0) {
                                fp->tok = words[i].t;
                                return;
                        }
                if (streq(fp->text, "true") || streq(fp->text, "TRUE") || streq(fp->text, "false") ||
                    streq(fp->text, "FALSE")) {
                        fp->tok = FT_BOOL;
                        return;
                }
                fp->tok = FT_HOLDER;
                return;
        }
        fparse_error(fp, "unexpected character '%c'", *start);
        fp->tok = FT_ERROR;
}

static FNode *fnode_new(FTok op)
{
        FNode *n = calloc(1, sizeof(*n));
        if (!n)
                oom();
        n->op = op;
        n->column = -1;
        return n;
}

/* A number with an optional binary suffix: 1K = 1024, 1KiB = 1024, 1M = 1024^2, ... */
static bool parse_filter_number(const char *s, unsigned long long *ret)
{
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno)
                return false;
        if (*end) {
                const char *suffixes = "KMGTPEZY";
                unsigned shift = (unsigned) (strchr(suffixes, *end) - suffixes + 1) * 10;
                if (shift >= 64 || v > (ULLONG_MAX >> shift))
                        return false;
                v <<= shift;
        }
        *ret = v;
        return true;
}

static FNode *fparse_or(FParser *fp);

static FNode *fparse_primary(FParser *fp)
{
        FNode *n;
        switch (fp->tok) {
        case FT_LPAREN:
                fnext(fp);
                n = fparse_or(fp);
                if (fp->tok != FT_RPAREN) {
                        fparse_error(fp, "missing ')'");
                        fnode_free(n);
                        return NULL;
                }
                fnext(fp);
                return n;
        case FT_NOT:
                fnext(fp);
                n = fnode_new(FT_NOT);
                n->left = fparse_primary(fp);
                if (!n->left) {
                        fnode_free(n);
                        return NULL;
                }
                return n;
        case FT_STRING:
        case FT_HOLDER:
                n = fnode_new(fp->tok);
                n->str = TAKE_PTR(fp->text);
                fnext(fp);
                return n;
        case FT_NUMBER:
                n = fnode_new(FT_NUMBER);
                if (!parse_filter_number(fp->text, &n->num)) {
                        fparse_error(fp, "number out of range: %s", fp->text);
                        fnode_free(n);
                        return NULL;
                }
                fnext(fp);
                return n;
        case FT_FLOAT:
                n = fnode_new(FT_FLOAT);
                n->fnum = strtold(fp->text, NULL);
                fnext(fp);
                return n;
        case FT_BOOL:
                n = fnode_new(FT_BOOL);
                n->b = strcasecmp(fp->text, "true") == 0;
                fnext(fp);
                return n;
        case FT_END:
                fparse_error(fp, "unexpected end of expression");
                return NULL;
        case FT_ERROR:
                return NULL;
        default:
                fparse_error(fp, "unexpected operator");
                return NULL;
        }
}

static FNode *fparse_cmp(FParser *fp)
{
        FNode *left = fparse_primary(fp);
        if (!left)
                return NULL;
        while (fp->tok >= FT_EQ && fp->tok <= FT_RNE) {
                FNode *n = fnode_new(fp->tok);
                n->left = left;
                fnext(fp);
                n->right = fparse_primary(fp);
                if (!n->right) {
                        fnode_free(n);
                        return NULL;
                }
                if (n->op == FT_REQ || n->op == FT_RNE) {
                        if (n->right->op != FT_STRING) {
                                fparse_error(fp, "a regular expression must be a string");
                                fnode_free(n);
                                return NULL;
                        }
                        n->re = malloc(sizeof(*n->re));
                        if (!n->re)
                                oom();
                        int r = regcomp(n->re, n->right->str, REG_EXTENDED | REG_NOSUB);
                        if (r != 0) {
                                char buf[256];
                                regerror(r, n->re, buf, sizeof(buf));
                                free(n->re);
                                n->re = NULL;
                                fparse_error(fp, "regular expression '%s': %s", n->right->str, buf);
                                fnode_free(n);
                                return NULL;
                        }
                }
                left = n;
        }
        return left;
}

static FNode *fparse_and(FParser *fp)
{
        FNode *left = fparse_cmp(fp);
        while (left && fp->tok == FT_AND) {
                FNode *n = fnode_new(FT_AND);
                n->left = left;
                fnext(fp);
                n->right = fparse_cmp(fp);
                if (!n->right) {
                        fnode_free(n);
                        return NULL;
                }
                left = n;
        }
        return left;
}

static FNode *fparse_or(FParser *fp)
{
        FNode *left = fparse_and(fp);
        while (left && fp->tok == FT_OR) {
                FNode *n = fnode_new(FT_OR);
                n->left = left;
                fnext(fp);
                n->right = fparse_and(fp);
                if (!n->right) {
                        fnode_free(n);
                        return NULL;
                }
                left = n;
        }
        return left;
}

/* Parses EXPR; on error prints util-linux's message and exits. */
static FNode *filter_parse(const char *expr)
{
        FParser fp = { .p = expr };
        fnext(&fp);
        FNode *n = fparse_or(&fp);
        if (n && fp.tok != FT_END) {
                fparse_error(&fp, "unexpected token after the expression");
                fnode_free(n);
                n = NULL;
        }
        free(fp.text);
        if (!n) {
                log_error("failed to parse \"%s\": %s", expr, fp.error ? fp.error : "syntax error");
                free(fp.error);
                exit(EXIT_FAILURE);
        }
        return n;
}

/* Resolves the holders to columns; unknown names are reported one by one. */
static int filter_bind(FNode *n, Lsns *ls)
{
        if (!n)
                return 0;
        int errors = filter_bind(n->left, ls) + filter_bind(n->right, ls);
        if (n->op != FT_HOLDER)
                return errors;
        n->column = column_by_name(n->str, strlen(n->str));
        if (n->column < 0) {
                log_error("unknown column: %s", n->str);
                return errors + 1;
        }
        if (!has_column(ls, n->column)) {
                /* Filtered on but not shown: a hidden column, as util-linux adds. */
                if (ls->ncolumns >= MAX_COLUMNS) {
                        log_error("too many columns specified, the limit is %d columns", MAX_COLUMNS - 1);
                        exit(EXIT_FAILURE);
                }
                ls->hidden[ls->ncolumns] = true;
                ls->columns[ls->ncolumns++] = n->column;
        }
        return errors;
}

static bool fval_true(const FVal *v)
{
        switch (v->kind) {
        case FV_STRING:
                return v->str && *v->str;
        case FV_NUMBER:
                return v->num != 0;
        case FV_FLOAT:
                return v->fnum != 0;
        case FV_BOOL:
                return v->b;
        default:
                return false;
        }
}

/* Casts a value to a kind; false when it cannot be (a string that is no number). */
static bool fval_cast(const FVal *v, FValKind kind, FVal *out)
{
        *out = (FVal){ .kind = kind };
        if (v->kind == kind) {
                *out = *v;
                return true;
        }
        switch (kind) {
        case FV_NUMBER:
                if (v->kind == FV_STRING)
                        return parse_filter_number(v->str, &out->num);
                if (v->kind == FV_FLOAT) {
                        out->num = v->fnum < 0 ? 0 : (unsigned long long) v->fnum;
                        return true;
                }
                if (v->kind == FV_BOOL) {
                        out->num = v->b;
                        return true;
                }
                return false;
        case FV_FLOAT:
                if (v->kind == FV_STRING) {
                        char *end;
                        out->fnum = strtold(v->str, &end);
                        return end != v->str && !*end;
                }
                if (v->kind == FV_NUMBER) {
                        out->fnum = (long double) v->num;
                        return true;
                }
                if (v->kind == FV_BOOL) {
                        out->fnum = v->b;
                        return true;
                }
                return false;
        case FV_BOOL:
                out->b = fval_true(v);
                return true;
        case FV_STRING:
                if (v->kind == FV_NUMBER)
                        snprintf(out->buf, sizeof(out->buf), "%llu", v->num);
                else if (v->kind == FV_FLOAT)
                        snprintf(out->buf, sizeof(out->buf), "%Lg", v->fnum);
                else if (v->kind == FV_BOOL)
                        snprintf(out->buf, sizeof(out->buf), "%s", v->b ? "true" : "false");
                else
                        return false;
                out->str = out->buf;
                return true;
        default:
                return false;
        }
}

static int fval_cmp(const FVal *a, const FVal *b)
{
        switch (a->kind) {
        case FV_STRING:
                return strcmp(a->str ? a->str : "", b->str ? b->str : "");
        case FV_NUMBER:
                return a->num < b->num ? -1 : a->num > b->num;
        case FV_FLOAT:
                return a->fnum < b->fnum ? -1 : a->fnum > b->fnum;
        case FV_BOOL:
                return (int) a->b - (int) b->b;
        default:
                return 0;
        }
}

/* The cells of one row, to evaluate a filter on before the row is kept. */
typedef struct FRow {
        char **cells; /* per column index of ls->columns; NULL when empty */
        const Lsns *ls;
} FRow;

static const char *row_cell(const FRow *row, int column)
{
        for (size_t i = 0; i < row->ls->ncolumns; i++)
                if (row->ls->columns[i] == column)
                        return row->cells[i];
        return NULL;
}

static bool filter_truth(const FNode *n, const FRow *row);

static FVal filter_value(const FNode *n, const FRow *row)
{
        FVal v = { .kind = FV_EMPTY };
        switch (n->op) {
        case FT_STRING:
                v.kind = FV_STRING;
                v.str = n->str;
                break;
        case FT_NUMBER:
                v.kind = FV_NUMBER;
                v.num = n->num;
                break;
        case FT_FLOAT:
                v.kind = FV_FLOAT;
                v.fnum = n->fnum;
                break;
        case FT_BOOL:
                v.kind = FV_BOOL;
                v.b = n->b;
                break;
        case FT_HOLDER: {
                const char *s = row_cell(row, n->column);
                if (!s || !*s)
                        break;
                v.kind = FV_STRING;
                v.str = s;
                if (infos[n->column].json_type == SCOLS_JSON_NUMBER && parse_filter_number(s, &v.num))
                        v.kind = FV_NUMBER;
                break;
        }
        default:
                v.kind = FV_BOOL;
                v.b = filter_truth(n, row);
                break;
        }
        return v;
}

static bool filter_compare(const FNode *n, const FRow *row)
{
        FVal l = filter_value(n->left, row);
        if (n->op == FT_REQ || n->op == FT_RNE) {
                FVal s;
                bool match = l.kind != FV_EMPTY && fval_cast(&l, FV_STRING, &s) &&
                             regexec(n->re, s.str, 0, NULL, 0) == 0;
                return n->op == FT_REQ ? match : !match;
        }
        FVal r = filter_value(n->right, row);
        if (l.kind == FV_EMPTY || r.kind == FV_EMPTY) {
                /* An empty cell equals nothing but "" (or another empty cell). */
                bool eq = (l.kind == FV_EMPTY || (l.kind == FV_STRING && !*l.str)) &&
                          (r.kind == FV_EMPTY || (r.kind == FV_STRING && !*r.str));
                return n->op == FT_EQ ? eq : n->op == FT_NE ? !eq : false;
        }
        /* A holder is cast to the type of the param it meets; two holders or two
         * params compare in the left one's type. */
        FValKind kind = n->left->op == FT_HOLDER && n->right->op != FT_HOLDER ? r.kind : l.kind;
        FVal a, b;
        if (!fval_cast(&l, kind, &a) || !fval_cast(&r, kind, &b))
                return n->op == FT_NE;
        int c = fval_cmp(&a, &b);
        switch (n->op) {
        case FT_EQ:
                return c == 0;
        case FT_NE:
                return c != 0;
        case FT_GE:
                return c >= 0;
        case FT_LE:
                return c <= 0;
        case FT_GT:
                return c > 0;
        case FT_LT:
                return c < 0;
        default:
                return false;
        }
}

static bool filter_truth(const FNode *n, const FRow *row)
{
        switch (n->op) {
        case FT_AND:
                return filter_truth(n->left, row) && filter_truth(n->right, row);
        case FT_OR:
                return filter_truth(n->left, row) || filter_truth(n->right, row);
        case FT_NOT:
                return !filter_truth(n->left, row);
        case FT_EQ:
        case FT_NE:
        case FT_GE:
        case FT_LE:
        case FT_GT:
        case FT_LT:
        case FT_REQ:
        case FT_RNE:
                return filter_compare(n, row);
        default: {
                FVal v = filter_value(n, row);
                return fval_true(&v);
        }
        }
}

static struct libscols_line *add_line(Lsns *ls, struct libscols_table *tab, const NsboxNsInfo *ns,
                                      const NsboxNsProcess *proc)
{
        struct libscols_line *parent = NULL;
        if (ls->tree == TREE_PROCESS && proc && proc->parent)
                parent = linemap_get(&ls->proc_lines, proc->parent);
        else if (ls->tree == TREE_PARENT && ns->parent)
                parent = linemap_get(&ls->ns_lines, ns->parent);
        else if (ls->tree == TREE_OWNER && ns->owner)
                parent = linemap_get(&ls->ns_lines, ns->owner);

        char *cells[MAX_COLUMNS] = { NULL };
        for (size_t i = 0; i < ls->ncolumns; i++)
                cells[i] = cell_text(ls, ns, proc, ls->columns[i]);
        if (ls->filter && !filter_truth(ls->filter, &(FRow){ .cells = cells, .ls = ls })) {
                /* Not shown, and not a parent row for what follows (util-linux). */
                for (size_t i = 0; i < ls->ncolumns; i++)
                        free(cells[i]);
                return NULL;
        }
        struct libscols_line *line = scols_table_new_line(tab, parent);
        if (!line)
                oom();
        for (size_t i = 0; i < ls->ncolumns; i++)
                if (cells[i] && scols_line_refer_data(line, i, cells[i]) != 0)
                        oom();
        int r = 0;
        if (ls->tree == TREE_OWNER || ls->tree == TREE_PARENT)
                r = linemap_put(&ls->ns_lines, ns, line);
        else if (proc)
                r = linemap_put(&ls->proc_lines, proc, line);
        if (r < 0)
                oom();
        return line;
}

static struct libscols_table *new_table(const Lsns *ls)
{
        struct libscols_table *tab = scols_new_table();
        if (!tab)
                oom();
        scols_table_enable_raw(tab, ls->raw);
        scols_table_enable_json(tab, ls->json);
        scols_table_enable_noheadings(tab, ls->no_headings);
        if (ls->json)
                scols_table_set_name(tab, "namespaces");

        for (size_t i = 0; i < ls->ncolumns; i++) {
                int id = ls->columns[i];
                const struct colinfo *ci = &infos[id];
                int flags = ci->flags;
                if (ls->no_trunc)
                        flags &= ~SCOLS_FL_TRUNC;
                if (ls->tree == TREE_PROCESS && id == COL_COMMAND)
                        flags |= SCOLS_FL_TREE;
                if (ls->no_wrap)
                        flags &= ~SCOLS_FL_WRAP;
                if ((ls->tree == TREE_OWNER || ls->tree == TREE_PARENT) && id == COL_NS) {
                        flags |= SCOLS_FL_TREE;
                        flags &= ~SCOLS_FL_RIGHT;
                }
                if (ls->hidden[i])
                        flags = SCOLS_FL_HIDDEN;
                struct libscols_column *cl = scols_table_new_column(tab, ci->name, ci->whint, flags);
                if (!cl)
                        oom();
                if (ls->json)
                        scols_column_set_json_type(cl, ci->json_type);
                if (!ls->no_wrap && id == COL_NSFS) {
                        scols_column_set_wrapfunc(cl, scols_wrapnl_chunksize, scols_wrapnl_nextchunk, NULL);
                        scols_column_set_safechars(cl, "\n");
                }
        }
        return tab;
}

/* Draws the owner (or parent) of a namespace before it, so that its row can
 * hang under theirs. */
static void show_namespace(Lsns *ls, struct libscols_table *tab, const NsboxNsInfo *ns)
{
        const NsboxNsInfo *up = NULL;
        if (ls->tree == TREE_OWNER)
                up = ns->owner;
        else if (ls->tree == TREE_PARENT)
                up = ns->parent ? ns->parent : ns->owner;
        if (up && !linemap_get(&ls->ns_lines, up))
                show_namespace(ls, tab, up);
        add_line(ls, tab, ns, ns->proc);
}

static void show_namespaces(Lsns *ls, struct libscols_table *tab)
{
        size_t n = nsbox_ns_scan_n_namespaces(ls->scan);
        for (size_t i = 0; i < n; i++) {
                const NsboxNsInfo *ns = nsbox_ns_scan_namespace(ls->scan, i);
                if (ls->filter_pid != 0 && !nsbox_ns_info_has_process(ns, ls->filter_pid))
                        continue;
                if (ls->persist && ns->nprocs != 0)
                        continue;
                if (!linemap_get(&ls->ns_lines, ns))
                        show_namespace(ls, tab, ns);
        }
}

/* Draws the parent of a process first when it is in the same namespace. */
static void show_process(Lsns *ls, struct libscols_table *tab, const NsboxNsInfo *ns,
                         const NsboxNsProcess *proc)
{
        if (ls->tree == TREE_PROCESS && proc->parent && !linemap_get(&ls->proc_lines, proc->parent) &&
            proc->parent->ns[ns->type] == proc->ns[ns->type])
                show_process(ls, tab, ns, proc->parent);
        add_line(ls, tab, ns, proc);
}

static void show_namespace_processes(Lsns *ls, struct libscols_table *tab, const NsboxNsInfo *ns)
{
        for (size_t i = 0; i < ns->nprocs; i++)
                if (!linemap_get(&ls->proc_lines, ns->procs[i]))
                        show_process(ls, tab, ns, ns->procs[i]);
}

/* -------- command line -------- */

/* -H: the columns as a table, as util-linux 2.41's "lsns-columns". */
static int list_columns(bool raw, bool json)
{
        struct libscols_table *tab = scols_new_table();
        if (!tab)
                oom();
        scols_table_set_name(tab, "lsns-columns");
        scols_table_enable_noheadings(tab, 1);
        scols_table_enable_raw(tab, raw);
        scols_table_enable_json(tab, json);
        if (!scols_table_new_column(tab, "HOLDER", 0, SCOLS_FL_RIGHT) ||
            !scols_table_new_column(tab, "TYPE", 0, 0) || !scols_table_new_column(tab, "DESCRIPTION", 0, 0))
                oom();
        for (int i = 0; i < _COL_MAX; i++) {
                struct libscols_line *ln = scols_table_new_line(tab, NULL);
                if (!ln || scols_line_set_data(ln, 0, infos[i].name) != 0 ||
                    scols_line_set_data(ln, 1,
                                        infos[i].json_type == SCOLS_JSON_NUMBER ? "<integer>"
                                                                                : "<string>") != 0 ||
                    scols_line_set_data(ln, 2, infos[i].help) != 0)
                        oom();
        }
        scols_print_table(tab);
        scols_unref_table(tab);
        return EXIT_SUCCESS;
}

static void usage(void)
{
        FILE *out = stdout;
        fputs("\nUsage:\n", out);
        fprintf(out, " %s [options] [<namespace>]\n", program_invocation_name_cmd);
        fputs("\nList system namespaces.\n", out);
        fputs("\nOptions:\n", out);
        fputs(" -J, --json             use JSON output format\n", out);
        fputs(" -l, --list             use list format output\n", out);
        fputs(" -n, --noheadings       don't print headings\n", out);
        fputs(" -o, --output <list>    define which output columns to use\n", out);
        fputs("     --output-all       output all columns\n", out);
        fputs(" -P, --persistent       namespaces without processes\n", out);
        fputs(" -p, --task <pid>       print process namespaces\n", out);
        fputs(" -Q, --filter <expr>    apply display filter\n", out);
        fputs(" -r, --raw              use the raw output format\n", out);
        fputs(" -u, --notruncate       don't truncate text in columns\n", out);
        fputs(" -W, --nowrap           don't use multi-line representation\n", out);
        fputs(" -t, --type <name>      namespace type (mnt, net, ipc, user, pid, uts, cgroup, time)\n", out);
        fputs(" -T, --tree[=<rel>]     use tree format (parent, owner, or process)\n", out);
        fputs("\n", out);
        fputs(" -H, --list-columns     list the available columns\n", out);
        fputs(" -h, --help             display this help\n", out);
        fputs(" -V, --version          display version\n", out);
        fputs("\nAvailable output columns:\n", out);
        for (int i = 0; i < _COL_UTIL_LINUX; i++)
                fprintf(out, " %11s  %s\n", infos[i].name, infos[i].help);
        fputs("\nnsbox's own columns (not in --output-all):\n", out);
        for (int i = _COL_UTIL_LINUX; i < _COL_MAX; i++)
                fprintf(out, " %11s  %s\n", infos[i].name, infos[i].help);
        fputs("\nFor more details see lsns(8).\n", out);
}

/* util-linux's err_exclusive_options(): options in one group may not be mixed. */
static void check_exclusive(int c, const struct option *longopts, int *seen)
{
        static const int groups[][3] = {
                { 'J', 'r', 0 },
                { 'P', 'p', 0 },
                { 'l', 'T', 0 },
        };
        for (size_t g = 0; g < ELEMENTSOF(groups); g++) {
                for (const int *op = groups[g]; *op; op++) {
                        if (*op != c)
                                continue;
                        if (seen[g] == 0)
                                seen[g] = c;
                        else if (seen[g] != c) {
                                fprintf(stderr,
                                        "%s: mutually exclusive arguments:", program_invocation_name_cmd);
                                for (const int *o = groups[g]; *o; o++) {
                                        const char *name = NULL;
                                        for (const struct option *lo = longopts; lo->name; lo++)
                                                if (lo->val == *o)
                                                        name = lo->name;
                                        if (name)
                                                fprintf(stderr, " --%s", name);
                                        else
                                                fprintf(stderr, " -%c", *o);
                                }
                                fputc('\n', stderr);
                                exit(EXIT_FAILURE);
                        }
                        break;
                }
        }
}

static NsboxNsType type_from_proc_name(const char *name)
{
        /* Only the /proc/PID/ns names, as util-linux: "mount" is not a type here. */
        NsboxNsType t = nsbox_ns_type_from_name(name);
        return t != _NSBOX_NS_INVALID && streq(name, nsbox_ns_type_name(t)) ? t : _NSBOX_NS_INVALID;
}

/* Frees what a run holds, on every return path. */
static void lsns_done(Lsns *ls)
{
        linemap_done(&ls->proc_lines);
        linemap_done(&ls->ns_lines);
        cmdcache_done(&ls->commands);
        fnode_free(ls->filter);
        ls->filter = NULL;
        nsbox_ns_scan_free(ls->scan);
        ls->scan = NULL;
        user_cache_free();
}

int cmd_lsns(int argc, char **argv)
{
        enum {
                OPT_OUTPUT_ALL = CHAR_MAX + 1,
        };
        static const struct option longopts[] = {
                { "json", no_argument, NULL, 'J' },
                { "task", required_argument, NULL, 'p' },
                { "help", no_argument, NULL, 'h' },
                { "output", required_argument, NULL, 'o' },
                { "output-all", no_argument, NULL, OPT_OUTPUT_ALL },
                { "notruncate", no_argument, NULL, 'u' },
                { "version", no_argument, NULL, 'V' },
                { "noheadings", no_argument, NULL, 'n' },
                { "nowrap", no_argument, NULL, 'W' },
                { "list", no_argument, NULL, 'l' },
                { "raw", no_argument, NULL, 'r' },
                { "type", required_argument, NULL, 't' },
                { "tree", optional_argument, NULL, 'T' },
                { "persistent", no_argument, NULL, 'P' },
                { "list-columns", no_argument, NULL, 'H' },
                { "filter", required_argument, NULL, 'Q' },
                {},
        };
        _cleanup_(lsns_done) Lsns ls = { 0 };
        int seen[3] = { 0 };
        const char *outarg = NULL;
        bool force_list = false, is_net = false;
        int c;

        /* libsmartcols draws the tree with line characters only in a UTF-8 locale. */
        setlocale(LC_ALL, "");
        optind = 0;
        while ((c = getopt_long(argc, argv, "JlPp:o:nruhVt:T::WHQ:", longopts, NULL)) != -1) {
                check_exclusive(c, longopts, seen);
                switch (c) {
                case 'J':
                        ls.json = true;
                        break;
                case 'l':
                        force_list = true;
                        break;
                case 'o':
                        outarg = optarg;
                        break;
                case OPT_OUTPUT_ALL:
                        for (ls.ncolumns = 0; ls.ncolumns < _COL_UTIL_LINUX; ls.ncolumns++)
                                ls.columns[ls.ncolumns] = (int) ls.ncolumns;
                        break;
                case 'P':
                        ls.persist = true;
                        break;
                case 'p':
                        ls.filter_pid = parse_pid_or_die(optarg);
                        break;
                case 'Q':
                        fnode_free(ls.filter);
                        ls.filter = filter_parse(optarg);
                        break;
                case 'H':
                        /* As util-linux: at once, with the -J/-r given before it. */
                        return close_stdout(list_columns(ls.raw, ls.json));
                case 'n':
                        ls.no_headings = true;
                        break;
                case 'r':
                        ls.raw = ls.no_wrap = true;
                        break;
                case 'u':
                        ls.no_trunc = true;
                        break;
                case 'W':
                        ls.no_wrap = true;
                        break;
                case 't': {
                        NsboxNsType t = type_from_proc_name(optarg);
                        if (t == _NSBOX_NS_INVALID) {
                                log_error("unknown namespace type: %s", optarg);
                                return EXIT_FAILURE;
                        }
                        ls.types |= NSBOX_NS_TYPE_BIT(t);
                        if (t == NSBOX_NS_NET)
                                is_net = true;
                        break;
                }
                case 'T':
                        ls.tree = TREE_OWNER;
                        if (optarg) {
                                const char *a = optarg[0] == '=' ? optarg + 1 : optarg;
                                if (streq(a, "parent"))
                                        ls.tree = TREE_PARENT;
                                else if (streq(a, "process"))
                                        ls.tree = TREE_PROCESS;
                                else if (!streq(a, "owner")) {
                                        log_error("unknown tree type: %s", a);
                                        return EXIT_FAILURE;
                                }
                        }
                        break;
                case 'h':
                        usage();
                        return close_stdout(EXIT_SUCCESS);
                case 'V':
                        printf("%s from nsbox %s\n", program_invocation_name_cmd, NSBOX_VERSION);
                        return close_stdout(EXIT_SUCCESS);
                default:
                        errtryhelp();
                }
        }

        if (ls.types == 0)
                ls.types = NSBOX_NS_TYPES_ALL;

        if (optind < argc) {
                if (ls.filter_pid) {
                        log_error("--task is mutually exclusive with <namespace>");
                        return EXIT_FAILURE;
                }
                ls.filter_ns = parse_ns_or_die(argv[optind]);
                ls.have_filter_ns = ls.filter_ns != 0;
                if (ls.tree == TREE_NONE && !force_list)
                        ls.tree = TREE_PROCESS;
                if (ls.ncolumns == 0) {
                        ls.columns[ls.ncolumns++] = COL_PID;
                        ls.columns[ls.ncolumns++] = COL_PPID;
                        ls.columns[ls.ncolumns++] = COL_USER;
                        ls.columns[ls.ncolumns++] = COL_COMMAND;
                }
        }
        if (ls.ncolumns == 0) {
                ls.columns[ls.ncolumns++] = COL_NS;
                ls.columns[ls.ncolumns++] = COL_TYPE;
                ls.columns[ls.ncolumns++] = COL_NPROCS;
                ls.columns[ls.ncolumns++] = COL_PID;
                ls.columns[ls.ncolumns++] = COL_USER;
                if (is_net) {
                        ls.columns[ls.ncolumns++] = COL_NETNSID;
                        ls.columns[ls.ncolumns++] = COL_NSFS;
                }
                ls.columns[ls.ncolumns++] = COL_COMMAND;
                if (ls.tree == TREE_NONE && !force_list)
                        ls.tree = TREE_PROCESS;
        }
        if (outarg && parse_columns(&ls, outarg) < 0)
                return EXIT_FAILURE;
        if (ls.filter && filter_bind(ls.filter, &ls) > 0) {
                log_error("failed to initialize filter");
                return EXIT_FAILURE;
        }

        /* Namespaces that only a bind mount (2.39), an open fd or a socket (2.41)
         * holds are listed as util-linux does since then; those only a thread is
         * in too, which util-linux cannot see. */
        NsboxNsScanOptions opts = {
                .types = ls.types,
                .flags = NSBOX_NS_SCAN_MOUNTED | NSBOX_NS_SCAN_FDS | NSBOX_NS_SCAN_SOCKETS |
                         NSBOX_NS_SCAN_THREADS,
        };
        /* Parents and owners cost two ioctls per namespace: only when shown. */
        if (has_column(&ls, COL_PNS) || has_column(&ls, COL_ONS))
                opts.flags |= NSBOX_NS_SCAN_RELATIONS;
        if (has_column(&ls, COL_NETNSID))
                opts.flags |= NSBOX_NS_SCAN_NETNSID;
        if (has_column(&ls, COL_NSFS))
                opts.flags |= NSBOX_NS_SCAN_NSFS_PATHS;
        if (has_column(&ls, COL_CONTAINER))
                opts.flags |= NSBOX_NS_SCAN_CONTAINERS;
        if (ls.tree == TREE_OWNER || ls.tree == TREE_PARENT)
                opts.flags |= NSBOX_NS_SCAN_CONNECT;

        NsboxError *err = NULL;
        int r = nsbox_ns_scan(&opts, &ls.scan, &err);
        if (r < 0) {
                log_nsbox_error(err, r);
                nsbox_error_free(err);
                return EXIT_FAILURE;
        }

        int status = EXIT_SUCCESS;
        struct libscols_table *tab = NULL;
        if (ls.have_filter_ns) {
                const NsboxNsInfo *ns = nsbox_ns_scan_find(ls.scan, ls.filter_ns);
                if (!ns) {
                        log_error("not found namespace: %" PRIu64, ls.filter_ns);
                        status = EXIT_FAILURE;
                        goto out;
                }
                tab = new_table(&ls);
                show_namespace_processes(&ls, tab, ns);
        } else {
                tab = new_table(&ls);
                show_namespaces(&ls, tab);
        }
        scols_print_table(tab);
out:
        scols_unref_table(tab);
        return close_stdout(status);
}
