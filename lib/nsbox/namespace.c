/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <sched.h>

#include "basic/macro.h"
#include "basic/missing.h"
#include "nsbox/namespace.h"

static const struct {
        const char *name;
        const char *oci_name;
        unsigned long flag;
} ns_types[_NSBOX_NS_MAX] = {
        [NSBOX_NS_MNT] = { "mnt", "mount", CLONE_NEWNS },
        [NSBOX_NS_NET] = { "net", "network", CLONE_NEWNET },
        [NSBOX_NS_PID] = { "pid", "pid", CLONE_NEWPID },
        [NSBOX_NS_UTS] = { "uts", "uts", CLONE_NEWUTS },
        [NSBOX_NS_IPC] = { "ipc", "ipc", CLONE_NEWIPC },
        [NSBOX_NS_USER] = { "user", "user", CLONE_NEWUSER },
        [NSBOX_NS_CGROUP] = { "cgroup", "cgroup", CLONE_NEWCGROUP },
        [NSBOX_NS_TIME] = { "time", "time", CLONE_NEWTIME },
};

const char *nsbox_ns_type_name(NsboxNsType t)
{
        return t >= 0 && t < _NSBOX_NS_MAX ? ns_types[t].name : NULL;
}

const char *nsbox_ns_type_oci_name(NsboxNsType t)
{
        return t >= 0 && t < _NSBOX_NS_MAX ? ns_types[t].oci_name : NULL;
}

NsboxNsType nsbox_ns_type_from_name(const char *name)
{
        if (!name)
                return _NSBOX_NS_INVALID;
        for (int t = 0; t < _NSBOX_NS_MAX; t++)
                if (streq(name, ns_types[t].name) || streq(name, ns_types[t].oci_name))
                        return (NsboxNsType) t;
        return _NSBOX_NS_INVALID;
}

unsigned long nsbox_ns_type_clone_flag(NsboxNsType t)
{
        return t >= 0 && t < _NSBOX_NS_MAX ? ns_types[t].flag : 0;
}
