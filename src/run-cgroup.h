/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* nsbox run's cgroup options (docker's and podman's names and units), kept
 * apart from the rest of run.c: parsing, the spec's linux.cgroupsPath and
 * linux.resources, and what is reported when the container ends. */

#include <getopt.h>

#include "common.h"

#define RUN_CGROUP_MAX_DEVICES 16

typedef struct RunCgroupArgs {
        const char *parent; /* --cgroup-parent (default "nsbox") */
        int enabled;        /* --cgroups: 0 default, 1 enabled, 2 disabled */
        bool best_effort;   /* --cgroup-limits=best-effort */
        int stats;          /* --stats: 0 no, 1 text, 2 json */
        bool any_limit;
        bool cpus;          /* --cpus, which sets the CFS period and quota itself */
        NsboxResources res; /* strings point into argv */
        NsboxThrottleDevice rbps[RUN_CGROUP_MAX_DEVICES], wbps[RUN_CGROUP_MAX_DEVICES];
} RunCgroupArgs;

/* The options, for getopt_long; their values are 0x300 and up. */
extern const struct option run_cgroup_options[];
#define RUN_CGROUP_N_OPTIONS 19

/* The usage text of the options. */
void run_cgroup_usage(FILE *f);
/* Handle option c. Returns 1 when it was one of ours, 0 when not, -EINVAL
 * (message printed) for a bad value. */
int run_cgroup_parse(RunCgroupArgs *a, int c, const char *arg);
/* Checks across options, after parsing. Returns 0 or -EINVAL (printed). */
int run_cgroup_check(RunCgroupArgs *a);
/* Put the cgroup (parent/name) and the limits into spec. Returns 0 or -ENOMEM. */
int run_cgroup_apply(const RunCgroupArgs *a, const char *name, NsboxSpec *spec);
/* After the start: warn about limits that best-effort mode skipped. */
void run_cgroup_started(NsboxContainer *c);
/* After the container's end, before it is freed: the OOM report and
 * --stats. Returns the exit status to use. */
int run_cgroup_finish(const RunCgroupArgs *a, NsboxContainer *c, const char *name, int status);

/* "64 MiB", "1.5 GiB", "512 bytes" */
void format_bytes(char *buf, size_t size, uint64_t bytes);
/* Print a cgroup's statistics as a table (text) or one JSON object. */
void print_stats(FILE *f, const char *name, const NsboxCgroupStats *st, bool json, bool header);
