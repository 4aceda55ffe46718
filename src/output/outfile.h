/* outfile.h — where the outputs of a run go, and the promise that a run never loses a file.
 *
 * Every destination (-o, --meta, the text report on a terminal) is checked before any is
 * opened: a bad directory, an unwritable file, a directory given as a file, or two outputs that
 * resolve to one file (the same path, a symlink, a hard link, "-" twice, "-" and the file
 * standard output is redirected to) stop the run with exit status 2 and nothing touched. Then
 * each new file is written under a temporary name in its own directory (".NAME.pop3scan-XXXXXX")
 * and renamed onto NAME at the end, so a file that existed is replaced only by a run that
 * finished (or was interrupted by a signal), never by one that failed. Exceptions: --resume
 * continuing a run appends to the files in place, as before; devices, FIFOs and the like
 * (/dev/null, /dev/stdout) are written in place.
 *
 * The first write or close that fails is said once ("cannot write to 'FILE': why") and the
 * output is marked failed; the scan stops and exits 3 (cli/run.c, main.c).
 */
#ifndef POP3SCAN_OUTFILE_H
#define POP3SCAN_OUTFILE_H

#include <stddef.h>

#include "output.h"

/* Room for every -o, the terminal report and --meta. */
#define P3S_MAX_DESTS (P3S_MAX_OUTPUTS + 2)

/* Checks and opens every output of cfg (and adds the text report on a terminal when no output
 * writes to standard output, unless -q), filling outs and *n. meta, when cfg->meta_path is set,
 * is opened as a destination too (module NULL). Returns 0, or 2 after saying why on stderr;
 * on 2 nothing was created or truncated. */
/* What to open: the outputs named, the --meta file (NULL: none), whether a --resume run goes on
 * (its files are appended to), and -q (no text report added on the terminal). */
struct p3s_output_request {
    const struct p3s_output_spec *specs;
    size_t n;
    const char *meta_path;
    int resuming;
    int quiet;
};

int p3s_outputs_open(const struct p3s_output_request *req, struct p3s_output *outs, size_t *n,
                     struct p3s_output *meta);

/* Records that writing to o failed with errno err (0: unknown) and says so once. */
void p3s_output_fail(struct p3s_output *o, int err);

/* Checks a write just made to o: rc < 0 or the stream's error flag fail it. Returns 0 or -1. */
int p3s_output_check(struct p3s_output *o, int rc, int err);

/* Renames every new file written so far into place (once each; later calls do nothing for it).
 * --resume calls this before saving its state, so the state never counts a record that is not
 * in a file under its final name. Returns 0, or -1 when a rename failed (said on stderr). */
int p3s_outputs_commit(struct p3s_output *outs, size_t n);

/* What becomes of new files at the end. */
enum p3s_keep {
    P3S_KEEP_ALL,  /* the run ended as it should, or by a signal: every new file goes in place */
    P3S_KEEP_NEW,  /* it failed on the way: a new file whose name did not exist is kept with what
                      it holds; one that would replace an existing file is removed, the old one
                      left as it was; an output that failed is removed */
    P3S_KEEP_NONE, /* it never started: every new file is removed */
};

/* Flushes and closes every output, then places or removes new files as keep says. Returns 0,
 * or 3 when a flush, close or rename failed (said on stderr). */
int p3s_outputs_close(struct p3s_output *outs, size_t n, int keep);

/* Whether the output writes to standard output. */
int p3s_output_is_stdout(const struct p3s_output *o);

#endif
