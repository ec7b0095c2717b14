/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <limits.h>

#include "basic/macro.h"
#include "basic/parse.h"

int parse_uint32(const char *s, uint32_t *ret)
{
        if (!s || !isdigit((unsigned char) *s))
                return -EINVAL;
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno == ERANGE || v > UINT32_MAX)
                return -ERANGE;
        if (*end)
                return -EINVAL;
        *ret = (uint32_t) v;
        return 0;
}

int parse_size(const char *s, uint64_t *ret)
{
        if (!s || !isdigit((unsigned char) *s))
                return -EINVAL;
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno == ERANGE)
                return -ERANGE;
        unsigned shift = 0;
        switch (tolower((unsigned char) *end)) {
        case 0:
                break;
        case 'b':
                break;
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
        default:
                return -EINVAL;
        }
        if (*end) {
                end++;
                if (shift && tolower((unsigned char) *end) == 'b')
                        end++;
                if (*end)
                        return -EINVAL;
        }
        if (shift && v > (UINT64_MAX >> shift))
                return -ERANGE;
        *ret = (uint64_t) v << shift;
        return 0;
}
