/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>

#include "common.h"

const char *program_invocation_name_cmd = "nsbox";

void log_error(const char *fmt, ...)
{
        va_list ap;
        fprintf(stderr, "%s: ", program_invocation_name_cmd);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

void log_nsbox_error(const NsboxError *err, int r)
{
        if (err && err->message)
                fprintf(stderr, "%s: %s\n", program_invocation_name_cmd, err->message);
        else
                fprintf(stderr, "%s: %s\n", program_invocation_name_cmd, strerror(r < 0 ? -r : r));
}
