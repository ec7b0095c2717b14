/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The parts of config.json that only the OCI runtime uses (runtime-spec 1.2
 * config.md "POSIX-platform Hooks" and "Annotations"; config-linux.md
 * "Devices", "Sysctl", "Personality", "Time offsets"). Kept apart from
 * spec.c, which holds what `nsbox run` and the OCI runtime share. */
#include <jansson.h>
#include <sys/personality.h>

#include "basic/macro.h"
#include "nsbox/internal.h"

static bool endswith(const char *s, const char *suffix)
{
        size_t a = strlen(s), b = strlen(suffix);
        return a >= b && streq(s + a - b, suffix);
}

static const char *const hook_names[_NSBOX_HOOK_MAX] = {
        [NSBOX_HOOK_PRESTART] = "prestart",
        [NSBOX_HOOK_CREATE_RUNTIME] = "createRuntime",
        [NSBOX_HOOK_CREATE_CONTAINER] = "createContainer",
        [NSBOX_HOOK_START_CONTAINER] = "startContainer",
        [NSBOX_HOOK_POSTSTART] = "poststart",
        [NSBOX_HOOK_POSTSTOP] = "poststop",
};

const char *nsbox_hook_kind_name(NsboxHookKind kind)
{
        return kind >= 0 && kind < _NSBOX_HOOK_MAX ? hook_names[kind] : NULL;
}

const char *nsbox_spec_annotation(const NsboxSpec *s, const char *key)
{
        for (char **a = s->oci.annotations; a && a[0] && a[1]; a += 2)
                if (streq(a[0], key))
                        return a[1];
        return NULL;
}

void nsbox_spec_free_oci(NsboxSpec *s)
{
        for (int k = 0; k < _NSBOX_HOOK_MAX; k++) {
                for (size_t i = 0; i < s->oci.n_hooks[k]; i++) {
                        free(s->oci.hooks[k][i].path);
                        strv_free(s->oci.hooks[k][i].args);
                        strv_free(s->oci.hooks[k][i].env);
                }
                free(s->oci.hooks[k]);
        }
        for (size_t i = 0; i < s->oci.n_devices; i++)
                free(s->oci.devices[i].path);
        free(s->oci.devices);
        strv_free(s->oci.sysctl);
        strv_free(s->oci.annotations);
}

static int bad(NsboxError **reterr, const char *path, const char *what)
{
        return nsbox_error_set_message(reterr, EINVAL, "config.json: %s: %s", path, what);
}

static int strv_from_json(json_t *v, const char *path, char ***ret, NsboxError **reterr)
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
        *ret = l;
        return 0;
}

static int parse_hooks(NsboxSpec *s, json_t *hooks, NsboxError **reterr)
{
        if (!json_is_object(hooks))
                return bad(reterr, "hooks", "expected an object");
        for (int k = 0; k < _NSBOX_HOOK_MAX; k++) {
                char path[64];
                json_t *a = json_object_get(hooks, hook_names[k]);
                if (!a)
                        continue;
                snprintf(path, sizeof(path), "hooks.%s", hook_names[k]);
                if (!json_is_array(a))
                        return bad(reterr, path, "expected an array of hooks");
                size_t n = json_array_size(a);
                s->oci.hooks[k] = calloc(n ? n : 1, sizeof(NsboxHook));
                if (!s->oci.hooks[k])
                        return -ENOMEM;
                for (size_t i = 0; i < n; i++) {
                        json_t *h = json_array_get(a, i), *p, *v;
                        NsboxHook *hk = &s->oci.hooks[k][i];
                        s->oci.n_hooks[k] = i + 1;
                        if (!json_is_object(h))
                                return bad(reterr, path, "expected an array of hooks");
                        p = json_object_get(h, "path");
                        if (!json_is_string(p) || json_string_value(p)[0] != '/')
                                return bad(reterr, path, "each hook needs an absolute path");
                        if (!(hk->path = strdup(json_string_value(p))))
                                return -ENOMEM;
                        int r;
                        if ((v = json_object_get(h, "args")) &&
                            (r = strv_from_json(v, path, &hk->args, reterr)) < 0)
                                return r;
                        if ((v = json_object_get(h, "env")) &&
                            (r = strv_from_json(v, path, &hk->env, reterr)) < 0)
                                return r;
                        if ((v = json_object_get(h, "timeout"))) {
                                if (!json_is_integer(v) || json_integer_value(v) <= 0 ||
                                    json_integer_value(v) > 86400)
                                        return bad(reterr, path,
                                                   "timeout must be a number of seconds from 1 to 86400");
                                hk->timeout = (unsigned) json_integer_value(v);
                        }
                }
        }
        return 0;
}

