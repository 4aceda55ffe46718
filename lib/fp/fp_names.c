/* fp_names.c — the words of the fingerprint format and of the outputs: the sources a rule reads
 * (greeting, capa, …), the confidence levels and the output fields (vendor, product, …). The
 * parser (fp_load.c) reads them, the matcher (fp_match.c) and the outputs write them; both
 * sides find them here.
 */
#include <string.h>

#include "fp.h"
#include "fp_internal.h"

const char *const p3fp_src_names[SRC_N] = {"greeting", "implementation", "capa", "error",
                                           "cert",     "user",           "stls", "quit"};
static const char *const conf_names[] = {"none", "guess", "likely", "certain"};
const char *const p3fp_out_names[OUT_N] = {"vendor", "product", "version",
                                           "cpe",    "os",      "host"};

const char *p3fp_source_name(int src)
{
    return src >= 0 && src < SRC_N ? p3fp_src_names[src] : "?";
}

const char *p3fp_confidence_name(enum p3fp_confidence c)
{
    return (unsigned)c < sizeof conf_names / sizeof conf_names[0] ? conf_names[c] : "none";
}

int p3fp_src_index(const char *s, size_t n)
{
    for (int i = 0; i < SRC_N; i++)
        if (p3fp_word_eq(s, n, p3fp_src_names[i]))
            return i;
    return -1;
}

int p3fp_out_index(const char *s, size_t n)
{
    for (int i = 0; i < OUT_N; i++)
        if (p3fp_word_eq(s, n, p3fp_out_names[i]))
            return i;
    return -1;
}
