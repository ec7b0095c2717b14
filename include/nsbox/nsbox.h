/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* libnsbox: Linux namespaces and containers. Include this header only. */

#include <nsbox/common.h>
#include <nsbox/error.h>
#include <nsbox/namespace.h>
#include <nsbox/idmap.h>
#include <nsbox/userns.h>
#include <nsbox/seccomp.h>
#include <nsbox/spec.h>
#include <nsbox/rootfs.h>
#include <nsbox/container.h>
#include <nsbox/oci.h>
#include <nsbox/user.h>
#include <nsbox/cgroup.h>

#ifdef __cplusplus
extern "C" {
#endif

/** nsbox_version - the library's version string, e.g. "0.1.0". */
NSBOX_PUBLIC const char *nsbox_version(void);

#ifdef __cplusplus
}
#endif
