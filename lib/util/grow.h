/* grow.h — the one growing buffer of the writers that build a line before writing it (the JSON
 * writer, the CSV module): doubling, overflow-checked, never shrinking.
 */
#ifndef POP3SCAN_GROW_H
#define POP3SCAN_GROW_H

#include <stddef.h>

/* Makes room for n more bytes after len in *buf (*cap bytes; doubling from 1 KiB). Returns 1, or
 * 0 when the size would overflow or memory is out (the buffer is then unchanged). */
int p3s_grow(char **buf, size_t *cap, size_t len, size_t n);

#endif
