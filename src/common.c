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

const char *read_file_strerror(int r, size_t max, char *buf, size_t size)
{
        if (r == -EBADFD)
                return "not a regular file";
        if (r != -EFBIG)
                return strerror(-r);
        if (max % (1024 * 1024) == 0)
                snprintf(buf, size, "larger than %zu MiB", max / (1024 * 1024));
        else
                snprintf(buf, size, "larger than %zu bytes", max);
        return buf;
}
