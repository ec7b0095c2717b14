/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <nsbox/common.h>
#include <nsbox/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The eight namespace types of namespaces(7), in the order util-linux's lsns
 * knows them. */
typedef enum NsboxNsType {
        NSBOX_NS_MNT,
        NSBOX_NS_NET,
        NSBOX_NS_PID,
        NSBOX_NS_UTS,
        NSBOX_NS_IPC,
        NSBOX_NS_USER,
        NSBOX_NS_CGROUP,
        NSBOX_NS_TIME,
        _NSBOX_NS_MAX,
        _NSBOX_NS_INVALID = -1,
} NsboxNsType;

/**
 * nsbox_ns_type_name - the /proc/PID/ns/ name of a type ("mnt", "net", ...)
 * Returns: a static string, or NULL for an invalid type.
 */
NSBOX_PUBLIC const char *nsbox_ns_type_name(NsboxNsType t);

/**
 * nsbox_ns_type_oci_name - the runtime-spec name (config-linux.md: "mount",
 * "network", "pid", "uts", "ipc", "user", "cgroup", "time").
 * Returns: a static string, or NULL for an invalid type.
 */
NSBOX_PUBLIC const char *nsbox_ns_type_oci_name(NsboxNsType t);

/**
 * nsbox_ns_type_from_name - parse a type name; both the /proc names and the
 * OCI names are accepted.
 * Returns: the type, or _NSBOX_NS_INVALID.
 */
NSBOX_PUBLIC NsboxNsType nsbox_ns_type_from_name(const char *name);

/**
 * nsbox_ns_type_clone_flag - the CLONE_NEW* flag of a type (clone(2)).
 * Returns: the flag, or 0 for an invalid type.
 */
NSBOX_PUBLIC unsigned long nsbox_ns_type_clone_flag(NsboxNsType t);

#ifdef __cplusplus
}
#endif
