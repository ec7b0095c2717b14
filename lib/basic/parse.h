/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/* Parse a decimal unsigned integer that fits in 32 bits; no sign, no junk.
 * Returns 0, -EINVAL or -ERANGE. */
int parse_uint32(const char *s, uint32_t *ret);
/* Parse a size with an optional k/m/g/t suffix (powers of 1024, case-insensitive,
 * an optional trailing 'b'), as docker's --memory. Returns 0, -EINVAL, -ERANGE. */
int parse_size(const char *s, uint64_t *ret);
