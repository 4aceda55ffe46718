/* version.c — `pop3scan --version`. The library versions are asked of the libraries at run time,
 * not taken from their headers: a bug report must name the OpenSSL, libevent, c-ares, PCRE2 and
 * jansson the binary actually loaded, which can differ from those it was built against. */
#include "version.h"

#include <event2/event.h>
#include <ares.h>
#include <jansson.h>
#include <openssl/crypto.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/* P3S_GIT_COMMIT: `git describe` of the source tree at build time, or "unknown" outside git
 * (cmake/gitcommit.cmake writes it before each build). */
#include "p3s_commit.h"

#ifndef P3S_VERSION
#define P3S_VERSION "0.1.0"
#endif

void p3s_version_print(FILE *fp)
{
    /* pcre2_config writes at most this much: the version is a short "10.42 2022-12-11". */
    char pcre2[64] = "unknown";
    if (pcre2_config(PCRE2_CONFIG_VERSION, NULL) > (int)sizeof pcre2 ||
        pcre2_config(PCRE2_CONFIG_VERSION, pcre2) < 0)
        snprintf(pcre2, sizeof pcre2, "unknown");
    fprintf(fp,
            "pop3scan %s (commit %s)\n"
            "libraries in use:\n"
            "  %s\n"
            "  libevent %s\n"
            "  c-ares %s\n"
            "  PCRE2 %s\n"
            "  jansson %s\n",
            P3S_VERSION, P3S_GIT_COMMIT, OpenSSL_version(OPENSSL_VERSION), event_get_version(),
            ares_version(NULL), pcre2, jansson_version_str());
}