static int get_u32_field(json_t *o, const char *key, const char *path, bool required, uint32_t *ret,
                         NsboxError **reterr)
{
        json_t *v = json_object_get(o, key);
        if (!v) {
                if (required)
                        return nsbox_error_set_message(reterr, EINVAL, "config.json: %s: %s is required",
                                                       path, key);
                return 0;
        }
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > UINT32_MAX)
                return nsbox_error_set_message(
                        reterr, EINVAL, "config.json: %s.%s: expected an integer from 0 to 4294967295", path,
                        key);
        *ret = (uint32_t) json_integer_value(v);
        return 1;
}

static int parse_devices(NsboxSpec *s, json_t *a, NsboxError **reterr)
{
        if (!json_is_array(a))
                return bad(reterr, "linux.devices", "expected an array");
        size_t n = json_array_size(a);
        s->oci.devices = calloc(n ? n : 1, sizeof(NsboxDevice));
        if (!s->oci.devices)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_t *d = json_array_get(a, i), *p, *t;
                NsboxDevice *dev = &s->oci.devices[i];
                uint32_t x;
                int r;
                if (!json_is_object(d))
                        return bad(reterr, "linux.devices", "expected an array of objects");
                p = json_object_get(d, "path");
                t = json_object_get(d, "type");
                if (!json_is_string(p) || json_string_value(p)[0] != '/' ||
                    strstr(json_string_value(p), "/../") || endswith(json_string_value(p), "/.."))
                        return bad(reterr, "linux.devices",
                                   "each device needs an absolute path without '..'");
                const char *ty = json_is_string(t) ? json_string_value(t) : "";
                if (strlen(ty) != 1 || !strchr("cbup", ty[0]))
                        return nsbox_error_set_message(reterr, EINVAL,
                                                       "config.json: linux.devices: %s: type must be c, b, "
                                                       "u or p",
                                                       json_string_value(p));
                if (!(dev->path = strdup(json_string_value(p))))
                        return -ENOMEM;
                s->oci.n_devices = i + 1;
                dev->type = ty[0];
                dev->file_mode = 0666;
                bool need = dev->type != 'p';
                if ((r = get_u32_field(d, "major", "linux.devices", need, &dev->major, reterr)) < 0 ||
                    (r = get_u32_field(d, "minor", "linux.devices", need, &dev->minor, reterr)) < 0)
                        return r;
                if ((r = get_u32_field(d, "fileMode", "linux.devices", false, &x, reterr)) < 0)
                        return r;
                if (r > 0) {
                        if (x > 07777)
                                return bad(reterr, "linux.devices.fileMode", "must be at most 07777");
                        dev->file_mode = x;
                }
                if ((r = get_u32_field(d, "uid", "linux.devices", false, &x, reterr)) < 0)
                        return r;
                dev->uid = r > 0 ? x : 0;
                if ((r = get_u32_field(d, "gid", "linux.devices", false, &x, reterr)) < 0)
                        return r;
                dev->gid = r > 0 ? x : 0;
        }
        return 0;
}

static bool sysctl_key_ok(const char *k)
{
        /* dots or slashes as separators (sysctl(8) takes both); no empty,
         * "." or ".." component, so the key stays below /proc/sys */
        if (!*k || strlen(k) > 255)
                return false;
        const char *p = k;
        for (;;) {
                size_t l = strcspn(p, "./");
                if (l == 0)
                        return false;
                if (!p[l])
                        return true;
                p += l + 1;
        }
}

static int parse_sysctl(NsboxSpec *s, json_t *o, NsboxError **reterr)
{
        if (!json_is_object(o))
                return bad(reterr, "linux.sysctl", "expected an object of strings");
        size_t n = json_object_size(o), i = 0;
        s->oci.sysctl = calloc(n + 1, sizeof(char *));
        if (!s->oci.sysctl)
                return -ENOMEM;
        const char *key;
        json_t *v;
        json_object_foreach (o, key, v) {
                if (!json_is_string(v))
                        return nsbox_error_set_message(
                                reterr, EINVAL, "config.json: linux.sysctl: %s: expected a string", key);
                if (!sysctl_key_ok(key) || strstr(key, ".."))
                        return nsbox_error_set_message(
                                reterr, EINVAL, "config.json: linux.sysctl: '%s' is not a sysctl name", key);
                if (asprintf(&s->oci.sysctl[i], "%s=%s", key, json_string_value(v)) < 0) {
                        s->oci.sysctl[i] = NULL;
                        return -ENOMEM;
                }
                i++;
        }
        return 0;
}

