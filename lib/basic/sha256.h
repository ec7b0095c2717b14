/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* SHA-256 (FIPS 180-4), small and dependency-free: for cache keys on paths
 * that must not pay for loading libcrypto (see nsbox/dlopen-archive.h). */
typedef struct Sha256 {
        uint32_t h[8];
        uint64_t len; /* bytes so far */
        uint8_t buf[64];
        size_t n; /* bytes in buf */
} Sha256;

void sha256_init(Sha256 *c);
void sha256_update(Sha256 *c, const void *data, size_t size);
/* hex: 64 lowercase hex digits and a NUL */
void sha256_final_hex(Sha256 *c, char hex[65]);
