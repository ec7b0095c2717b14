/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <linux/capability.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "basic/macro.h"
#include "nsbox/internal.h"

int nsbox_caps_apply(const NsboxSpec *spec, NsboxError **reterr)
{
        int last = (int) cap_max_bits() - 1;
        if (last > 63)
                last = 63;

        /* What we hold now bounds what we can keep: capset(2) refuses to add. */
        cap_t cur = cap_get_proc();
        if (!cur)
                return nsbox_error_set(reterr, errno, "read capabilities");
        uint64_t held = 0;
        for (int c = 0; c <= last; c++) {
                cap_flag_value_t v = CAP_CLEAR;
                if (cap_get_flag(cur, (cap_value_t) c, CAP_PERMITTED, &v) == 0 && v == CAP_SET)
                        held |= UINT64_C(1) << c;
        }

        /* After setresuid(2) to a non-zero uid (with PR_SET_KEEPCAPS) the
         * effective set is empty while the permitted set is kept; dropping
         * from the bounding set needs CAP_SETPCAP effective, so raise the
         * effective set to the permitted one first (capabilities(7)). */
        if (held != 0) {
                for (int c = 0; c <= last; c++) {
                        cap_value_t v = (cap_value_t) c;
                        if (held & (UINT64_C(1) << c))
                                cap_set_flag(cur, CAP_EFFECTIVE, 1, &v, CAP_SET);
                }
                if (cap_set_proc(cur) < 0) {
                        int saved = errno;
                        cap_free(cur);
                        return nsbox_error_set(reterr, saved, "raise effective capabilities");
                }
        }
        cap_free(cur);

        for (int c = 0; c <= last; c++) {
                if (spec->process.cap_bounding & (UINT64_C(1) << c))
                        continue;
                if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
                        return nsbox_error_set(reterr, errno, "drop capability %d from the bounding set", c);
        }

        cap_t caps = cap_init();
        if (!caps)
                return nsbox_error_set(reterr, errno, "capabilities");
        for (int c = 0; c <= last; c++) {
                cap_value_t v = (cap_value_t) c;
                uint64_t bit = UINT64_C(1) << c;
                if (!(held & bit))
                        continue;
                if (spec->process.cap_permitted & bit)
                        cap_set_flag(caps, CAP_PERMITTED, 1, &v, CAP_SET);
                if (spec->process.cap_effective & bit)
                        cap_set_flag(caps, CAP_EFFECTIVE, 1, &v, CAP_SET);
                if (spec->process.cap_inheritable & bit)
                        cap_set_flag(caps, CAP_INHERITABLE, 1, &v, CAP_SET);
        }
        int r = cap_set_proc(caps);
        int saved = errno;
        cap_free(caps);
        if (r < 0)
                return nsbox_error_set(reterr, saved, "set capabilities");

        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
                return nsbox_error_set(reterr, errno, "clear ambient capabilities");
        for (int c = 0; c <= last; c++)
                if ((spec->process.cap_ambient & (UINT64_C(1) << c)) && (held & (UINT64_C(1) << c)) &&
                    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
                        return nsbox_error_set(reterr, errno, "raise ambient capability %d", c);
        return 0;
}