static int parse_time_offset(json_t *o, const char *path, int64_t *secs, uint32_t *nsecs,
                             NsboxError **reterr)
{
        if (!o)
                return 0;
        if (!json_is_object(o))
                return bad(reterr, path, "expected an object with secs and nanosecs");
        json_t *sv = json_object_get(o, "secs"), *nv = json_object_get(o, "nanosecs");
        if (sv) {
                if (!json_is_integer(sv))
                        return bad(reterr, path, "secs: expected an integer");
                *secs = json_integer_value(sv);
        }
        if (nv) {
                if (!json_is_integer(nv) || json_integer_value(nv) < 0 || json_integer_value(nv) > 999999999)
                        return bad(reterr, path, "nanosecs: expected an integer from 0 to 999999999");
                *nsecs = (uint32_t) json_integer_value(nv);
        }
        return 0;
}

static int parse_personality(NsboxSpec *s, json_t *o, NsboxError **reterr)
{
        if (!json_is_object(o))
                return bad(reterr, "linux.personality", "expected an object");
        json_t *d = json_object_get(o, "domain"), *f = json_object_get(o, "flags");
        if (!json_is_string(d) ||
            (!streq(json_string_value(d), "LINUX") && !streq(json_string_value(d), "LINUX32")))
                return bad(reterr, "linux.personality.domain", "must be LINUX or LINUX32");
        s->oci.personality = streq(json_string_value(d), "LINUX") ? PER_LINUX : PER_LINUX32;
        if (f) {
                /* the spec names no flags; runc and crun accept none either */
                if (!json_is_array(f) || json_array_size(f) > 0)
                        return bad(reterr, "linux.personality.flags", "no flags are supported");
        }
        s->oci.has_personality = true;
        return 0;
}

static int check_paths_absolute(char **l, const char *path, NsboxError **reterr)
{
        for (char **p = l; p && *p; p++)
                if ((*p)[0] != '/')
                        return nsbox_error_set_message(
                                reterr, EINVAL, "config.json: %s: '%s' is not an absolute path", path, *p);
        return 0;
}

int nsbox_spec_parse_oci(NsboxSpec *s, json_t *root, NsboxError **reterr)
{
        json_t *v, *lx = json_object_get(root, "linux");
        int r;

        if ((v = json_object_get(root, "hooks")) && (r = parse_hooks(s, v, reterr)) < 0)
                return r;
        if ((v = json_object_get(root, "annotations"))) {
                if (!json_is_object(v))
                        return bad(reterr, "annotations", "expected an object of strings");
                size_t n = json_object_size(v), i = 0;
                s->oci.annotations = calloc(2 * n + 1, sizeof(char *));
                if (!s->oci.annotations)
                        return -ENOMEM;
                const char *key;
                json_t *val;
                json_object_foreach (v, key, val) {
                        if (!json_is_string(val))
                                return nsbox_error_set_message(
                                        reterr, EINVAL, "config.json: annotations: %s: expected a string",
                                        key);
                        if (!(s->oci.annotations[i++] = strdup(key)) ||
                            !(s->oci.annotations[i++] = strdup(json_string_value(val))))
                                return -ENOMEM;
                }
        }
        /* setrlimit(2) twice for one resource would silently keep the last */
        for (size_t i = 0; i < s->process.n_rlimits; i++)
                for (size_t j = 0; j < i; j++)
                        if (s->process.rlimits[i].type == s->process.rlimits[j].type) {
                                const char *n = nsbox_rlimit_name(s->process.rlimits[i].type);
                                return nsbox_error_set_message(
                                        reterr, EINVAL, "config.json: process.rlimits: %s given twice",
                                        n ? n : "a limit");
                        }
        if (!lx)
                return 0;
        if ((r = check_paths_absolute(s->linux_cfg.masked_paths, "linux.maskedPaths", reterr)) < 0 ||
            (r = check_paths_absolute(s->linux_cfg.readonly_paths, "linux.readonlyPaths", reterr)) < 0)
                return r;
        if ((v = json_object_get(lx, "devices")) && (r = parse_devices(s, v, reterr)) < 0)
                return r;
        if ((v = json_object_get(lx, "sysctl")) && (r = parse_sysctl(s, v, reterr)) < 0)
                return r;
        if ((v = json_object_get(lx, "timeOffsets"))) {
                if (!json_is_object(v))
                        return bad(reterr, "linux.timeOffsets", "expected an object");
                if ((r = parse_time_offset(json_object_get(v, "monotonic"), "linux.timeOffsets.monotonic",
                                           &s->oci.monotonic_secs, &s->oci.monotonic_nsecs, reterr)) < 0 ||
                    (r = parse_time_offset(json_object_get(v, "boottime"), "linux.timeOffsets.boottime",
                                           &s->oci.boottime_secs, &s->oci.boottime_nsecs, reterr)) < 0)
                        return r;
                s->oci.has_time_offsets = true;
        }
        if ((v = json_object_get(lx, "personality")) && (r = parse_personality(s, v, reterr)) < 0)
                return r;
        return 0;
}

