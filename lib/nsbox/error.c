/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>

#include "basic/macro.h"
#include "nsbox/error.h"

static int set_error(NsboxError **reterr, int errnum, bool with_strerror, const char *fmt, va_list ap)
{
        int code = errnum < 0 ? -errnum : errnum;
        if (code == 0)
                code = EIO;
        if (!reterr || *reterr)
                return -code;

        _cleanup_free_ char *ctx = NULL;
        if (vasprintf(&ctx, fmt, ap) < 0)
                return -code;

        NsboxError *e = calloc(1, sizeof(*e));
        if (!e)
                return -code;
        e->code = code;
        if (with_strerror) {
                if (asprintf(&e->message, "%s: %s", ctx, strerror(code)) < 0)
                        e->message = NULL;
        } else
                e->message = TAKE_PTR(ctx);
        if (!e->message) {
                free(e);
                return -code;
        }
        *reterr = e;
        return -code;
}

int nsbox_error_set(NsboxError **reterr, int errnum, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int r = set_error(reterr, errnum, true, fmt, ap);
        va_end(ap);
        return r;
}

int nsbox_error_set_message(NsboxError **reterr, int errnum, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int r = set_error(reterr, errnum, false, fmt, ap);
        va_end(ap);
        return r;
}

int nsbox_error_wrap(NsboxError **reterr, int r, const char *fmt, ...)
{
        va_list ap;
        if (!reterr)
                return r;
        if (!*reterr) {
                va_start(ap, fmt);
                set_error(reterr, r, true, fmt, ap);
                va_end(ap);
                return r;
        }

        _cleanup_free_ char *ctx = NULL;
        va_start(ap, fmt);
        int k = vasprintf(&ctx, fmt, ap);
        va_end(ap);
        if (k < 0)
                return r;

        char *m = NULL;
        if (asprintf(&m, "%s: %s", ctx, (*reterr)->message) < 0)
                return r;
        free((*reterr)->message);
        (*reterr)->message = m;
        return r;
}

void nsbox_error_free(NsboxError *err)
{
        if (!err)
                return;
        free(err->message);
        free(err);
}
