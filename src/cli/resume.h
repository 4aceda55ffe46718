/* resume.h — --resume FILE: which targets of a scan are finished, kept on disk while it runs so
 * that running the same command again scans only the rest.
 *
 * A target is named by its position in the target stream (targetgen.c), which is the same on
 * every run given the same targets, exclusions, shard and seed; a key hashed from those options
 * is stored with the state, and a file made by a different scan is refused. The state is the
 * lowest position not yet finished (everything below it is done) plus the finished positions
 * above it, which stay few because targets finish roughly in order. It is written to FILE.tmp
 * and renamed over FILE, so a crash at any moment leaves either the old state or the new one.
 *
 * The scheduler marks a target finished only after its records reached every output and the
 * outputs were flushed (p3s_resume_save() is called after flushing), so a target is never both
 * missing from the outputs and skipped by the next run.
 */
#ifndef POP3SCAN_RESUME_H
#define POP3SCAN_RESUME_H

#include <stddef.h>
#include <stdint.h>

struct p3s_config;
struct p3s_resume;

/* The key of a scan: a hash of everything that decides its target stream. */
uint64_t p3s_resume_key(const struct p3s_config *cfg, char **exprs, size_t nexprs);

/* Opens the state file. When it exists it must hold the state of a scan with this key (else -1
 * and err says why); *existed tells whether it did. A missing file starts an empty state. */
struct p3s_resume *p3s_resume_open(const char *path, uint64_t key, int *existed, char *err,
                                   size_t errlen);
void p3s_resume_free(struct p3s_resume *r);

/* The seed of --randomize saved by the first run (1), or 0 when none was saved. */
int p3s_resume_seed(const struct p3s_resume *r, uint64_t *seed);
void p3s_resume_set_seed(struct p3s_resume *r, uint64_t seed);

/* Whether the target at position pos was finished by an earlier run. */
int p3s_resume_is_done(const struct p3s_resume *r, uint64_t pos);
/* Marks position pos finished. */
void p3s_resume_mark(struct p3s_resume *r, uint64_t pos);
/* Whether the previous run went through every target. */
int p3s_resume_complete(const struct p3s_resume *r);
/* Finished positions held above the low watermark (for tests and the progress line). */
size_t p3s_resume_pending(const struct p3s_resume *r);

/* Writes the state atomically; complete says the whole stream was scanned. 0, or -1 with err. */
int p3s_resume_save(struct p3s_resume *r, int complete, char *err, size_t errlen);

#endif