static json_t *hook_to_json(const NsboxHook *h)
{
        json_t *o = json_pack("{s:s}", "path", h->path);
        json_t *a;
        if (h->args) {
                a = json_array();
                for (char **i = h->args; *i; i++)
                        json_array_append_new(a, json_string(*i));
                json_object_set_new(o, "args", a);
        }
        if (h->env) {
                a = json_array();
                for (char **i = h->env; *i; i++)
                        json_array_append_new(a, json_string(*i));
                json_object_set_new(o, "env", a);
        }
        if (h->timeout)
                json_object_set_new(o, "timeout", json_integer(h->timeout));
        return o;
}

void nsbox_spec_oci_to_json(const NsboxSpec *s, json_t *root)
{
        json_t *hooks = json_object();
        for (int k = 0; k < _NSBOX_HOOK_MAX; k++) {
                if (!s->oci.n_hooks[k])
                        continue;
                json_t *a = json_array();
                for (size_t i = 0; i < s->oci.n_hooks[k]; i++)
                        json_array_append_new(a, hook_to_json(&s->oci.hooks[k][i]));
                json_object_set_new(hooks, hook_names[k], a);
        }
        if (json_object_size(hooks))
                json_object_set_new(root, "hooks", hooks);
        else
                json_decref(hooks);

        if (s->oci.annotations) {
                json_t *ann = json_object_get(root, "annotations");
                if (!ann) {
                        ann = json_object();
                        json_object_set_new(root, "annotations", ann);
                }
                for (char **a = s->oci.annotations; a[0] && a[1]; a += 2)
                        if (!json_object_get(ann, a[0]))
                                json_object_set_new(ann, a[0], json_string(a[1]));
        }

        json_t *lx = json_object_get(root, "linux");
        if (!lx)
                return;
        if (s->oci.n_devices) {
                json_t *a = json_array();
                for (size_t i = 0; i < s->oci.n_devices; i++) {
                        const NsboxDevice *d = &s->oci.devices[i];
                        char t[2] = { d->type, 0 };
                        json_array_append_new(a, json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:I}", "path", d->path,
                                                           "type", t, "major", (json_int_t) d->major,
                                                           "minor", (json_int_t) d->minor, "fileMode",
                                                           (json_int_t) d->file_mode, "uid",
                                                           (json_int_t) d->uid, "gid", (json_int_t) d->gid));
                }
                json_object_set_new(lx, "devices", a);
        }
        if (s->oci.sysctl) {
                json_t *o = json_object();
                for (char **i = s->oci.sysctl; *i; i++) {
                        char *eq = strchr(*i, '=');
                        if (!eq)
                                continue;
                        _cleanup_free_ char *k = strndup(*i, (size_t) (eq - *i));
                        if (k)
                                json_object_set_new(o, k, json_string(eq + 1));
                }
                json_object_set_new(lx, "sysctl", o);
        }
        if (s->oci.has_time_offsets)
                json_object_set_new(lx, "timeOffsets",
                                    json_pack("{s:{s:I,s:I},s:{s:I,s:I}}", "monotonic", "secs",
                                              (json_int_t) s->oci.monotonic_secs, "nanosecs",
                                              (json_int_t) s->oci.monotonic_nsecs, "boottime", "secs",
                                              (json_int_t) s->oci.boottime_secs, "nanosecs",
                                              (json_int_t) s->oci.boottime_nsecs));
        if (s->oci.has_personality)
                json_object_set_new(
                        lx, "personality",
                        json_pack("{s:s}", "domain",
                                  (s->oci.personality & PER_MASK) == PER_LINUX32 ? "LINUX32" : "LINUX"));
}
