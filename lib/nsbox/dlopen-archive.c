/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libarchive and libcrypto on demand; see dlopen-archive.h for why. */
#define NSBOX_DL_NO_REDIRECT 1
#include <dlfcn.h>
#include <pthread.h>

#include "basic/macro.h"
#include "nsbox/dlopen-archive.h"
#include "nsbox/internal.h"

#define NSBOX_DL_DEFINE(f) __typeof__(f) *nsbox_dl_##f;
NSBOX_ARCHIVE_SYMBOLS(NSBOX_DL_DEFINE)
NSBOX_CRYPTO_SYMBOLS(NSBOX_DL_DEFINE)

/* The sonames of the libraries nsbox is built against (Debian 12's); a
 * library with another soname has another ABI. */
static const char *const archive_soname = "libarchive.so.13";
static const char *const crypto_soname = "libcrypto.so.3";

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_error[512]; /* empty: loaded */

static bool load_symbol(void *lib, const char *name, void **ret)
{
        dlerror();
        *ret = dlsym(lib, name);
        if (*ret)
                return true;
        const char *e = dlerror();
        snprintf(load_error, sizeof(load_error), "%s", e ? e : name);
        return false;
}

static void load(void)
{
        /* RTLD_LOCAL: nothing of theirs becomes visible to later lookups;
         * never dlclose()d, the pointers stay valid for the process */
        void *archive = dlopen(archive_soname, RTLD_NOW | RTLD_LOCAL);
        void *crypto = archive ? dlopen(crypto_soname, RTLD_NOW | RTLD_LOCAL) : NULL;
        if (!archive || !crypto) {
                const char *e = dlerror();
                snprintf(load_error, sizeof(load_error), "%s", e ? e : "dlopen");
                return;
        }
#define NSBOX_DL_LOAD(f)                                        \
        if (!load_symbol(archive, #f, (void **) &nsbox_dl_##f)) \
                return;
        NSBOX_ARCHIVE_SYMBOLS(NSBOX_DL_LOAD)
#undef NSBOX_DL_LOAD
#define NSBOX_DL_LOAD(f)                                       \
        if (!load_symbol(crypto, #f, (void **) &nsbox_dl_##f)) \
                return;
        NSBOX_CRYPTO_SYMBOLS(NSBOX_DL_LOAD)
#undef NSBOX_DL_LOAD
}

int nsbox_dlopen_archive(NsboxError **reterr)
{
        pthread_once(&once, load);
        if (load_error[0])
                return nsbox_error_set_message(reterr, ELIBACC, "load %s and %s: %s", archive_soname,
                                               crypto_soname, load_error);
        return 0;
}
