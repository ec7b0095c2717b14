/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "basic/macro.h"
#include "nsbox/internal.h"

int nsbox_net_loopback_up(NsboxError **reterr)
{
        _cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return nsbox_error_set(reterr, errno, "socket for loopback setup");

        struct ifreq ifr = { 0 };
        strcpy(ifr.ifr_name, "lo");
        if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
                return nsbox_error_set(reterr, errno, "get flags of lo");
        if (ifr.ifr_flags & IFF_UP)
                return 0;
        ifr.ifr_flags |= IFF_UP;
        if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
                return nsbox_error_set(reterr, errno, "bring lo up");
        return 0;
}
