/* targetfile.c — see targetfile.h. Each file has one block of TFILE_BLOCK bytes; a line is
 * copied out of it into the file's text buffer, or skipped and reported when longer than
 * P3S_TFILE_LINE_MAX. */
#include "targetfile.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "escape.h"
#include "util.h"

#define TFILE_BLOCK 65536

static int tfile_fill(struct p3s_tfile *s);

int p3s_tfile_open(struct p3s_tfile *s, const char *path, char *err, size_t errsz)
{
    memset(s, 0, sizeof *s);
    s->is_stdin = strcmp(path, "-") == 0;
    s->fd = s->is_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC);
    if (s->fd < 0) {
        snprintf(err, errsz, "%s: %s", path, strerror(errno));
        return -1;
    }
    s->name = p3s_xstrdup(s->is_stdin ? "stdin" : path);
    struct stat st;
    if (fstat(s->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(err, errsz, "%s: is a directory", path);
        return -1;
    }
    /* The first block now: a file that opens but cannot be read (EIO, /proc/self/mem) is bad
     * input before anything is scanned. (Standard input is left to be read when needed.) */
    if (!s->is_stdin && tfile_fill(s) < 0) {
        snprintf(err, errsz, "%s: read error: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

void p3s_tfile_close(struct p3s_tfile *s)
{
    if (s->fd >= 0 && !s->is_stdin)
        close(s->fd);
    s->fd = -1;
    free(s->buf);
    s->buf = NULL;
    free(s->name);
    s->name = NULL;
}

/* Refills the block. Returns 1, 0 at the end of the file, -1 on a read error. */
static int tfile_fill(struct p3s_tfile *s)
{
    if (!s->buf)
        s->buf = p3s_xmalloc(TFILE_BLOCK);
    ssize_t n;
    do
        n = read(s->fd, s->buf, TFILE_BLOCK);
    while (n < 0 && errno == EINTR);
    if (n <= 0) {
        s->eof = 1;
        return n < 0 ? -1 : 0;
    }
    s->pos = 0;
    s->len = (size_t)n;
    return 1;
}

/* Reads the next line into s->text without its CR LF. Returns 1 with its length (or SIZE_MAX
 * when too long; the rest of the line is skipped), 0 at the end, -1 on a read error. */
static int tfile_raw_line(struct p3s_tfile *s, size_t *lenp)
{
    size_t n = 0;
    int any = 0, toolong = 0;
    for (;;) {
        if (s->pos == s->len) {
            int r = s->eof ? 0 : tfile_fill(s);
            if (r < 0)
                return -1;
            if (r == 0)
                break;
        }
        char *start = s->buf + s->pos, *nl = memchr(start, '\n', s->len - s->pos);
        size_t chunk = nl ? (size_t)(nl - start) : s->len - s->pos;
        if (n + chunk <= P3S_TFILE_LINE_MAX + 1)
            memcpy(s->text + n, start, chunk);
        else
            toolong = 1;
        n += toolong ? 0 : chunk;
        s->pos += chunk + (nl != NULL);
        any = 1;
        if (nl)
            break;
    }
    if (!any)
        return 0;
    s->line++;
    if (n && s->text[n - 1] == '\r')
        n--;
    *lenp = toolong || n > P3S_TFILE_LINE_MAX ? SIZE_MAX : n;
    return 1;
}

/* "FILE:LINE: msg" for a bad line. The message quotes the line, whose bytes come from a file
 * (often made by other tools from untrusted data) and go to a terminal: escape what a terminal
 * would act on (controls, C1, bidirectional overrides, invalid UTF-8). */
void p3s_tfile_error(char *err, size_t errsz, const struct p3s_tfile *s, const char *msg)
{
    char raw[1024];
    int n = snprintf(raw, sizeof raw, "%s:%lu: %s", s->name, s->line, msg);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof raw ? (size_t)n : sizeof raw - 1;
    p3s_escape_term(raw, len, err, errsz);
}

char *p3s_tfile_trim(char *p)
{
    while (isspace((unsigned char)*p))
        p++;
    if (*p == '#')
        return p + strlen(p);
    for (char *q = p + 1; *p && *q; q++)
        if (*q == '#' && isspace((unsigned char)q[-1])) {
            *q = '\0';
            break;
        }
    char *end = p + strlen(p);
    while (end > p && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return p;
}

int p3s_tfile_next(struct p3s_tfile *s, char **expr, char *err, size_t errsz)
{
    for (;;) {
        size_t len;
        int r = tfile_raw_line(s, &len);
        if (r <= 0) {
            if (r < 0)
                snprintf(err, errsz, "%s: read error: %s", s->name, strerror(errno));
            return r < 0 ? -2 : 0;
        }
        if (len == SIZE_MAX) {
            snprintf(err, errsz, "%s:%lu: line longer than %u bytes", s->name, s->line,
                     P3S_TFILE_LINE_MAX);
            return -1;
        }
        if (memchr(s->text, '\0', len)) {
            snprintf(err, errsz, "%s:%lu: binary data (a NUL byte)", s->name, s->line);
            return -1;
        }
        s->text[len] = '\0';
        *expr = p3s_tfile_trim(s->text);
        if (**expr)
            return 1;
    }
}
