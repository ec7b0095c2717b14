/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The in-memory container configuration and its config.json form
 * (runtime-spec 1.2: config.md, config-linux.md). */
#include <jansson.h>
#include <linux/capability.h>
#include <sys/capability.h>
#include <sys/resource.h>

#include "basic/macro.h"
#include "basic/parse.h"
#include "nsbox/internal.h"

static char **strv_dup(const char *const *l)
{
        size_t n = 0;
        if (l)
                while (l[n])
                        n++;
        char **r = calloc(n + 1, sizeof(char *));
        if (!r)
                return NULL;
        for (size_t i = 0; i < n; i++)
                if (!(r[i] = strdup(l[i]))) {
                        strv_free(r);
                        return NULL;
                }
        return r;
}

NsboxSpec *nsbox_spec_new(void)
{
        NsboxSpec *s = calloc(1, sizeof(*s));
        if (!s)
                return NULL;
        s->oci_version = strdup("1.2.0");
        if (!s->oci_version) {
                free(s);
                return NULL;
        }
        return s;
}

void nsbox_spec_free(NsboxSpec *s)
{
        if (!s)
                return;
        free(s->oci_version);
        strv_free(s->process.args);
        strv_free(s->process.env);
        free(s->process.cwd);
        free(s->process.additional_gids);
        free(s->process.rlimits);
        nsbox_seccomp_free(s->linux_cfg.seccomp);
        free(s->root.path);
        free(s->hostname);
        free(s->domainname);
        for (size_t i = 0; i < s->n_mounts; i++) {
                free(s->mounts[i].destination);
                free(s->mounts[i].type);
                free(s->mounts[i].source);
                strv_free(s->mounts[i].options);
        }
        free(s->mounts);
        for (int t = 0; t < _NSBOX_NS_MAX; t++)
                free(s->linux_cfg.namespace_paths[t]);
        free(s->linux_cfg.uid_mappings);
        free(s->linux_cfg.gid_mappings);
        strv_free(s->linux_cfg.masked_paths);
        strv_free(s->linux_cfg.readonly_paths);
        free(s->linux_cfg.rootfs_propagation);
        free(s->linux_cfg.cgroups_path);
        free(s->linux_cfg.resources.cpu.cpus);
        free(s->linux_cfg.resources.cpu.mems);
        free(s->linux_cfg.resources.block_io.throttle_read_bps);
        free(s->linux_cfg.resources.block_io.throttle_write_bps);
        strv_free(s->linux_cfg.resources.unified);
        free(s->ext.cgroup_root);
        for (size_t i = 0; i < s->ext.n_files; i++) {
                free(s->ext.files[i].destination);
                free(s->ext.files[i].content);
        }
        free(s->ext.files);
        nsbox_spec_free_oci(s);
        free(s);
}

int nsbox_spec_add_mount(NsboxSpec *s, const char *destination, const char *type, const char *source,
                         const char *const *options)
{
        if (!destination || destination[0] != '/')
                return -EINVAL;
        NsboxMount *n = realloc(s->mounts, (s->n_mounts + 1) * sizeof(NsboxMount));
        if (!n)
                return -ENOMEM;
        s->mounts = n;
        NsboxMount m = {
                .destination = strdup(destination),
                .type = type ? strdup(type) : NULL,
                .source = source ? strdup(source) : NULL,
                .options = strv_dup(options),
        };
        if (!m.destination || (type && !m.type) || (source && !m.source) || !m.options) {
                free(m.destination);
                free(m.type);
                free(m.source);
                strv_free(m.options);
                return -ENOMEM;
        }
        s->mounts[s->n_mounts++] = m;
        return 0;
}

int nsbox_spec_add_file(NsboxSpec *s, const char *destination, const char *content, mode_t mode)
{
        if (!destination || destination[0] != '/')
                return -EINVAL;
        NsboxFile *n = realloc(s->ext.files, (s->ext.n_files + 1) * sizeof(NsboxFile));
        if (!n)
                return -ENOMEM;
        s->ext.files = n;
        NsboxFile f = { .destination = strdup(destination),
                        .content = strdup(content ? content : ""),
                        .mode = mode };
        if (!f.destination || !f.content) {
                free(f.destination);
                free(f.content);
                return -ENOMEM;
        }
        s->ext.files[s->ext.n_files++] = f;
        return 0;
}

