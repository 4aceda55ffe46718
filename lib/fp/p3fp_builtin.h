/* p3fp_builtin.h — the fingerprint database compiled into the program (library p3fpdata).
 *
 * CMake embeds every .fp file of fingerprints/, in name order, at build time (lib/fp/embed.cmake;
 * editing a .fp file regenerates it), so the program needs no file at run time. Each text is
 * NUL-terminated; the lengths do not count the NUL. */
#ifndef POP3SCAN_P3FP_BUILTIN_H
#define POP3SCAN_P3FP_BUILTIN_H

#include <stddef.h>

#include "fp.h"

/* The first file in name order (fingerprints/appliances.fp today); every file is in
 * p3fp_builtin_files below. */
extern const char p3fp_builtin[];
extern const size_t p3fp_builtin_len;
extern const char p3fp_builtin_name[];

/* Every embedded file, in name order (p3fp_builtin_files[0] is p3fp_builtin). */
struct p3fp_builtin_file {
    const char *name;
    const char *data;
    size_t len;
};
extern const struct p3fp_builtin_file p3fp_builtin_files[];
extern const size_t p3fp_builtin_nfiles;

/* Loads every embedded file into db (p3fp_db_load() for each). 0, or -1 with err filled. */
int p3fp_db_load_builtin(struct p3fp_db *db, char *err, size_t errlen);

#endif
