/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer harness for lib/basic/env-file.c (nsbox run --env-file). Besides
 * crashes and sanitizer reports it checks the contract on every input:
 *   - the result is 0 or -EINVAL (with a problem and, but for a NUL byte, a
 *     line number within the text);
 *   - every entry is NAME=VALUE with a non-empty NAME free of whitespace and
 *     '=', and no more entries than lines. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/env-file.h"
#include "basic/macro.h"

#define check(x)                                                                                 \
        do {                                                                                     \
                if (!(x)) {                                                                      \
                        fprintf(stderr, "%s:%d: contract broken: %s\n", __FILE__, __LINE__, #x); \
                        abort();                                                                 \
                }                                                                                \
        } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *lookup(const char *name)
{
        return name[0] == 'H' ? (char *) "v" : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *text = (const char *) data;
        size_t lines = 1;
        for (size_t i = 0; i < size; i++)
                lines += text[i] == '\n';
        char **l = NULL;
        EnvFileProblem p;
        int r = env_file_parse(text, size, lookup, &l, &p);
        if (r < 0) {
                check(r == -EINVAL);
                check(p.what == ENV_FILE_NUL || (p.line >= 1 && p.line <= lines));
                check(p.what != ENV_FILE_NUL || memchr(text, 0, size));
                return 0;
        }
        check(r == 0 && l);
        size_t n = 0;
        for (char **e = l; *e; e++, n++) {
                const char *eq = strchr(*e, '=');
                check(eq && eq > *e);
                for (const char *c = *e; c < eq; c++)
                        check(!strchr(" \t\v\f\r\n", *c));
        }
        check(n <= lines);
        strv_free(l);
        return 0;
}