int nsbox_spec_add_default_mounts(NsboxSpec *s)
{
        static const struct {
                const char *dest, *type, *source;
                const char *opts[8];
        } defaults[] = {
                { "/proc", "proc", "proc", { "nosuid", "noexec", "nodev", NULL } },
                { "/dev", "tmpfs", "tmpfs", { "nosuid", "strictatime", "mode=755", "size=65536k", NULL } },
                { "/dev/pts",
                  "devpts",
                  "devpts",
                  { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL } },
                { "/dev/shm",
                  "tmpfs",
                  "shm",
                  { "nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL } },
                { "/dev/mqueue", "mqueue", "mqueue", { "nosuid", "noexec", "nodev", NULL } },
                { "/sys", "sysfs", "sysfs", { "nosuid", "noexec", "nodev", "ro", NULL } },
        };
        for (size_t i = 0; i < ELEMENTSOF(defaults); i++) {
                int r = nsbox_spec_add_mount(s, defaults[i].dest, defaults[i].type, defaults[i].source,
                                             defaults[i].opts);
                if (r < 0)
                        return r;
        }
        return 0;
}

uint64_t nsbox_cap_default_set(void)
{
        static const int caps[] = {
                CAP_CHOWN,   CAP_DAC_OVERRIDE, CAP_FSETID,           CAP_FOWNER,
                CAP_MKNOD,   CAP_NET_RAW,      CAP_SETGID,           CAP_SETUID,
                CAP_SETFCAP, CAP_SETPCAP,      CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT,
                CAP_KILL,    CAP_AUDIT_WRITE,
        };
        uint64_t m = 0;
        for (size_t i = 0; i < ELEMENTSOF(caps); i++)
                m |= UINT64_C(1) << caps[i];
        return m;
}

int nsbox_cap_from_name(const char *name, int *ret)
{
        char buf[64];
        if (!name || strlen(name) > 40)
                return -EINVAL;
        /* libcap's cap_from_name() reads "sys_admin,bogus" as sys_admin: take
         * nothing but letters, digits and '_' */
        if (name[strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")])
                return -EINVAL;
        bool prefixed = strncasecmp(name, "CAP_", 4) == 0;
        snprintf(buf, sizeof(buf), "%s%s", prefixed ? "" : "cap_", name);
        for (char *p = buf; *p; p++)
                *p = (char) (*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        cap_value_t c;
        /* libcap also takes numbers: a name must start with a letter after CAP_ */
        if (!(buf[4] >= 'a' && buf[4] <= 'z') || cap_from_name(buf, &c) < 0 || c < 0 || c > 63)
                return -EINVAL;
        *ret = (int) c;
        return 0;
}

static const struct {
        int type;
        const char *name;
} rlimit_names[] = {
        { RLIMIT_AS, "RLIMIT_AS" },
        { RLIMIT_CORE, "RLIMIT_CORE" },
        { RLIMIT_CPU, "RLIMIT_CPU" },
        { RLIMIT_DATA, "RLIMIT_DATA" },
        { RLIMIT_FSIZE, "RLIMIT_FSIZE" },
        { RLIMIT_LOCKS, "RLIMIT_LOCKS" },
        { RLIMIT_MEMLOCK, "RLIMIT_MEMLOCK" },
        { RLIMIT_MSGQUEUE, "RLIMIT_MSGQUEUE" },
        { RLIMIT_NICE, "RLIMIT_NICE" },
        { RLIMIT_NOFILE, "RLIMIT_NOFILE" },
        { RLIMIT_NPROC, "RLIMIT_NPROC" },
        { RLIMIT_RSS, "RLIMIT_RSS" },
        { RLIMIT_RTPRIO, "RLIMIT_RTPRIO" },
        { RLIMIT_RTTIME, "RLIMIT_RTTIME" },
        { RLIMIT_SIGPENDING, "RLIMIT_SIGPENDING" },
        { RLIMIT_STACK, "RLIMIT_STACK" },
};

int nsbox_rlimit_from_name(const char *name)
{
        for (size_t i = 0; i < ELEMENTSOF(rlimit_names); i++)
                if (streq(name, rlimit_names[i].name) || strcasecmp(name, rlimit_names[i].name + 7) == 0)
                        return rlimit_names[i].type;
        return -EINVAL;
}

const char *nsbox_rlimit_name(int type)
{
        for (size_t i = 0; i < ELEMENTSOF(rlimit_names); i++)
                if (rlimit_names[i].type == type)
                        return rlimit_names[i].name;
        return NULL;
}

/* ---- config.json ---- */

static json_t *strv_to_json(char **l)
{
        json_t *a = json_array();
        for (char **i = l; i && *i; i++)
                json_array_append_new(a, json_string(*i));
        return a;
}

static json_t *caps_to_json(uint64_t mask)
{
        json_t *a = json_array();
        for (int c = 0; c <= 63; c++) {
                if (!(mask & (UINT64_C(1) << c)))
                        continue;
                char *name = cap_to_name((cap_value_t) c); /* "cap_chown" */
                if (!name)
                        continue;
                char up[64];
                size_t k;
                for (k = 0; name[k] && k < sizeof(up) - 1; k++)
                        up[k] = (char) (name[k] >= 'a' && name[k] <= 'z' ? name[k] - 32 : name[k]);
                up[k] = 0;
                cap_free(name);
                json_array_append_new(a, json_string(up));
        }
        return a;
}

static json_t *idmaps_to_json(const NsboxIdMapping *m, size_t n)
{
        json_t *a = json_array();
        for (size_t i = 0; i < n; i++)
                json_array_append_new(
                        a, json_pack("{s:I,s:I,s:I}", "containerID", (json_int_t) m[i].container_id,
                                     "hostID", (json_int_t) m[i].host_id, "size", (json_int_t) m[i].size));
        return a;
}

static json_t *throttle_to_json(const NsboxThrottleDevice *d, size_t n)
{
        json_t *a = json_array();
        for (size_t i = 0; i < n; i++)
                json_array_append_new(a,
                                      json_pack("{s:I,s:I,s:I}", "major", (json_int_t) d[i].major, "minor",
                                                (json_int_t) d[i].minor, "rate", (json_int_t) d[i].rate));
        return a;
}

/* linux.resources, only what is set; NULL when nothing is */
static json_t *resources_to_json(const NsboxResources *r)
{
        json_t *res = json_object(), *mem = json_object(), *cpu = json_object(), *bio = json_object();
        if (r->memory.has_limit)
                json_object_set_new(mem, "limit", json_integer(r->memory.limit));
        if (r->memory.has_reservation)
                json_object_set_new(mem, "reservation", json_integer(r->memory.reservation));
        if (r->memory.has_swap)
                json_object_set_new(mem, "swap", json_integer(r->memory.swap));
        if (r->cpu.has_shares)
                json_object_set_new(cpu, "shares", json_integer((json_int_t) r->cpu.shares));
        if (r->cpu.has_quota)
                json_object_set_new(cpu, "quota", json_integer(r->cpu.quota));
        if (r->cpu.has_period)
                json_object_set_new(cpu, "period", json_integer((json_int_t) r->cpu.period));
        if (r->cpu.cpus)
                json_object_set_new(cpu, "cpus", json_string(r->cpu.cpus));
        if (r->cpu.mems)
                json_object_set_new(cpu, "mems", json_string(r->cpu.mems));
        if (r->block_io.has_weight)
                json_object_set_new(bio, "weight", json_integer(r->block_io.weight));
        if (r->block_io.n_throttle_read_bps)
                json_object_set_new(
                        bio, "throttleReadBpsDevice",
                        throttle_to_json(r->block_io.throttle_read_bps, r->block_io.n_throttle_read_bps));
        if (r->block_io.n_throttle_write_bps)
                json_object_set_new(
                        bio, "throttleWriteBpsDevice",
                        throttle_to_json(r->block_io.throttle_write_bps, r->block_io.n_throttle_write_bps));
        if (json_object_size(mem))
                json_object_set(res, "memory", mem);
        if (json_object_size(cpu))
                json_object_set(res, "cpu", cpu);
        if (r->pids.has_limit)
                json_object_set_new(res, "pids", json_pack("{s:I}", "limit", (json_int_t) r->pids.limit));
        if (json_object_size(bio))
                json_object_set(res, "blockIO", bio);
        if (r->unified && r->unified[0]) {
                json_t *u = json_object();
                for (char **k = r->unified; k[0] && k[1]; k += 2)
                        json_object_set_new(u, k[0], json_string(k[1]));
                json_object_set_new(res, "unified", u);
        }
        json_decref(mem);
        json_decref(cpu);
        json_decref(bio);
        if (json_object_size(res) == 0) {
                json_decref(res);
                return NULL;
        }
        return res;
}

int nsbox_spec_to_json(const NsboxSpec *s, char **ret)
{
        json_t *root = json_object();
        if (!root)
                return -ENOMEM;
        json_object_set_new(root, "ociVersion", json_string(s->oci_version ? s->oci_version : "1.2.0"));

        json_t *caps = json_pack("{s:o,s:o,s:o,s:o,s:o}", "bounding", caps_to_json(s->process.cap_bounding),
                                 "effective", caps_to_json(s->process.cap_effective), "permitted",
                                 caps_to_json(s->process.cap_permitted), "inheritable",
                                 caps_to_json(s->process.cap_inheritable), "ambient",
                                 caps_to_json(s->process.cap_ambient));
        json_t *gids = json_array();
        for (size_t i = 0; i < s->process.n_additional_gids; i++)
                json_array_append_new(gids, json_integer(s->process.additional_gids[i]));
        json_t *user = json_pack("{s:I,s:I}", "uid", (json_int_t) s->process.uid, "gid",
                                 (json_int_t) s->process.gid);
        if (json_array_size(gids) > 0)
                json_object_set(user, "additionalGids", gids);
        json_decref(gids);
        json_t *proc = json_pack("{s:b,s:o,s:o,s:o,s:s,s:o,s:b}", "terminal", s->process.terminal, "user",
                                 user, "args", strv_to_json(s->process.args), "env",
                                 strv_to_json(s->process.env), "cwd", s->process.cwd ? s->process.cwd : "/",
                                 "capabilities", caps, "noNewPrivileges", s->process.no_new_privileges);
        if (s->process.console_height || s->process.console_width)
                json_object_set_new(proc, "consoleSize",
                                    json_pack("{s:I,s:I}", "height", (json_int_t) s->process.console_height,
                                              "width", (json_int_t) s->process.console_width));
        if (s->process.n_rlimits) {
                json_t *rl = json_array();
                for (size_t i = 0; i < s->process.n_rlimits; i++) {
                        const NsboxRlimit *l = &s->process.rlimits[i];
                        const char *n = nsbox_rlimit_name(l->type);
                        json_array_append_new(rl,
                                              json_pack("{s:s,s:I,s:I}", "type", n ? n : "", "hard",
                                                        (json_int_t) l->hard, "soft", (json_int_t) l->soft));
                }
                json_object_set_new(proc, "rlimits", rl);
        }
        if (s->process.has_oom_score_adj)
                json_object_set_new(proc, "oomScoreAdj", json_integer(s->process.oom_score_adj));
        json_object_set_new(root, "process", proc);
        json_object_set_new(root, "root",
                            json_pack("{s:s,s:b}", "path", s->root.path ? s->root.path : "", "readonly",
                                      s->root.readonly));
        if (s->hostname)
                json_object_set_new(root, "hostname", json_string(s->hostname));
        if (s->domainname)
                json_object_set_new(root, "domainname", json_string(s->domainname));

        json_t *mounts = json_array();
        for (size_t i = 0; i < s->n_mounts; i++) {
                const NsboxMount *m = &s->mounts[i];
                json_t *o = json_pack("{s:s}", "destination", m->destination);
                if (m->type)
                        json_object_set_new(o, "type", json_string(m->type));
                if (m->source)
                        json_object_set_new(o, "source", json_string(m->source));
                if (m->options && m->options[0])
                        json_object_set_new(o, "options", strv_to_json(m->options));
                json_array_append_new(mounts, o);
        }
        json_object_set_new(root, "mounts", mounts);

        json_t *lx = json_object();
        json_t *nss = json_array();
        for (int t = 0; t < _NSBOX_NS_MAX; t++) {
                if (!s->linux_cfg.namespaces[t])
                        continue;
                json_t *o = json_pack("{s:s}", "type", nsbox_ns_type_oci_name((NsboxNsType) t));
                if (s->linux_cfg.namespace_paths[t])
                        json_object_set_new(o, "path", json_string(s->linux_cfg.namespace_paths[t]));
                json_array_append_new(nss, o);
        }
        json_object_set_new(lx, "namespaces", nss);
        if (s->linux_cfg.n_uid_mappings)
                json_object_set_new(lx, "uidMappings",
                                    idmaps_to_json(s->linux_cfg.uid_mappings, s->linux_cfg.n_uid_mappings));
        if (s->linux_cfg.n_gid_mappings)
                json_object_set_new(lx, "gidMappings",
                                    idmaps_to_json(s->linux_cfg.gid_mappings, s->linux_cfg.n_gid_mappings));
        if (s->linux_cfg.masked_paths)
                json_object_set_new(lx, "maskedPaths", strv_to_json(s->linux_cfg.masked_paths));
        if (s->linux_cfg.readonly_paths)
                json_object_set_new(lx, "readonlyPaths", strv_to_json(s->linux_cfg.readonly_paths));
        if (s->linux_cfg.rootfs_propagation)
                json_object_set_new(lx, "rootfsPropagation", json_string(s->linux_cfg.rootfs_propagation));
        if (s->linux_cfg.cgroups_path)
                json_object_set_new(lx, "cgroupsPath", json_string(s->linux_cfg.cgroups_path));
        json_t *res = resources_to_json(&s->linux_cfg.resources);
        if (res)
                json_object_set_new(lx, "resources", res);
        if (s->linux_cfg.seccomp)
                json_object_set_new(lx, "seccomp", nsbox_seccomp_to_object(s->linux_cfg.seccomp));
        json_object_set_new(root, "linux", lx);

        json_t *ann = json_object();
        if (s->ext.root_overlay)
                json_object_set_new(ann, "org.nsbox.root.overlay", json_string("true"));
        if (s->ext.init)
                json_object_set_new(ann, "org.nsbox.init", json_string("true"));
        if (s->ext.cgroup_root)
                json_object_set_new(ann, "org.nsbox.cgroup.root", json_string(s->ext.cgroup_root));
        if (s->ext.cgroup_best_effort)
                json_object_set_new(ann, "org.nsbox.cgroup.limits", json_string("best-effort"));
        if (s->ext.preserve_fds) {
                char n[16];
                snprintf(n, sizeof(n), "%u", s->ext.preserve_fds);
                json_object_set_new(ann, "org.nsbox.preserveFds", json_string(n));
        }
        for (size_t i = 0; i < s->ext.n_files; i++) {
                char key[4200];
                snprintf(key, sizeof(key), "org.nsbox.file.%s", s->ext.files[i].destination);
                json_object_set_new(ann, key, json_string(s->ext.files[i].content));
        }
        if (json_object_size(ann) > 0)
                json_object_set_new(root, "annotations", ann);
        else
                json_decref(ann);
        nsbox_spec_oci_to_json(s, root);

        char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_decref(root);
        if (!text)
                return -ENOMEM;
        *ret = text;
        return 0;
}

/* Parsing: every field is checked for its type; the first problem is reported
 * with the JSON path, e.g. "config.json: process.args: expected an array of strings". */

static int bad(NsboxError **reterr, const char *path, const char *what)
{
        return nsbox_error_set_message(reterr, EINVAL, "config.json: %s: %s", path, what);
}

static int get_strv(json_t *v, const char *path, char ***ret, NsboxError **reterr)
{
        if (!json_is_array(v))
                return bad(reterr, path, "expected an array of strings");
        size_t n = json_array_size(v);
        char **l = calloc(n + 1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_t *e = json_array_get(v, i);
                if (!json_is_string(e)) {
                        strv_free(l);
                        return bad(reterr, path, "expected an array of strings");
                }
                if (!(l[i] = strdup(json_string_value(e)))) {
                        strv_free(l);
                        return -ENOMEM;
                }
        }
        strv_free(*ret);
        *ret = l;
        return 0;
}

static int get_str(json_t *v, const char *path, char **ret, NsboxError **reterr)
{
        if (!json_is_string(v))
                return bad(reterr, path, "expected a string");
        char *c = strdup(json_string_value(v));
        if (!c)
                return -ENOMEM;
        free(*ret);
        *ret = c;
        return 0;
}

static int get_u32(json_t *v, const char *path, uint32_t *ret, NsboxError **reterr)
{
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > UINT32_MAX)
                return bad(reterr, path, "expected an integer from 0 to 4294967295");
        *ret = (uint32_t) json_integer_value(v);
        return 0;
}

static int get_caps(json_t *v, const char *path, uint64_t *ret, NsboxError **reterr)
{
        if (!json_is_array(v))
                return bad(reterr, path, "expected an array of capability names");
        uint64_t m = 0;
        size_t i;
        json_t *e;
        json_array_foreach (v, i, e) {
                cap_value_t c;
                if (!json_is_string(e) || cap_from_name(json_string_value(e), &c) < 0 || c < 0 || c > 63)
                        return nsbox_error_set_message(reterr, EINVAL,
                                                       "config.json: %s: unknown capability %s", path,
                                                       json_is_string(e) ? json_string_value(e) : "");
                m |= UINT64_C(1) << c;
        }
        *ret = m;
        return 0;
}

static int get_idmaps(json_t *v, const char *path, NsboxIdMapping **ret, size_t *ret_n, NsboxError **reterr)
{
        if (!json_is_array(v))
                return bad(reterr, path, "expected an array of id mappings");
        size_t n = json_array_size(v);
        NsboxIdMapping *m = calloc(n ? n : 1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_t *e = json_array_get(v, i);
                int r;
                if (!json_is_object(e) ||
                    (r = get_u32(json_object_get(e, "containerID"), path, &m[i].container_id, reterr)) < 0 ||
                    (r = get_u32(json_object_get(e, "hostID"), path, &m[i].host_id, reterr)) < 0 ||
                    (r = get_u32(json_object_get(e, "size"), path, &m[i].size, reterr)) < 0) {
                        free(m);
                        return bad(reterr, path, "expected containerID, hostID and size");
                }
        }
        free(*ret);
        *ret = m;
        *ret_n = n;
        return 0;
}

static int parse_process(NsboxSpec *s, json_t *p, NsboxError **reterr)
{
        json_t *v;
        int r;
        if (!json_is_object(p))
                return bad(reterr, "process", "expected an object");
        if ((v = json_object_get(p, "terminal"))) {
                if (!json_is_boolean(v))
                        return bad(reterr, "process.terminal", "expected true or false");
                s->process.terminal = json_is_true(v);
        }
        if ((v = json_object_get(p, "args")) &&
            (r = get_strv(v, "process.args", &s->process.args, reterr)) < 0)
                return r;
        if ((v = json_object_get(p, "env")) && (r = get_strv(v, "process.env", &s->process.env, reterr)) < 0)
                return r;
        if ((v = json_object_get(p, "cwd"))) {
                if ((r = get_str(v, "process.cwd", &s->process.cwd, reterr)) < 0)
                        return r;
                if (s->process.cwd[0] != '/')
                        return bad(reterr, "process.cwd", "must be an absolute path");
        }
        if ((v = json_object_get(p, "noNewPrivileges"))) {
                if (!json_is_boolean(v))
                        return bad(reterr, "process.noNewPrivileges", "expected true or false");
                s->process.no_new_privileges = json_is_true(v);
        }
        if ((v = json_object_get(p, "consoleSize"))) {
                uint32_t h, w;
                if (!json_is_object(v))
                        return bad(reterr, "process.consoleSize", "expected an object");
                if ((r = get_u32(json_object_get(v, "height"), "process.consoleSize.height", &h, reterr)) <
                            0 ||
                    (r = get_u32(json_object_get(v, "width"), "process.consoleSize.width", &w, reterr)) < 0)
                        return r;
                if (h > 0xffff || w > 0xffff)
                        return bad(reterr, "process.consoleSize", "height and width must be below 65536");
                s->process.console_height = (unsigned short) h;
                s->process.console_width = (unsigned short) w;
        }
        json_t *u = json_object_get(p, "user");
        if (u) {
                uint32_t x;
                if (!json_is_object(u))
                        return bad(reterr, "process.user", "expected an object");
                if ((v = json_object_get(u, "uid"))) {
                        if ((r = get_u32(v, "process.user.uid", &x, reterr)) < 0)
                                return r;
                        s->process.uid = x;
                }
                if ((v = json_object_get(u, "gid"))) {
                        if ((r = get_u32(v, "process.user.gid", &x, reterr)) < 0)
                                return r;
                        s->process.gid = x;
                }
                if ((v = json_object_get(u, "additionalGids"))) {
                        if (!json_is_array(v))
                                return bad(reterr, "process.user.additionalGids", "expected an array");
                        size_t n = json_array_size(v);
                        gid_t *g = calloc(n ? n : 1, sizeof(gid_t));
                        if (!g)
                                return -ENOMEM;
                        for (size_t i = 0; i < n; i++) {
                                if ((r = get_u32(json_array_get(v, i), "process.user.additionalGids", &x,
                                                 reterr)) < 0) {
                                        free(g);
                                        return r;
                                }
                                g[i] = x;
                        }
                        free(s->process.additional_gids);
                        s->process.additional_gids = g;
                        s->process.n_additional_gids = n;
                }
        }
        if ((v = json_object_get(p, "oomScoreAdj"))) {
                if (!json_is_integer(v) || json_integer_value(v) < -1000 || json_integer_value(v) > 1000)
                        return bad(reterr, "process.oomScoreAdj", "expected an integer from -1000 to 1000");
                s->process.has_oom_score_adj = true;
                s->process.oom_score_adj = (int) json_integer_value(v);
        }
        if ((v = json_object_get(p, "rlimits"))) {
                size_t i;
                json_t *e;
                if (!json_is_array(v))
                        return bad(reterr, "process.rlimits", "expected an array");
                NsboxRlimit *l = calloc(json_array_size(v) + 1, sizeof(*l));
                if (!l)
                        return -ENOMEM;
                free(s->process.rlimits);
                s->process.rlimits = l;
                s->process.n_rlimits = 0;
                json_array_foreach (v, i, e) {
                        json_t *t = json_object_get(e, "type"), *h = json_object_get(e, "hard"),
                               *so = json_object_get(e, "soft");
                        int type =
                                json_is_string(t) ? nsbox_rlimit_from_name(json_string_value(t)) : -EINVAL;
                        if (type < 0 || !startswith(json_string_value(t), "RLIMIT_"))
                                return nsbox_error_set_message(
                                        reterr, EINVAL, "config.json: process.rlimits: unknown type %s",
                                        json_is_string(t) ? json_string_value(t) : "");
                        if (!json_is_integer(h) || !json_is_integer(so))
                                return bad(reterr, "process.rlimits", "expected integers hard and soft");
                        l[i] = (NsboxRlimit){ .type = type,
                                              .hard = (uint64_t) json_integer_value(h),
                                              .soft = (uint64_t) json_integer_value(so) };
                        if (l[i].soft > l[i].hard)
                                return bad(reterr, "process.rlimits", "soft limit above the hard limit");
                        s->process.n_rlimits = i + 1;
                }
        }
        json_t *c = json_object_get(p, "capabilities");
        if (c) {
                static const char *const names[] = { "bounding", "effective", "permitted", "inheritable",
                                                     "ambient" };
                uint64_t *dst[] = { &s->process.cap_bounding, &s->process.cap_effective,
                                    &s->process.cap_permitted, &s->process.cap_inheritable,
                                    &s->process.cap_ambient };
                if (!json_is_object(c))
                        return bad(reterr, "process.capabilities", "expected an object");
                for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                        char path[64];
                        snprintf(path, sizeof(path), "process.capabilities.%s", names[i]);
                        if ((v = json_object_get(c, names[i])) &&
                            (r = get_caps(v, path, dst[i], reterr)) < 0)
                                return r;
                }
        }
        return 0;
}

static int get_i64(json_t *v, const char *path, int64_t min, int64_t *ret, NsboxError **reterr)
{
        if (!json_is_integer(v) || json_integer_value(v) < min)
                return nsbox_error_set_message(reterr, EINVAL,
                                               "config.json: %s: expected an integer, %lld or more", path,
                                               (long long) min);
        *ret = json_integer_value(v);
        return 0;
}

static int get_throttle(json_t *v, const char *path, NsboxThrottleDevice **ret, size_t *ret_n,
                        NsboxError **reterr)
{
        if (!json_is_array(v))
                return bad(reterr, path, "expected an array of {major, minor, rate}");
        size_t n = json_array_size(v);
        NsboxThrottleDevice *d = calloc(n ? n : 1, sizeof(*d));
        if (!d)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_t *e = json_array_get(v, i);
                int64_t rate = 0;
                if (!json_is_object(e) ||
                    get_i64(json_object_get(e, "major"), path, 0, &d[i].major, NULL) < 0 ||
                    get_i64(json_object_get(e, "minor"), path, 0, &d[i].minor, NULL) < 0 ||
                    get_i64(json_object_get(e, "rate"), path, 0, &rate, NULL) < 0) {
                        free(d);
                        return bad(reterr, path, "expected an array of {major, minor, rate}");
                }
                d[i].rate = (uint64_t) rate;
        }
        free(*ret);
        *ret = d;
        *ret_n = n;
        return 0;
}

/* linux.resources: the parts nsbox applies (memory, cpu, pids, blockIO,
 * unified); the others are not accepted silently but refused, so a limit
 * never goes missing unnoticed. */
static int parse_resources(NsboxResources *res, json_t *r, NsboxError **reterr)
{
        json_t *o, *v;
        int rc;
        int64_t x = 0;
        if (!json_is_object(r))
                return bad(reterr, "linux.resources", "expected an object");
        const char *key;
        /* "devices", the device cgroup's allow-list that every engine sends,
         * is applied by the OCI runtime itself (src/oci-cgroup.c) */
        json_object_foreach (r, key, v)
                if (!streq(key, "memory") && !streq(key, "cpu") && !streq(key, "pids") &&
                    !streq(key, "blockIO") && !streq(key, "unified") && !streq(key, "devices"))
                        return nsbox_error_set_message(
                                reterr, EOPNOTSUPP, "config.json: linux.resources.%s: not supported", key);
        if ((o = json_object_get(r, "memory"))) {
                if (!json_is_object(o))
                        return bad(reterr, "linux.resources.memory", "expected an object");
                if ((v = json_object_get(o, "limit"))) {
                        if ((rc = get_i64(v, "linux.resources.memory.limit", -1, &res->memory.limit,
                                          reterr)) < 0)
                                return rc;
                        res->memory.has_limit = true;
                }
                if ((v = json_object_get(o, "reservation"))) {
                        if ((rc = get_i64(v, "linux.resources.memory.reservation", -1,
                                          &res->memory.reservation, reterr)) < 0)
                                return rc;
                        res->memory.has_reservation = true;
                }
                if ((v = json_object_get(o, "swap"))) {
                        if ((rc = get_i64(v, "linux.resources.memory.swap", -1, &res->memory.swap, reterr)) <
                            0)
                                return rc;
                        res->memory.has_swap = true;
                }
        }
        if ((o = json_object_get(r, "cpu"))) {
                if (!json_is_object(o))
                        return bad(reterr, "linux.resources.cpu", "expected an object");
                if ((v = json_object_get(o, "shares"))) {
                        if ((rc = get_i64(v, "linux.resources.cpu.shares", 0, &x, reterr)) < 0)
                                return rc;
                        res->cpu.shares = (uint64_t) x;
                        res->cpu.has_shares = true;
                }
                if ((v = json_object_get(o, "quota"))) {
                        if ((rc = get_i64(v, "linux.resources.cpu.quota", -1, &res->cpu.quota, reterr)) < 0)
                                return rc;
                        res->cpu.has_quota = true;
                }
                if ((v = json_object_get(o, "period"))) {
                        if ((rc = get_i64(v, "linux.resources.cpu.period", 0, &x, reterr)) < 0)
                                return rc;
                        res->cpu.period = (uint64_t) x;
                        res->cpu.has_period = true;
                }
                if ((v = json_object_get(o, "cpus")) &&
                    (rc = get_str(v, "linux.resources.cpu.cpus", &res->cpu.cpus, reterr)) < 0)
                        return rc;
                if ((v = json_object_get(o, "mems")) &&
                    (rc = get_str(v, "linux.resources.cpu.mems", &res->cpu.mems, reterr)) < 0)
                        return rc;
        }
        if ((o = json_object_get(r, "pids"))) {
                if (!json_is_object(o))
                        return bad(reterr, "linux.resources.pids", "expected an object");
                if ((rc = get_i64(json_object_get(o, "limit"), "linux.resources.pids.limit", -1,
                                  &res->pids.limit, reterr)) < 0)
                        return rc;
                res->pids.has_limit = true;
        }
        if ((o = json_object_get(r, "blockIO"))) {
                if (!json_is_object(o))
                        return bad(reterr, "linux.resources.blockIO", "expected an object");
                if ((v = json_object_get(o, "weight"))) {
                        if ((rc = get_i64(v, "linux.resources.blockIO.weight", 0, &x, reterr)) < 0)
                                return rc;
                        if (x > 1000)
                                return bad(reterr, "linux.resources.blockIO.weight", "expected 10 to 1000");
                        res->block_io.weight = (uint16_t) x;
                        res->block_io.has_weight = true;
                }
                if ((v = json_object_get(o, "throttleReadBpsDevice")) &&
                    (rc = get_throttle(v, "linux.resources.blockIO.throttleReadBpsDevice",
                                       &res->block_io.throttle_read_bps, &res->block_io.n_throttle_read_bps,
                                       reterr)) < 0)
                        return rc;
                if ((v = json_object_get(o, "throttleWriteBpsDevice")) &&
                    (rc = get_throttle(v, "linux.resources.blockIO.throttleWriteBpsDevice",
                                       &res->block_io.throttle_write_bps,
                                       &res->block_io.n_throttle_write_bps, reterr)) < 0)
                        return rc;
        }
        if ((o = json_object_get(r, "unified"))) {
                if (!json_is_object(o))
                        return bad(reterr, "linux.resources.unified", "expected an object of strings");
                size_t n = 0;
                char **l = calloc(2 * json_object_size(o) + 1, sizeof(char *));
                if (!l)
                        return -ENOMEM;
                json_object_foreach (o, key, v) {
                        if (!json_is_string(v)) {
                                strv_free(l);
                                return bad(reterr, "linux.resources.unified",
                                           "expected an object of strings");
                        }
                        if (!(l[n++] = strdup(key)) || !(l[n++] = strdup(json_string_value(v)))) {
                                strv_free(l);
                                return -ENOMEM;
                        }
                }
                strv_free(res->unified);
                res->unified = l;
        }
        return 0;
}

static int parse_linux(NsboxSpec *s, json_t *lx, NsboxError **reterr)
{
        json_t *v;
        int r;
        if (!json_is_object(lx))
                return bad(reterr, "linux", "expected an object");
        if ((v = json_object_get(lx, "namespaces"))) {
                size_t i;
                json_t *e;
                if (!json_is_array(v))
                        return bad(reterr, "linux.namespaces", "expected an array");
                json_array_foreach (v, i, e) {
                        json_t *t = json_object_get(e, "type");
                        NsboxNsType type = json_is_string(t) ? nsbox_ns_type_from_name(json_string_value(t))
                                                             : _NSBOX_NS_INVALID;
                        if (type == _NSBOX_NS_INVALID)
                                return nsbox_error_set_message(
                                        reterr, EINVAL, "config.json: linux.namespaces: unknown type %s",
                                        json_is_string(t) ? json_string_value(t) : "");
                        if (s->linux_cfg.namespaces[type])
                                return nsbox_error_set_message(
                                        reterr, EINVAL, "config.json: linux.namespaces: %s given twice",
                                        json_string_value(t));
                        s->linux_cfg.namespaces[type] = true;
                        json_t *p = json_object_get(e, "path");
                        if (p && (r = get_str(p, "linux.namespaces.path",
                                              &s->linux_cfg.namespace_paths[type], reterr)) < 0)
                                return r;
                }
        }
        if ((v = json_object_get(lx, "uidMappings")) &&
            (r = get_idmaps(v, "linux.uidMappings", &s->linux_cfg.uid_mappings, &s->linux_cfg.n_uid_mappings,
                            reterr)) < 0)
                return r;
        if ((v = json_object_get(lx, "gidMappings")) &&
            (r = get_idmaps(v, "linux.gidMappings", &s->linux_cfg.gid_mappings, &s->linux_cfg.n_gid_mappings,
                            reterr)) < 0)
                return r;
        if ((v = json_object_get(lx, "maskedPaths")) &&
            (r = get_strv(v, "linux.maskedPaths", &s->linux_cfg.masked_paths, reterr)) < 0)
                return r;
        if ((v = json_object_get(lx, "readonlyPaths")) &&
            (r = get_strv(v, "linux.readonlyPaths", &s->linux_cfg.readonly_paths, reterr)) < 0)
                return r;
        if ((v = json_object_get(lx, "rootfsPropagation"))) {
                if ((r = get_str(v, "linux.rootfsPropagation", &s->linux_cfg.rootfs_propagation, reterr)) <
                    0)
                        return r;
                const char *p = s->linux_cfg.rootfs_propagation;
                if (!streq(p, "private") && !streq(p, "slave") && !streq(p, "shared") &&
                    !streq(p, "unbindable") && !streq(p, "rprivate") && !streq(p, "rslave") &&
                    !streq(p, "rshared") && !streq(p, "runbindable"))
                        return bad(reterr, "linux.rootfsPropagation", "unknown propagation");
        }
        if ((v = json_object_get(lx, "cgroupsPath")) &&
            (r = get_str(v, "linux.cgroupsPath", &s->linux_cfg.cgroups_path, reterr)) < 0)
                return r;
        if ((v = json_object_get(lx, "resources")) &&
            (r = parse_resources(&s->linux_cfg.resources, v, reterr)) < 0)
                return r;
        if ((v = json_object_get(lx, "seccomp"))) {
                NsboxSeccomp *sc = NULL;
                /* the OCI form has no includes/excludes: caps do not matter */
                if ((r = nsbox_seccomp_parse_object(v, s->process.cap_bounding, &sc, reterr)) < 0)
                        return nsbox_error_wrap(reterr, r, "config.json: linux");
                nsbox_seccomp_free(s->linux_cfg.seccomp);
                s->linux_cfg.seccomp = sc;
        }
        return 0;
}

int nsbox_spec_from_json(const char *text, NsboxSpec **ret, NsboxError **reterr)
{
        json_error_t jerr;
        json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
        if (!root)
                return nsbox_error_set_message(reterr, EINVAL, "config.json: line %d: %s", jerr.line,
                                               jerr.text);

        NsboxSpec *s = nsbox_spec_new();
        int r = -ENOMEM;
        json_t *v;
        if (!s)
                goto fail;
        if (!json_is_object(root)) {
                r = bad(reterr, "(top)", "expected an object");
                goto fail;
        }
        if ((v = json_object_get(root, "ociVersion")) &&
            (r = get_str(v, "ociVersion", &s->oci_version, reterr)) < 0)
                goto fail;
        if ((v = json_object_get(root, "process")) && (r = parse_process(s, v, reterr)) < 0)
                goto fail;
        if ((v = json_object_get(root, "root"))) {
                json_t *p = json_object_get(v, "path"), *ro = json_object_get(v, "readonly");
                if ((r = get_str(p, "root.path", &s->root.path, reterr)) < 0)
                        goto fail;
                if (ro) {
                        if (!json_is_boolean(ro)) {
                                r = bad(reterr, "root.readonly", "expected true or false");
                                goto fail;
                        }
                        s->root.readonly = json_is_true(ro);
                }
        }
        if ((v = json_object_get(root, "hostname")) &&
            (r = get_str(v, "hostname", &s->hostname, reterr)) < 0)
                goto fail;
        if ((v = json_object_get(root, "domainname")) &&
            (r = get_str(v, "domainname", &s->domainname, reterr)) < 0)
                goto fail;
        if ((v = json_object_get(root, "mounts"))) {
                size_t i;
                json_t *e;
                if (!json_is_array(v)) {
                        r = bad(reterr, "mounts", "expected an array");
                        goto fail;
                }
                json_array_foreach (v, i, e) {
                        json_t *d = json_object_get(e, "destination"), *t = json_object_get(e, "type"),
                               *src = json_object_get(e, "source"), *o = json_object_get(e, "options");
                        _cleanup_strv_free_ char **opts = NULL;
                        if (!json_is_string(d) || json_string_value(d)[0] != '/' ||
                            (t && !json_is_string(t)) || (src && !json_is_string(src))) {
                                r = bad(reterr, "mounts",
                                        "each mount needs an absolute destination and string "
                                        "type and source");
                                goto fail;
                        }
                        if (o && (r = get_strv(o, "mounts.options", &opts, reterr)) < 0)
                                goto fail;
                        r = nsbox_spec_add_mount(s, json_string_value(d), t ? json_string_value(t) : NULL,
                                                 src ? json_string_value(src) : NULL,
                                                 (const char *const *) opts);
                        if (r < 0)
                                goto fail;
                }
        }
        if ((v = json_object_get(root, "linux")) && (r = parse_linux(s, v, reterr)) < 0)
                goto fail;
        if ((v = json_object_get(root, "annotations")) && json_is_object(v)) {
                const char *key;
                json_t *val;
                json_object_foreach (v, key, val) {
                        const char *dest;
                        if (streq(key, "org.nsbox.root.overlay"))
                                s->ext.root_overlay =
                                        json_is_string(val) && streq(json_string_value(val), "true");
                        else if (streq(key, "org.nsbox.preserveFds")) {
                                uint32_t n;
                                if (!json_is_string(val) || parse_uint32(json_string_value(val), &n) < 0 ||
                                    n > 65536) {
                                        r = bad(reterr, "annotations.org.nsbox.preserveFds",
                                                "expected a number of fds");
                                        goto fail;
                                }
                                s->ext.preserve_fds = n;
                        } else if (streq(key, "org.nsbox.init"))
                                s->ext.init = json_is_string(val) && streq(json_string_value(val), "true");
                        else if (streq(key, "org.nsbox.cgroup.limits"))
                                s->ext.cgroup_best_effort =
                                        json_is_string(val) && streq(json_string_value(val), "best-effort");
                        else if (streq(key, "org.nsbox.cgroup.root") && json_is_string(val)) {
                                free(s->ext.cgroup_root);
                                if (!(s->ext.cgroup_root = strdup(json_string_value(val)))) {
                                        r = -ENOMEM;
                                        goto fail;
                                }
                        } else if ((dest = startswith(key, "org.nsbox.file.")) && json_is_string(val) &&
                                   (r = nsbox_spec_add_file(s, dest, json_string_value(val), 0644)) < 0)
                                goto fail;
                }
        }
        if ((r = nsbox_spec_parse_oci(s, root, reterr)) < 0)
                goto fail;
        json_decref(root);
        *ret = s;
        return 0;
fail:
        json_decref(root);
        nsbox_spec_free(s);
        return r < 0 ? r : -EINVAL;
}
