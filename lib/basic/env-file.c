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

        /* indices, not pointers: every length is then plainly non-negative */
        unsigned lineno = 0;
        for (size_t pos = 0; pos < size;) {
                size_t eol = pos;
                while (eol < size && text[eol] != '\n')
                        eol++;
                size_t start = pos;
                pos = eol < size ? eol + 1 : eol;
                lineno++;
                if (eol > start && text[eol - 1] == '\r')
                        eol--;
                while (start < eol && (text[start] == ' ' || text[start] == '\t'))
                        start++;
                if (start == eol || text[start] == '#')
                        continue;
                size_t name_end = start;
                while (name_end < eol && text[name_end] != '=')
                        name_end++;
                size_t name_len = name_end - start;
                if (name_len == 0) {
                        problem->what = ENV_FILE_NO_NAME;
                        problem->line = lineno;
                        strv_free(l);
                        return -EINVAL;
                }
                for (size_t i = start; i < name_end; i++)
                        if (strchr(" \t\v\f\r", text[i])) {
                                problem->what = ENV_FILE_SPACE_IN_NAME;
                                problem->line = lineno;
                                snprintf(problem->name, sizeof(problem->name), "%.*s", (int) name_len,
                                         text + start);
                                strv_free(l);
                                return -EINVAL;
                        }
                char *entry = NULL;
                if (name_end < eol)
                        entry = strndup(text + start, eol - start);
                else {
                        char *name = strndup(text + start, name_len);
                        if (!name) {
                                strv_free(l);
                                return -ENOMEM;
                        }
                        const char *v = lookup ? lookup(name) : NULL;
                        if (!v) {
                                free(name);
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
        }
        *ret = l;
        return 0;
}
