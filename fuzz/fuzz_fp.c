/* fuzz_fp.c — libFuzzer target for the fingerprint matcher (lib/fp) and its file parser.
 *
 * Input: a first byte, then fields separated by NUL bytes.
 *   - First byte bit 7 clear: the fields are greeting, implementation, capa, error, cert, user,
 *     stls, quit (in that order); bit i (0-6) set means field i was seen, else it is passed as
 *     NULL (quit shares bit 6 with stls). They are identified against the built-in database,
 *     loaded once.
 *   - Bit 7 set: the rest is a fingerprint file; it is loaded into a fresh database (errors are
 *     fine) and, when it loads, a fixed set of inputs is identified against it.
 * Beyond memory safety: every output field stays NUL-terminated in its buffer with no control
 * byte, a CPE name keeps its 13 components, rule_id is set exactly when a rule matched, a match
 * has a confidence and the sources it rests on, and a conflict names its rule and vendor.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fp.h"
#include "p3fp_builtin.h"

static void check_field(const char *f)
{
    const char *end = memchr(f, 0, P3FP_FIELD_MAX);
    if (!end)
        abort();
    for (const char *p = f; p < end; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            abort();
}

static void check(int hit, const struct p3fp_match *m)
{
    if ((hit != 0) != (m->rule_id != NULL))
        abort();
    check_field(m->vendor);
    check_field(m->product);
    check_field(m->version);
    check_field(m->cpe);
    check_field(m->os);
    check_field(m->host);
    if (m->cpe[0]) {
        size_t colons = 0;
        for (const char *p = m->cpe; *p; p++) {
            if (*p == '\\' && p[1]) {
                p++;
                continue;
            }
            if (*p == ':')
                colons++;
            if (*p == ' ')
                abort();
        }
        if (colons != 12 || strncmp(m->cpe, "cpe:2.3:", 8) != 0)
            abort();
    }
    if (!hit && (m->vendor[0] || m->product[0] || m->cpe[0] || m->confidence || m->sources ||
                 m->conflict_rule))
        abort();
    if (hit && (m->confidence < P3FP_CONF_GUESS || m->confidence > P3FP_CONF_CERTAIN ||
                m->sources == 0 || m->sources >> P3FP_SRC_COUNT))
        abort();
    check_field(m->conflict_vendor);
    check_field(m->conflict_product);
    if ((m->conflict_rule != NULL) != (m->conflict_vendor[0] != 0))
        abort();
}

static struct p3fp_db *builtin(void)
{
    static struct p3fp_db *db;
    if (!db) {
        char err[256];
        db = p3fp_db_new();
        if (!db || p3fp_db_load_builtin(db, err, sizeof err) != 0)
            abort();
    }
    return db;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    uint8_t mode = data[0];
    const char *rest = (const char *)data + 1;
    size_t rlen = size - 1;
    struct p3fp_match m;

    if (mode & 0x80) {
        char err[128];
        struct p3fp_db *db = p3fp_db_new();
        if (!db)
            return 0;
        if (p3fp_db_load(db, rest, rlen, "fuzz.fp", err, sizeof err) == 0) {
            static const char *const greetings[] = {"", "Dovecot ready.", "x 1.2.3 y",
                                                    "POP3 server ready <1.2@host>"};
            for (size_t i = 0; i < sizeof greetings / sizeof greetings[0]; i++) {
                struct p3fp_input in;
                memset(&in, 0, sizeof in);
                in.greeting = in.error = greetings[i];
                in.greeting_len = in.error_len = strlen(greetings[i]);
                check(p3fp_identify(db, &in, &m), &m);
            }
            for (size_t r = 0; r < p3fp_db_rules(db); r++) {
                struct p3fp_rule_info ri;
                struct p3fp_example ex;
                if (p3fp_db_rule(db, r, &ri) != 0)
                    abort();
                for (size_t i = 0; i < ri.examples; i++) {
                    if (p3fp_db_example(db, r, i, &ex) != 0)
                        abort();
                    check(p3fp_rule_match(db, r, &ex.in, &m), &m);
                    if (!ex.counter && !m.rule_id)
                        abort(); /* the loader checked every example */
                }
            }
        } else if (memchr(err, 0, sizeof err) == NULL) {
            abort();
        }
        p3fp_db_free(db);
        return 0;
    }

    const char *field[8] = {0};
    size_t flen[8] = {0};
    size_t start = 0;
    for (int i = 0; i < 8; i++) {
        const char *nul = start <= rlen ? memchr(rest + start, 0, rlen - start) : NULL;
        size_t end = nul ? (size_t)(nul - rest) : rlen;
        if (start <= rlen && (mode & (1u << (i < 7 ? i : 6)))) {
            field[i] = rest + start;
            flen[i] = end - start;
        }
        start = end + 1;
    }
    struct p3fp_input in = {
        .greeting = field[0], .greeting_len = flen[0],
        .implementation = field[1], .implementation_len = flen[1],
        .capa = field[2], .capa_len = flen[2],
        .error = field[3], .error_len = flen[3],
        .cert = field[4], .cert_len = flen[4],
        .user = field[5], .user_len = flen[5],
        .stls = field[6], .stls_len = flen[6],
        .quit = field[7], .quit_len = flen[7],
    };
    check(p3fp_identify(builtin(), &in, &m), &m);
    return 0;
}
