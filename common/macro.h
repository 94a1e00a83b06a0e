/* SPDX-License-Identifier: MIT */
#pragma once

/* Small helpers shared by every file: cleanup-on-return and array sizes. */

#include <stdlib.h>
#include <unistd.h>
#include <stdio.h>

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))

static inline void freep(void *p) { free(*(void **) p); }
static inline void closep(int *fd) { if (*fd >= 0) close(*fd); }
static inline void fclosep(FILE **f) { if (*f) fclose(*f); }
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Hands a cleanup variable's value on: returns it and leaves NULL (or a zeroed
 * struct) behind, so the cleanup at scope end frees nothing. */
#define TAKE_PTR(p) ({ typeof(p) _taken = (p); (p) = NULL; _taken; })
#define TAKE_STRUCT(s) ({ typeof(s) _taken = (s); (s) = (typeof(s)) {}; _taken; })
