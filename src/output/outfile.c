/* outfile.c — checking, opening, committing and closing the destinations of a run (see
 * outfile.h for the promises). */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

/* What a destination is, to tell when two are one. An existing file is its device and inode
 * (stat follows symlinks, hard links share the inode); a new file is its directory's device and
 * inode and its last name. */
struct dest_id {
    int exists;
    dev_t dev;
    ino_t ino;
    char *base; /* a new file */
};

/* How a destination is opened. */
enum how { HOW_STDOUT, HOW_IN_PLACE, HOW_APPEND, HOW_TEMP };

struct plan {
    struct p3s_output *o;
    const char *label; /* the format, or "--meta" */
    struct dest_id id;
    enum how how;
    mode_t mode; /* of a new file */
};

int p3s_output_is_stdout(const struct p3s_output *o)
{
    return strcmp(o->name, "-") == 0;
}

static const char *shown_name(const struct p3s_output *o)
{
    return p3s_output_is_stdout(o) ? "standard output" : o->name;
}

void p3s_output_fail(struct p3s_output *o, int err)
{
    if (o->failed)
        return;
    o->failed = 1;
    fprintf(stderr, "pop3scan: cannot write to %s%s%s: %s\n", p3s_output_is_stdout(o) ? "" : "'",
            shown_name(o), p3s_output_is_stdout(o) ? "" : "'",
            err ? strerror(err) : "write error");
}

int p3s_output_check(struct p3s_output *o, int rc, int err)
{
    if (o->failed)
        return -1;
    if (rc >= 0 && !ferror(o->fp))
        return 0;
    p3s_output_fail(o, err);
    return -1;
}

static int refuse(const char *name, const char *why)
{
    fprintf(stderr, "pop3scan: cannot write '%s': %s\n", name, why);
    return 2;
}

static mode_t new_file_mode(void)
{
    mode_t mask = umask(0);
    umask(mask);
    return 0666 & ~mask;
}

/* A path that does not exist yet: its directory must exist and take new files. */
static int plan_new(struct plan *p, const char *path)
{
    size_t len = strlen(path);
    if (len && path[len - 1] == '/')
        return refuse(path, "names a directory");
    char *d = p3s_xstrdup(path), *b = p3s_xstrdup(path);
    const char *dir = dirname(d);
    struct stat st;
    int rc = 0;
    if (stat(dir, &st) < 0)
        rc = refuse(path, strerror(errno));
    else if (!S_ISDIR(st.st_mode))
        rc = refuse(path, strerror(ENOTDIR));
    else if (access(dir, W_OK | X_OK) < 0)
        rc = refuse(path, strerror(errno));
    if (rc == 0) {
        p->id.dev = st.st_dev;
        p->id.ino = st.st_ino;
        p->id.base = p3s_xstrdup(basename(b));
        p->o->final = p3s_xstrdup(path);
        p->how = HOW_TEMP;
        p->mode = new_file_mode();
    }
    free(d);
    free(b);
    return rc;
}

/* An existing regular file is replaced by a new one written beside it (through a symlink: beside
 * the file it points to); anything else (a device, a FIFO) is written where it is. */
static int plan_path(struct plan *p, const char *path, int resuming)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        struct stat lst;
        if (errno != ENOENT)
            return refuse(path, strerror(errno));
        if (lstat(path, &lst) == 0) { /* a dangling symlink: writing creates what it names */
            p->id.exists = 1;
            p->id.dev = lst.st_dev;
            p->id.ino = lst.st_ino;
            p->how = HOW_IN_PLACE;
            return 0;
        }
        if (resuming) { /* --resume appends; a file that went missing starts again */
            int rc = plan_new(p, path);
            p->how = HOW_APPEND;
            free(p->o->final);
            p->o->final = NULL;
            return rc;
        }
        return plan_new(p, path);
    }
    if (S_ISDIR(st.st_mode))
        return refuse(path, strerror(EISDIR));
    p->id.exists = 1;
    p->id.dev = st.st_dev;
    p->id.ino = st.st_ino;
    p->o->existed = 1;
    if (access(path, W_OK) < 0)
        return refuse(path, strerror(errno));
    if (!S_ISREG(st.st_mode)) {
        p->how = HOW_IN_PLACE;
        return 0;
    }
    if (resuming) {
        p->how = HOW_APPEND;
        return 0;
    }
    char *real = realpath(path, NULL);
    if (!real)
        return refuse(path, strerror(errno));
    p->o->final = real;
    p->how = HOW_TEMP;
    p->mode = st.st_mode & 07777;
    return 0;
}

