/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer harness for lib/basic/parse.c. Besides crashes and sanitizer
 * reports it checks the parsers' contract on every input:
 *   - the result is 0, -EINVAL or -ERANGE, and *ret is untouched on error;
 *   - parse_uint32 accepts exactly the decimal digit strings below 2^32;
 *   - every accepted uint32 is an accepted size of the same value;
 *   - an accepted size is digits, an optional k/m/g/t and an optional b
 *     (either case), worth digits << 10/20/30/40, without wrapping. */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/parse.h"

#define UNTOUCHED32 UINT32_C(0xdeadbeef)
#define UNTOUCHED64 UINT64_C(0xdeadbeefcafef00d)

#define check(x)                                                                                 \
        do {                                                                                     \
                if (!(x)) {                                                                      \
                        fprintf(stderr, "%s:%d: contract broken: %s\n", __FILE__, __LINE__, #x); \
                        abort();                                                                 \
                }                                                                                \
        } while (0)

static const char digits[] = "0123456789";

/* The value of a string of decimal digits, or -ERANGE past 64 bits. */
static int decimal(const char *s, size_t n, uint64_t *ret)
{
        uint64_t v = 0;
        for (size_t i = 0; i < n; i++) {
                unsigned d = (unsigned) (s[i] - '0');
                if (v > (UINT64_MAX - d) / 10)
                        return -ERANGE;
                v = v * 10 + d;
        }
        *ret = v;
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        /* The parsers see C strings: an embedded NUL ends the input. */
        char *s = malloc(size + 1);
        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = 0;

        size_t len = strlen(s);
        size_t ndigits = strspn(s, digits);
        uint64_t value = 0;
        int value_r = ndigits > 0 ? decimal(s, ndigits, &value) : -EINVAL;

        uint32_t u = UNTOUCHED32;
        int r = parse_uint32(s, &u);
        check(r == 0 || r == -EINVAL || r == -ERANGE);
        if (r < 0)
                check(u == UNTOUCHED32);
        bool uint32_ok = ndigits > 0 && ndigits == len && value_r == 0 && value <= UINT32_MAX;
        check((r == 0) == uint32_ok);
        if (r == 0)
                check(u == value);

        uint64_t v = UNTOUCHED64;
        int k = parse_size(s, &v);
        check(k == 0 || k == -EINVAL || k == -ERANGE);
        if (k < 0)
                check(v == UNTOUCHED64);
        if (r == 0)
                check(k == 0 && v == u);
        if (k == 0) {
                check(ndigits > 0 && value_r == 0);
                const char *e = s + ndigits;
                unsigned shift = 0;
                switch (tolower((unsigned char) *e)) {
                case 'k':
                        shift = 10;
                        break;
                case 'm':
                        shift = 20;
                        break;
                case 'g':
                        shift = 30;
                        break;
                case 't':
                        shift = 40;
                        break;
                }
                if (shift)
                        e++;
                if (tolower((unsigned char) *e) == 'b')
                        e++;
                check(*e == 0);
                check(shift == 0 || value <= (UINT64_MAX >> shift));
                check(v == value << shift);
        }

        free(s);
        return 0;
}
