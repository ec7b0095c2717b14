/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "common.h"
int cmd_run(int argc, char **argv) { return 125; }