static int plan_one(struct plan *p, int resuming)
{
    if (!p3s_output_is_stdout(p->o))
        return plan_path(p, p->o->name, resuming);
    struct stat st;
    if (fstat(STDOUT_FILENO, &st) < 0) {
        fprintf(stderr, "pop3scan: cannot write to standard output: %s\n", strerror(errno));
        return 2;
    }
    p->id.exists = 1;
    p->id.dev = st.st_dev;
    p->id.ino = st.st_ino;
    p->how = HOW_STDOUT;
    return 0;
}

static int same_dest(const struct dest_id *a, const struct dest_id *b)
{
    if (a->exists != b->exists || a->dev != b->dev || a->ino != b->ino)
        return 0;
    return a->exists || strcmp(a->base, b->base) == 0;
}

static int check_distinct(const struct plan *plans, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t k = i + 1; k < n; k++) {
            if (!same_dest(&plans[i].id, &plans[k].id))
                continue;
            fprintf(stderr,
                    "pop3scan: two outputs write to one file: '%s' (%s) and '%s' (%s); give "
                    "each its own\n",
                    plans[i].o->name, plans[i].label, plans[k].o->name, plans[k].label);
            return 2;
        }
    return 0;
}

/* ".NAME.pop3scan-XXXXXX" in the directory of final. */
static FILE *open_temp(struct p3s_output *o, mode_t mode)
{
    char *d = p3s_xstrdup(o->final), *b = p3s_xstrdup(o->final);
    const char *dir = dirname(d), *base = basename(b);
    size_t len = strlen(dir) + strlen(base) + 32;
    o->tmp = p3s_xmalloc(len);
    snprintf(o->tmp, len, "%s/.%s.pop3scan-XXXXXX", dir, base);
    free(d);
    free(b);
    int fd = mkostemp(o->tmp, O_CLOEXEC);
    if (fd < 0) {
        free(o->tmp);
        o->tmp = NULL;
        return NULL;
    }
    FILE *fp = NULL;
    if (fchmod(fd, mode) < 0 || !(fp = fdopen(fd, "w"))) {
        int err = errno;
        close(fd);
        unlink(o->tmp);
        free(o->tmp);
        o->tmp = NULL;
        errno = err;
    }
    return fp;
}

static int open_one(struct plan *p)
{
    struct p3s_output *o = p->o;
    switch (p->how) {
    case HOW_STDOUT:
        o->fp = stdout;
        break;
    case HOW_IN_PLACE:
        o->fp = fopen(o->name, "w");
        break;
    case HOW_APPEND:
        o->fp = fopen(o->name, "a");
        break;
    case HOW_TEMP:
        o->fp = open_temp(o, p->mode);
        break;
    }
    if (!o->fp)
        return refuse(o->name, strerror(errno));
    o->is_tty = isatty(fileno(o->fp));
    return 0;
}

static void discard(struct p3s_output *o)
{
    if (o->fp && o->fp != stdout)
        fclose(o->fp);
    o->fp = NULL;
    if (o->tmp)
        unlink(o->tmp);
    free(o->tmp);
    free(o->final);
    o->tmp = o->final = NULL;
}

/* The text report on the terminal (as nmap prints its report while -oX writes a file): when
 * standard output is a terminal that no output writes to already ("-", or the terminal by
 * another name such as /dev/stdout), and not -q. */
static int wants_terminal_report(const struct p3s_output_request *req, const struct plan *plans,
                                 size_t n)
{
    struct stat st;
    if (req->quiet || !isatty(STDOUT_FILENO) || fstat(STDOUT_FILENO, &st) < 0)
        return 0;
    struct dest_id tty = {.exists = 1, .dev = st.st_dev, .ino = st.st_ino};
    for (size_t i = 0; i < n; i++)
        if (same_dest(&plans[i].id, &tty))
            return 0;
    return 1;
}

