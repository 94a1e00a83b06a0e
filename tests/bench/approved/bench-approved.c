/* SPDX-License-Identifier: MIT */
/* Approved-list benchmark: random global IPv4/IPv6 blocks (half each), written
 * as a text list; measures, for each size, against a baseline taken in the same
 * run (reading the file's bytes into memory, which any text parser must do):
 *   load     approved_list_load (check_perms on) + one match: the first run
 *            ("cold": fresh memory), the best wall time, the best CPU time
 *   iwrite   approved_index_write
 *   iopen    approved_index_open + one match (the logon path)
 *   match    ns per approved_list_match on a loaded list (half hits)
 * Each figure is the best of several runs.
 * Usage: bench-approved [SIZE...]   (default 10 1000 100000 1000000) */

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "approved.h"
#include "approved_index.h"

#define SEED 20261125u

static uint64_t rng = SEED;

static uint64_t rnd(void) {
        uint64_t z = (rng += UINT64_C(0x9e3779b97f4a7c15));
        z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
        return z ^ (z >> 31);
}

static double now_s(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* A random global block, as text. */
static void random_block(char buf[IP_BLOCK_TEXT_MAX]) {
        for (;;) {
                struct ip_block b;
                char reason[REASON_MAX];
                char text[IP_BLOCK_TEXT_MAX];
                if (rnd() % 2) {
                        uint32_t v = (uint32_t) rnd();
                        unsigned p = 16 + (unsigned) (rnd() % 17);
                        v &= p == 0 ? 0 : UINT32_MAX << (32 - p);
                        snprintf(text, sizeof text, "%u.%u.%u.%u/%u", v >> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255, p);
                } else {
                        uint64_t hi = UINT64_C(0x2000000000000000) | (rnd() >> 3), lo = rnd();
                        unsigned p = 32 + (unsigned) (rnd() % 97);
                        if (p < 64) {
                                hi &= UINT64_MAX << (64 - p);
                                lo = 0;
                        } else if (p < 128)
                                lo &= UINT64_MAX << (128 - p);
                        snprintf(text, sizeof text, "%x:%x:%x:%x:%x:%x:%x:%x/%u",
                                 (unsigned) (hi >> 48), (unsigned) (hi >> 32) & 0xffff, (unsigned) (hi >> 16) & 0xffff,
                                 (unsigned) hi & 0xffff, (unsigned) (lo >> 48), (unsigned) (lo >> 32) & 0xffff,
                                 (unsigned) (lo >> 16) & 0xffff, (unsigned) lo & 0xffff, p);
                }
                if (ip_block_parse(text, strlen(text), &b, reason) < 0 || ip_block_check_global(&b, reason) < 0)
                        continue;
                ip_block_format(&b, buf);       /* canonical, as an administrator writes it */
                return;
        }
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

static double cpu_s(void) {
        struct timespec ts;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static double read_bytes(const char *path) {
        double t0 = now_s();
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0)
                exit(1);
        char *buf = malloc((size_t) st.st_size + 1);
        size_t got = 0;
        while (got < (size_t) st.st_size) {
                ssize_t k = read(fd, buf + got, (size_t) st.st_size - got);
                if (k <= 0)
                        exit(1);
                got += (size_t) k;
        }
        volatile char sink = buf[got / 2];
        (void) sink;
        close(fd);
        free(buf);
        return now_s() - t0;
}

static addr128 probe(const struct approved_list *l, size_t n_entries) {
        if (n_entries > 0 && rnd() % 2) {
                struct approved_entry_info info;
                approved_list_entry(l, rnd() % n_entries, &info);
                addr128 a;
                int family;
                char *slash = strchr(info.text, '/');
                addr_parse(info.text, slash ? (size_t) (slash - info.text) : strlen(info.text), &a, &family);
                return a;
        }
        if (rnd() % 2)
                return (addr128) { 0, UINT64_C(0xffff00000000) | (uint32_t) rnd() };
        return (addr128) { UINT64_C(0x2000000000000000) | (rnd() >> 3), rnd() };
}

static void run(size_t n, const char *dir) {
        char main_file[256], drop_dir[256];
        snprintf(main_file, sizeof main_file, "%s/approved", dir);
        snprintf(drop_dir, sizeof drop_dir, "%s/approved.d", dir);

        FILE *f = fopen(main_file, "w");
        for (size_t i = 0; i < n; i++) {
                char text[IP_BLOCK_TEXT_MAX];
                random_block(text);
                fprintf(f, "%s\n", text);
        }
        fclose(f);
        struct stat st;
        stat(main_file, &st);

        int reps = n >= 1000000 ? 3 : n >= 100000 ? 5 : 20;
        double best_read = 1e9, best_load = 1e9, best_write = 1e9, best_open = 1e9, best_cpu = 1e9, first_load = 0;
        addr128 first_probe = { 0, UINT64_C(0xffffcb007107) };
        struct approved_list *l = NULL;

        for (int r = 0; r < reps; r++) {
                double t = read_bytes(main_file);
                if (t < best_read)
                        best_read = t;

                struct diag_list d = {};
                approved_list_free(l);
                l = NULL;
                double t0 = now_s(), c0 = cpu_s();
                if (approved_list_load(main_file, drop_dir, false, true, 1, &d, &l) < 0) {
                        char *s = diag_join(&d);
                        fprintf(stderr, "load failed: %s\n", s);
                        exit(1);
                }
                approved_list_match(l, first_probe, NULL);
                t = now_s() - t0;
                double c = cpu_s() - c0;
                if (r == 0)
                        first_load = t;
                if (t < best_load)
                        best_load = t;
                if (c < best_cpu)
                        best_cpu = c;
                diag_free(&d);

                t0 = now_s();
                int e = approved_index_write(l, main_file, drop_dir, false);
                t = now_s() - t0;
                if (e < 0) {
                        fprintf(stderr, "index write: %s\n", strerror(-e));
                        exit(1);
                }
                if (t < best_write)
                        best_write = t;

                for (int k = 0; k < 10; k++) {
                        struct approved_list *m = NULL;
                        t0 = now_s();
                        e = approved_index_open(main_file, drop_dir, false, &m);
                        struct approved_entry_info info;
                        approved_list_match(m, first_probe, &info);
                        t = now_s() - t0;
                        if (e < 0) {
                                fprintf(stderr, "index open: %s\n", strerror(-e));
                                exit(1);
                        }
                        approved_list_free(m);
                        if (t < best_open)
                                best_open = t;
                }
        }

        /* matches on the loaded list: probes prepared first, then timed */
        size_t n_probes = 1000000;
        addr128 *probes = malloc(n_probes * sizeof *probes);
        for (size_t i = 0; i < n_probes; i++)
                probes[i] = probe(l, approved_list_entries(l));
        size_t hits = 0;
        double best_match = 1e9;
        for (int r = 0; r < 3; r++) {
                hits = 0;
                double t0 = now_s();
                for (size_t i = 0; i < n_probes; i++)
                        hits += approved_list_match(l, probes[i], NULL);
                double t = (now_s() - t0) / (double) n_probes;
                if (t < best_match)
                        best_match = t;
        }
        /* the same on the mapped index */
        struct approved_list *m = NULL;
        approved_index_open(main_file, drop_dir, false, &m);
        double best_mmatch = 1e9;
        for (int r = 0; r < 3; r++) {
                double t0 = now_s();
                size_t h = 0;
                for (size_t i = 0; i < n_probes; i++)
                        h += approved_list_match(m, probes[i], NULL);
                double t = (now_s() - t0) / (double) n_probes;
                if (h != hits)
                        exit(2);
                if (t < best_mmatch)
                        best_mmatch = t;
        }
        approved_list_free(m);

        printf("%9zu %8.2f %9.3f %9.3f %9.3f %9.3f %7.1fx %9.3f %9.1f %8.0f %8.0f %6.1f%%\n",
               n, (double) st.st_size / 1e6, best_read * 1e3, first_load * 1e3, best_load * 1e3, best_cpu * 1e3,
               best_load / best_read,
               best_write * 1e3, best_open * 1e6, best_match * 1e9, best_mmatch * 1e9,
               100.0 * (double) hits / (double) n_probes);
        fflush(stdout);
        free(probes);
        approved_list_free(l);
}

int main(int argc, char **argv) {
        static const size_t sizes_default[] = { 10, 1000, 100000, 1000000 };
        char dir[] = "/tmp/bench-approved-XXXXXX";
        if (!mkdtemp(dir) || chmod(dir, 0755) < 0)
                return 1;

        printf("seed %u; baseline 'read' = open+read of the list's bytes into memory\n", SEED);
        printf("%9s %8s %9s %9s %9s %9s %8s %9s %9s %8s %8s %7s\n", "entries", "MB", "read ms", "cold ms",
               "load ms", "load cpu", "load/rd",
               "iwrite ms", "iopen µs", "match ns", "imatch ns", "hits");
        if (argc > 1)
                for (int i = 1; i < argc; i++)
                        run((size_t) strtoull(argv[i], NULL, 10), dir);
        else
                for (size_t i = 0; i < sizeof sizes_default / sizeof sizes_default[0]; i++)
                        run(sizes_default[i], dir);

        nftw(dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
        return 0;
}
