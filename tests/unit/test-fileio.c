/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lib/basic/fileio.c: read_full_file_at_max(), the one bounded reader of
 * files that come from the user (env files, seccomp profiles, ...). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "basic/fileio.h"
#include "basic/macro.h"

static void write_file(const char *path, size_t size)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        char buf[4096];
        memset(buf, 'a', sizeof(buf));
        for (size_t done = 0; done < size;) {
                size_t n = size - done < sizeof(buf) ? size - done : sizeof(buf);
                assert_int_equal(loop_write(fd, buf, n), 0);
                done += n;
        }
        close(fd);
}

static void test_regular(void **state)
{
        (void) state;
        char dir[] = "/tmp/nsbox-test-fileio-XXXXXX", path[64];
        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/f", dir);
        char *text = NULL;
        size_t size = 0;

        write_file(path, 100000);
        assert_int_equal(read_full_file_at_max(AT_FDCWD, path, 100000, &text, &size), 0);
        assert_int_equal(size, 100000);
        assert_int_equal(text[size], 0);
        free(text);
        text = NULL;
        assert_int_equal(read_full_file_at_max(AT_FDCWD, path, 99999, &text, &size), -EFBIG);
        assert_null(text);

        write_file(path, 0);
        assert_int_equal(read_full_file_at_max(AT_FDCWD, path, 10, &text, &size), 0);
        assert_int_equal(size, 0);
        free(text);
        text = NULL;

        assert_int_equal(read_full_file_at_max(AT_FDCWD, dir, 10, &text, &size), -EISDIR);
        unlink(path);
        rmdir(dir);
}

static void test_not_regular(void **state)
{
        (void) state;
        char *text = NULL;
        assert_int_equal(read_full_file_at_max(AT_FDCWD, "/dev/zero", 1 << 20, &text, NULL), -EBADFD);
        assert_int_equal(read_full_file_at(AT_FDCWD, "/dev/zero", &text, NULL), -EBADFD);
        assert_null(text);
}

/* An endless pipe is read up to the bound, not to the end. */
static void test_pipe(void **state)
{
        (void) state;
        int p[2];
        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                char buf[4096];
                memset(buf, 'x', sizeof(buf));
                close(p[0]);
                while (loop_write(p[1], buf, sizeof(buf)) == 0)
                        ;
                _exit(0);
        }
        close(p[1]);
        char path[64];
        snprintf(path, sizeof(path), "/proc/self/fd/%d", p[0]);
        char *text = NULL;
        assert_int_equal(read_full_file_at_max(AT_FDCWD, path, 1 << 20, &text, NULL), -EFBIG);
        assert_null(text);
        close(p[0]);
        assert_int_equal(waitpid(pid, NULL, 0), pid);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_regular),
                cmocka_unit_test(test_not_regular),
                cmocka_unit_test(test_pipe),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
