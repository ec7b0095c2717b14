/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "basic/env-file.h"
#include "basic/macro.h"

static int push(char ***l, size_t *n, char *s)
{
        char **x = realloc(*l, (*n + 2) * sizeof(char *));
        if (!x)
                return -ENOMEM;
        *l = x;
        x[(*n)++] = s;
        x[*n] = NULL;
        return 0;
}

int env_file_parse(const char *text, size_t size, char *(*lookup)(const char *name), char ***ret,
                   EnvFileProblem *problem)
{
        *problem = (EnvFileProblem){ 0 };
        if (memchr(text, 0, size)) {
                problem->what = ENV_FILE_NUL;
                return -EINVAL;
        }
        char **l = calloc(1, sizeof(char *));
        size_t n = 0;
        if (!l)
                return -ENOMEM;

        unsigned lineno = 0;
        for (const char *line = text, *end = text + size; line < end;) {
                const char *nl = memchr(line, '\n', (size_t) (end - line));
                const char *eol = nl ? nl : end;
                const char *next = nl ? nl + 1 : end;
                lineno++;
                if (eol > line && eol[-1] == '\r')
                        eol--;
                while (line < eol && (*line == ' ' || *line == '\t'))
                        line++;
                if (line == eol || *line == '#') {
                        line = next;
                        continue;
                }
                const char *eq = memchr(line, '=', (size_t) (eol - line));
                const char *name_end = eq ? eq : eol;
                size_t nl_len = (size_t) (name_end - line);
                if (nl_len == 0) {
                        problem->what = ENV_FILE_NO_NAME;
                        problem->line = lineno;
                        strv_free(l);
                        return -EINVAL;
                }
                for (const char *p = line; p < name_end; p++)
                        if (strchr(" \t\v\f\r", *p)) {
                                problem->what = ENV_FILE_SPACE_IN_NAME;
                                problem->line = lineno;
                                snprintf(problem->name, sizeof(problem->name), "%.*s", (int) nl_len, line);
                                strv_free(l);
                                return -EINVAL;
                        }
                char *entry = NULL;
                if (eq)
                        entry = strndup(line, (size_t) (eol - line));
                else {
                        char *name = strndup(line, nl_len);
                        if (!name) {
                                strv_free(l);
                                return -ENOMEM;
                        }
                        const char *v = lookup ? lookup(name) : NULL;
                        if (!v) {
                                free(name);
                                line = next;
                                continue;
                        }
                        if (asprintf(&entry, "%s=%s", name, v) < 0)
                                entry = NULL;
                        free(name);
                }
                if (!entry || push(&l, &n, entry) < 0) {
                        free(entry);
                        strv_free(l);
                        return -ENOMEM;
                }
                line = next;
        }
        *ret = l;
        return 0;
}
