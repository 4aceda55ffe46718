/* builtin.c — loads the embedded fingerprint files (p3fp_builtin.h). */
#include "p3fp_builtin.h"

int p3fp_db_load_builtin(struct p3fp_db *db, char *err, size_t errlen)
{
    for (size_t i = 0; i < p3fp_builtin_nfiles; i++)
        if (p3fp_db_load(db, p3fp_builtin_files[i].data, p3fp_builtin_files[i].len,
                         p3fp_builtin_files[i].name, err, errlen) < 0)
            return -1;
    return 0;
}
