/* targetfile.h — reading the target generator's files (-iL and --exclude-file; the syntax is in
 * targetgen.h) for targetgen.c. Files are read in blocks with read(2), so that a line of any
 * length, a NUL byte or a slow pipe never costs more than one block and one line of memory;
 * bad lines are reported as "FILE:LINE: message".
 */
#ifndef POP3SCAN_TARGETFILE_H
#define POP3SCAN_TARGETFILE_H

#include <stddef.h>

/* Longest line read, terminator excluded; a longer one is an error of its own. */
#define P3S_TFILE_LINE_MAX 4096u


struct p3s_tfile {
    int fd, is_stdin;
    char *name;         /* for messages; "stdin" for "-" */
    unsigned long line; /* number of the last line read */
    char *buf;          /* one block, allocated on first read */
    size_t pos, len;
    int eof;
    char text[P3S_TFILE_LINE_MAX + 2]; /* the line, room for a CR and the NUL */
};

/* Opens path ("-": standard input) and reads its first block. Returns 0, or -1 with err set;
 * p3s_tfile_close() is due either way. */
int p3s_tfile_open(struct p3s_tfile *s, const char *path, char *err, size_t errsz);
void p3s_tfile_close(struct p3s_tfile *s);
/* The next expression of a file, blank lines and comments skipped. Returns 1 with *expr set,
 * 0 at the end, -1 with "FILE:LINE: message" for a bad line, -2 with "FILE: read error: ..."
 * when the file cannot be read on. */
int p3s_tfile_next(struct p3s_tfile *s, char **expr, char *err, size_t errsz);
/* "FILE:LINE: msg" for the line last read, escaped for a terminal. */
void p3s_tfile_error(char *err, size_t errsz, const struct p3s_tfile *s, const char *msg);
/* Strips surrounding whitespace and a comment (a `#` starting the line or after whitespace). */
char *p3s_tfile_trim(char *p);

#endif
