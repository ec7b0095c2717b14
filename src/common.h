/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "basic/macro.h"
#include "nsbox/nsbox.h"

/* Exit codes of nsbox's own commands (docker/podman convention). */
#define EXIT_NSBOX_ERROR 125
#define EXIT_CANNOT_EXEC 126
#define EXIT_NOT_FOUND 127

/* The name a command was called by, for messages: "nsbox run", "lsns", ... */
extern const char *program_invocation_name_cmd;

/* Print "PROG: MESSAGE\n" to stderr. */
void log_error(const char *fmt, ...) _printf_(1, 2);
/* Print "PROG: ERR->message\n" (or strerror(-r) when err is NULL). */
void log_nsbox_error(const NsboxError *err, int r);

/* Why read_full_file_at_max() failed with r, for "WHAT 'PATH': WHY": "not a
 * regular file", "larger than 1 MiB" (max in bytes), or strerror(-r). */
const char *read_file_strerror(int r, size_t max, char *buf, size_t size);

int cmd_run(int argc, char **argv);
int cmd_lsns(int argc, char **argv);
int cmd_unshare(int argc, char **argv);
int cmd_nsenter(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_gc(int argc, char **argv);
/* nsbox-oci: the OCI runtime, dispatched by argv[0] (oci.c) */
int cmd_oci(int argc, char **argv);
