/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lib/basic/parse.c: strict number parsing for command lines and config.json.
 * Strict means: no sign, no spaces, no trailing junk, no silent wrap-around,
 * and *ret untouched on every error. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "basic/parse.h"

#define UNTOUCHED32 UINT32_C(0xdeadbeef)
#define UNTOUCHED64 UINT64_C(0xdeadbeefcafef00d)

/* On a mismatch, name the input as a TAP comment before cmocka's own report,
 * which shows only the numbers. */
static void note(const char *fn, const char *s, int r, unsigned long long v)
{
        print_message("# %s(\"%s\") returned %d, value %llu\n", fn, s ? s : "(null)", r, v);
}

static void ok32(const char *s, uint32_t want)
{
        uint32_t v = UNTOUCHED32;
        int r = parse_uint32(s, &v);
        if (r != 0 || v != want)
                note("parse_uint32", s, r, v);
        assert_int_equal(r, 0);
        assert_int_equal(v, want);
}

static void bad32(const char *s, int err)
{
        uint32_t v = UNTOUCHED32;
        int r = parse_uint32(s, &v);
        if (r != err || v != UNTOUCHED32)
                note("parse_uint32", s, r, v);
        assert_int_equal(r, err);
        assert_int_equal(v, UNTOUCHED32);
}

static void ok64(const char *s, uint64_t want)
{
        uint64_t v = UNTOUCHED64;
        int r = parse_size(s, &v);
        if (r != 0 || v != want)
                note("parse_size", s, r, v);
        assert_int_equal(r, 0);
        assert_true(v == want);
}

static void bad64(const char *s, int err)
{
        uint64_t v = UNTOUCHED64;
        int r = parse_size(s, &v);
        if (r != err || v != UNTOUCHED64)
                note("parse_size", s, r, v);
        assert_int_equal(r, err);
        assert_true(v == UNTOUCHED64);
}

static void test_uint32_valid(void **state)
{
        ok32("0", 0);
        ok32("1", 1);
        ok32("42", 42);
        ok32("65534", 65534);
        ok32("007", 7); /* leading zeros are decimal, not octal */
        ok32("4294967295", UINT32_MAX);
        ok32("0000000000004294967295", UINT32_MAX);
}

static void test_uint32_empty_and_junk(void **state)
{
        bad32(NULL, -EINVAL);
        bad32("", -EINVAL);
        bad32(" ", -EINVAL);
        bad32(" 1", -EINVAL);
        bad32("1 ", -EINVAL);
        bad32("1\t", -EINVAL);
        bad32("-1", -EINVAL);
        bad32("+1", -EINVAL);
        bad32("-0", -EINVAL);
        bad32("abc", -EINVAL);
        bad32("12abc", -EINVAL);
        bad32("0x10", -EINVAL);
        bad32("1.5", -EINVAL);
        bad32("1e3", -EINVAL);
        bad32("1k", -EINVAL); /* sizes are parse_size's */
        bad32("１", -EINVAL); /* fullwidth digit: not ASCII */
}

static void test_uint32_overflow(void **state)
{
        bad32("4294967296", -ERANGE);
        bad32("9999999999", -ERANGE);
        bad32("18446744073709551615", -ERANGE); /* fits strtoull, not 32 bits */
        bad32("18446744073709551616", -ERANGE); /* overflows strtoull itself */
        bad32("99999999999999999999999999999999999999", -ERANGE);
}

static void test_size_plain(void **state)
{
        ok64("0", 0);
        ok64("1", 1);
        ok64("4096", 4096);
        ok64("1b", 1);
        ok64("1B", 1);
        ok64("18446744073709551615", UINT64_MAX);
}

static void test_size_suffixes(void **state)
{
        /* powers of 1024, as docker's --memory */
        ok64("1k", UINT64_C(1) << 10);
        ok64("1m", UINT64_C(1) << 20);
        ok64("1g", UINT64_C(1) << 30);
        ok64("1t", UINT64_C(1) << 40);
        ok64("3k", 3 * 1024);
        ok64("512m", UINT64_C(512) << 20);
        ok64("0g", 0);
        ok64("010k", 10 * 1024);
}

static void test_size_suffix_b_and_case(void **state)
{
        ok64("1kb", 1024);
        ok64("1KB", 1024);
        ok64("1Kb", 1024);
        ok64("1kB", 1024);
        ok64("2K", 2048);
        ok64("2M", UINT64_C(2) << 20);
        ok64("2MB", UINT64_C(2) << 20);
        ok64("2G", UINT64_C(2) << 30);
        ok64("2gb", UINT64_C(2) << 30);
        ok64("2T", UINT64_C(2) << 40);
        ok64("2Tb", UINT64_C(2) << 40);
}

static void test_size_empty_and_junk(void **state)
{
        bad64(NULL, -EINVAL);
        bad64("", -EINVAL);
        bad64("k", -EINVAL);
        bad64("kb", -EINVAL);
        bad64("b", -EINVAL);
        bad64(" 1k", -EINVAL);
        bad64("1 k", -EINVAL);
        bad64("1k ", -EINVAL);
        bad64("-1", -EINVAL);
        bad64("-1k", -EINVAL);
        bad64("+1k", -EINVAL);
        bad64("1.5g", -EINVAL);
        bad64("1x", -EINVAL);
        bad64("1p", -EINVAL); /* no peta */
        bad64("1e", -EINVAL);
        bad64("1kk", -EINVAL);
        bad64("1km", -EINVAL);
        bad64("1kbb", -EINVAL);
        bad64("1bb", -EINVAL);
        bad64("1bk", -EINVAL);
        bad64("1kib", -EINVAL);
        bad64("0x10k", -EINVAL);
}

static void test_size_overflow(void **state)
{
        bad64("18446744073709551616", -ERANGE);
        bad64("99999999999999999999999999k", -ERANGE);
        /* the largest value that still fits, and one more, for each suffix */
        ok64("18014398509481983k", UINT64_C(18014398509481983) << 10);
        bad64("18014398509481984k", -ERANGE);
        ok64("17592186044415m", UINT64_C(17592186044415) << 20);
        bad64("17592186044416m", -ERANGE);
        ok64("17179869183g", UINT64_C(17179869183) << 30);
        bad64("17179869184g", -ERANGE);
        ok64("16777215t", UINT64_C(16777215) << 40);
        ok64("16777215TB", UINT64_C(16777215) << 40);
        bad64("16777216t", -ERANGE);
        bad64("18446744073709551615t", -ERANGE);
}

int main(void)
{
        /* the comments also keep clang-format from packing the list in columns */
        const struct CMUnitTest tests[] = {
                /* parse_uint32 */
                cmocka_unit_test(test_uint32_valid),
                cmocka_unit_test(test_uint32_empty_and_junk),
                cmocka_unit_test(test_uint32_overflow),
                /* parse_size */
                cmocka_unit_test(test_size_plain),
                cmocka_unit_test(test_size_suffixes),
                cmocka_unit_test(test_size_suffix_b_and_case),
                cmocka_unit_test(test_size_empty_and_junk),
                cmocka_unit_test(test_size_overflow),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
