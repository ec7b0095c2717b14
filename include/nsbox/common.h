/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Marks a function as part of libnsbox's public ABI. Everything else in the
 * shared library is hidden (built with -fvisibility=hidden). */
#define NSBOX_PUBLIC __attribute__((visibility("default")))
