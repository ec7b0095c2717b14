/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lib/basic/env-file.c: docker's --env-file format. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "basic/env-file.h"
#include "basic/macro.h"

static char *lookup(const char *name)
{
        return streq(name, "FROM_HOST") ? (char *) "host value" : NULL;
}

static void ok(const char *text, const char *const *want)
{
        char **l = NULL;
        EnvFileProblem p;
        assert_int_equal(env_file_parse(text, strlen(text), lookup, &l, &p), 0);
        size_t i = 0;
        for (; want[i]; i++) {
                assert_non_null(l[i]);
                assert_string_equal(l[i], want[i]);
        }
        assert_null(l[i]);
        strv_free(l);
}

static void test_format(void **state)
{
        (void) state;
        ok("", (const char *[]){ NULL });
        ok("\n\n# only a comment\n   \t\n", (const char *[]){ NULL });
        ok("A=1", (const char *[]){ "A=1", NULL });
        ok("A=1\nB=2\n", (const char *[]){ "A=1", "B=2", NULL });
        /* values literal: spaces, quotes, '=', '#', nothing expanded */
        ok("A= spaced  \nB=\"quoted\"\nC=x=y\nD=#not a comment\nE=$HOME\n",
           (const char *[]){ "A= spaced  ", "B=\"quoted\"", "C=x=y", "D=#not a comment", "E=$HOME", NULL });
        /* leading blanks ignored, CRLF line ends */
        ok("  \tA=1\r\nB=2\r\n", (const char *[]){ "A=1", "B=2", NULL });
        /* an empty value is a value */
        ok("E=\n", (const char *[]){ "E=", NULL });
        /* a name alone: from the lookup, skipped when it has none */
        ok("FROM_HOST\nNOT_THERE\n", (const char *[]){ "FROM_HOST=host value", NULL });
        /* repeated names are kept in order: the last one wins where they are applied */
        ok("A=1\nA=2\n", (const char *[]){ "A=1", "A=2", NULL });
}

static void bad(const char *text, size_t size, int what, unsigned line, const char *name)
{
        char **l = (char **) 0x1;
        EnvFileProblem p;
        assert_int_equal(env_file_parse(text, size, lookup, &l, &p), -EINVAL);
        assert_ptr_equal(l, (char **) 0x1);
        assert_int_equal(p.what, what);
        assert_int_equal(p.line, line);
        if (name)
                assert_string_equal(p.name, name);
}

static void test_errors(void **state)
{
        (void) state;
        bad("A=1\n=2\n", 7, ENV_FILE_NO_NAME, 2, NULL);
        bad("A=1\n\n  =2\n", 10, ENV_FILE_NO_NAME, 3, NULL);
        bad("BAD KEY=1\n", 10, ENV_FILE_SPACE_IN_NAME, 1, "BAD KEY");
        bad("A=1\nBAD\tKEY\n", 12, ENV_FILE_SPACE_IN_NAME, 2, "BAD\tKEY");
        bad("A=1\0B=2\n", 8, ENV_FILE_NUL, 0, NULL);
        /* a long name is cut in the report, not overflowed */
        char big[400];
        memset(big, 'x', sizeof(big));
        big[200] = ' ';
        big[sizeof(big) - 2] = '=';
        big[sizeof(big) - 1] = '\n';
        char **l = NULL;
        EnvFileProblem p;
        assert_int_equal(env_file_parse(big, sizeof(big), lookup, &l, &p), -EINVAL);
        assert_int_equal(p.what, ENV_FILE_SPACE_IN_NAME);
        assert_int_equal(strlen(p.name), sizeof(p.name) - 1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_format),
                cmocka_unit_test(test_errors),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