int p3s_outputs_open(const struct p3s_output_request *req, struct p3s_output *outs, size_t *n,
                     struct p3s_output *meta)
{
    struct plan plans[P3S_MAX_DESTS];
    size_t np = 0;
    memset(plans, 0, sizeof plans);
    *n = 0;
    for (size_t i = 0; i < req->n; i++) {
        struct p3s_output *o = &outs[(*n)++];
        memset(o, 0, sizeof *o);
        o->module = p3s_output_find(req->specs[i].format);
        o->name = req->specs[i].path;
        plans[np++] = (struct plan){.o = o, .label = o->module->name};
    }
    if (meta) {
        memset(meta, 0, sizeof *meta);
        if (req->meta_path) {
            meta->name = req->meta_path;
            plans[np++] = (struct plan){.o = meta, .label = "--meta"};
        }
    }
    int rc = 0;
    for (size_t i = 0; i < np && rc == 0; i++)
        rc = plan_one(&plans[i], req->resuming && plans[i].o != meta);
    if (rc == 0)
        rc = check_distinct(plans, np);
    struct stat out;
    if (rc == 0 && fstat(STDOUT_FILENO, &out) == 0) {
        struct dest_id id = {.exists = 1, .dev = out.st_dev, .ino = out.st_ino};
        for (size_t i = 0; i < np; i++)
            plans[i].o->on_stdout = same_dest(&plans[i].id, &id);
    }
    if (rc == 0 && wants_terminal_report(req, plans, np)) {
        struct p3s_output *o = &outs[(*n)++];
        memset(o, 0, sizeof *o);
        o->module = &p3s_output_text;
        o->name = "-";
        o->terminal_report = 1;
        o->on_stdout = 1;
    }
    for (size_t i = 0; i < np && rc == 0; i++)
        rc = open_one(&plans[i]);
    for (size_t i = 0; i < np; i++) {
        free(plans[i].id.base);
        if (rc != 0)
            discard(plans[i].o);
    }
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < *n; i++)
        if (outs[i].terminal_report)
            outs[i].fp = stdout, outs[i].is_tty = 1;
    return 0;
}

static int commit_one(struct p3s_output *o)
{
    if (!o->tmp)
        return 0;
    if (rename(o->tmp, o->final) < 0) {
        fprintf(stderr, "pop3scan: cannot put '%s' in place (it is in '%s'): %s\n", o->name,
                o->tmp, strerror(errno));
        free(o->tmp);
        o->tmp = NULL;
        return -1;
    }
    free(o->tmp);
    o->tmp = NULL;
    return 0;
}

int p3s_outputs_commit(struct p3s_output *outs, size_t n)
{
    int rc = 0;
    for (size_t i = 0; i < n; i++)
        if (!outs[i].failed && commit_one(&outs[i]) < 0)
            rc = -1;
    return rc;
}

int p3s_outputs_close(struct p3s_output *outs, size_t n, int keep)
{
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        struct p3s_output *o = &outs[i];
        if (!o->fp)
            continue;
        errno = 0;
        if (!o->failed && (fflush(o->fp) != 0 || ferror(o->fp)))
            p3s_output_fail(o, errno);
        if (o->fp != stdout) {
            errno = 0;
            if (fclose(o->fp) != 0 && !o->failed)
                p3s_output_fail(o, errno);
        }
        o->fp = NULL;
        if (o->failed)
            rc = 3;
        int put = !o->failed && (keep == P3S_KEEP_ALL || (keep == P3S_KEEP_NEW && !o->existed));
        if (o->tmp && put) {
            if (commit_one(o) < 0)
                rc = 3;
        } else if (o->tmp) {
            unlink(o->tmp);
            if (o->existed && keep != P3S_KEEP_NONE)
                fprintf(stderr, "pop3scan: '%s' left as it was\n", o->name);
        }
        free(o->tmp);
        free(o->final);
        o->tmp = o->final = NULL;
    }
    return rc;
}
