/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/* What was wrong with an env file (env_file_parse()). */
typedef struct EnvFileProblem {
        enum {
                ENV_FILE_NUL = 1,       /* the text holds a NUL byte */
                ENV_FILE_NO_NAME,       /* a line starts with '=' */
                ENV_FILE_SPACE_IN_NAME, /* the variable's name holds whitespace */
        } what;
        unsigned line;  /* 1-based; 0 for ENV_FILE_NUL */
        char name[128]; /* ENV_FILE_SPACE_IN_NAME: the name, cut at 127 bytes */
} EnvFileProblem;

/*
 * Parse docker's env-file format (docker run --env-file): one KEY=VALUE a
 * line, the value taken literally (no quotes removed, nothing expanded, a
 * trailing '\r' dropped); empty lines and lines whose first non-blank is '#'
 * are skipped; leading blanks are ignored; a line with a name alone takes its
 * value from lookup(name), and is skipped when that returns NULL (or lookup is
 * NULL).
 * text/size: the file's bytes. ret: a NULL-terminated malloc'd list of
 * malloc'd "KEY=VALUE" strings, in file order.
 * Returns: 0; -EINVAL with *problem filled; -ENOMEM.
 */
int env_file_parse(const char *text, size_t size, char *(*lookup)(const char *name), char ***ret,
                   EnvFileProblem *problem);
