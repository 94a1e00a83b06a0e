/* SPDX-License-Identifier: MIT */
#pragma once

/* Memory for the large arrays of an approved list: malloc below 2 MiB, above it
 * a mapping of whole 2 MiB ranges with transparent huge pages.  Internal to the
 * list's files (approved*.c). */

#include <stddef.h>

/* size bytes, 64-byte aligned; NULL when out of memory. */
void *pages_alloc(size_t size);
/* Frees what pages_alloc gave (NULL: nothing). */
void pages_free(const void *p);
/* Resizes keeping the data (like realloc); NULL and p untouched on failure. */
void *pages_realloc(void *p, size_t size);
/* For _cleanup_: frees *(void **) p. */
void pages_freep(void *p);
