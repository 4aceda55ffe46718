/* test_fp.c — unit tests of the fingerprint matcher (lib/fp) and the built-in database
 * (the fingerprints folder, embedded by p3fpdata):
 *   - the built-in database loads, with at least 300 rules and 200 distinct products, every
 *     product named as bench/products.tsv spells it;
 *   - every example of every rule is identified as that very rule by p3fp_identify() (so no
 *     generic rule steals it and no specific rule is shadowed), with the values it expects;
 *     no counterexample is identified as its rule;
 *   - generic and masked greetings ("+OK ready", "+OK", a bare APOP timestamp, a product's word
 *     inside a host name, "vX.Y … server ready") name no product, even with a generic CAPA list,
 *     error, and replies to USER, STLS and QUIT;
 *   - exact captures and CPE names for Dovecot (Debian), Cyrus 3.6.1, Exchange 2003, qpopper;
 *   - file-format errors are reported as name:line (unknown key, bad pattern, missing product,
 *     example not matched, …) and leave the database as it was;
 *   - CPE escaping and field truncation whatever the captured bytes;
 *   - hostile input (a 1 MB greeting, backtracking bait) returns quickly;
 *   - the prefilter: the literal taken from a pattern is one every match contains (none when in
 *     doubt), and a rule whose literal the text lacks is skipped without changing any answer;
 *   - every vendor and product the rules give is a line of bench/products.tsv;
 *   - bench/corpus/greetings.tsv (the accuracy corpus) is identified as it says — the replies
 *     to USER, STLS and QUIT as the benchmark's test server gives them — with no conflict.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cmocka.h>

#include "fp.h"
#include "fp_internal.h" /* the prefilter's literal extraction, tested directly */
#include "p3fp_builtin.h"

/* ---- helpers ---------------------------------------------------------------------------- */

static struct p3fp_db *builtin(void)
{
    char err[512];
    struct p3fp_db *db = p3fp_db_new();
    assert_non_null(db);
    if (p3fp_db_load_builtin(db, err, sizeof err) != 0)
        fail_msg("built-in fingerprints do not load: %s", err);
    return db;
}

static struct p3fp_input greeting_only(const char *g)
{
    struct p3fp_input in;
    memset(&in, 0, sizeof in);
    in.greeting = g;
    in.greeting_len = strlen(g);
    return in;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Loads text into a fresh db; returns the db or NULL with err filled. */
static struct p3fp_db *load_text(const char *text, char *err, size_t errlen)
{
    struct p3fp_db *db = p3fp_db_new();
    assert_non_null(db);
    if (p3fp_db_load(db, text, strlen(text), "t.fp", err, errlen) != 0) {
        p3fp_db_free(db);
        return NULL;
    }
    return db;
}

static void expect_load_error(const char *text, const char *want_prefix, const char *want_word)
{
    char err[512];
    struct p3fp_db *db = load_text(text, err, sizeof err);
    if (db) {
        p3fp_db_free(db);
        fail_msg("loaded although it should not: %s", text);
    }
    if (strncmp(err, want_prefix, strlen(want_prefix)) != 0)
        fail_msg("error \"%s\" does not start with \"%s\"", err, want_prefix);
    if (want_word && !strstr(err, want_word))
        fail_msg("error \"%s\" does not mention \"%s\"", err, want_word);
}

/* Confidence: written, or from the priority band; the sources a rule rests on; a rule reading
 * other sources that names another vendor lowers the winner one step (a guess to nothing), but
 * a heuristic never lowers a product that names itself; the user, stls and quit sources. */
static void test_confidence_and_conflicts(void **state)
{
    (void)state;
    char err[512];
    const char *text =
        "rule named\n"
        "vendor   Acme\n"
        "product  Mail\n"
        "greeting ^Acme Mail ready$\n"
        "example  greeting: Acme Mail ready\n"
        "\n"
        "rule by-error\n"
        "priority 60\n"
        "vendor   Other\n"
        "product  Server\n"
        "error    ^Other says no$\n"
        "example  error: Other says no\n"
        "\n"
        "rule by-capa\n"
        "priority 50\n"
        "vendor   Third\n"
        "product  Daemon\n"
        "capa     \\AX-THIRD\\z\n"
        "example  capa: X-THIRD\n"
        "\n"
        "rule by-capa2\n"
        "priority 40\n"
        "vendor   Fourth\n"
        "product  Daemon\n"
        "capa     ^X-\n"
        "example  capa: X-ANY\n"
        "\n"
        "rule by-replies\n"
        "confidence likely\n"
        "vendor   Fifth\n"
        "product  Proxy\n"
        "user     ^\\+OK send PASS$\n"
        "stls     ^\\+OK go$\n"
        "quit     (?i)^\\+OK fifth out$\n"
        "example  user: +OK send PASS\n"
        "with     stls: +OK go\n"
        "with     quit: +OK FIFTH OUT\n"
        "\n"
        "rule by-quit\n"
        "priority 45\n"
        "vendor   Sixth\n"
        "product  Daemon\n"
        "quit     ^\\+OK sixth$\n"
        "example  quit: +OK sixth\n";
    struct p3fp_db *db = load_text(text, err, sizeof err);
    if (!db)
        fail_msg("%s", err);
    struct p3fp_rule_info ri;
    const int want[] = {P3FP_CONF_CERTAIN, P3FP_CONF_LIKELY, P3FP_CONF_GUESS, P3FP_CONF_GUESS,
                        P3FP_CONF_LIKELY};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(p3fp_db_rule(db, i, &ri), 0);
        assert_int_equal(ri.confidence, want[i]);
    }
    struct p3fp_match m;
    /* The greeting alone: certain, from the greeting. */
    struct p3fp_input in = greeting_only("Acme Mail ready");
    assert_int_equal(p3fp_identify(db, &in, &m), 1);
    assert_int_equal(m.confidence, P3FP_CONF_CERTAIN);
    assert_int_equal(m.sources, 1u << P3FP_SRC_GREETING);
    assert_null(m.conflict_rule);
    /* A capability heuristic for another vendor does not lower it. */
    in.capa = "X-THIRD";
    in.capa_len = 7;
    assert_int_equal(p3fp_identify(db, &in, &m), 1);
    assert_string_equal(m.rule_id, "named");
    assert_int_equal(m.confidence, P3FP_CONF_CERTAIN);
    assert_null(m.conflict_rule);
    /* A distinctive error of another vendor does: likely, and the reason is kept. */
    in.error = "Other says no";
    in.error_len = strlen(in.error);
    assert_int_equal(p3fp_identify(db, &in, &m), 1);
    assert_string_equal(m.rule_id, "named");
    assert_int_equal(m.confidence, P3FP_CONF_LIKELY);
    assert_string_equal(m.conflict_rule, "by-error");
    assert_string_equal(m.conflict_vendor, "Other");
    assert_string_equal(m.conflict_product, "Server");
    /* Two heuristics on one source: ranked by their writer (priority), no conflict. */
    struct p3fp_input capa_only;
    memset(&capa_only, 0, sizeof capa_only);
    capa_only.capa = "X-THIRD";
    capa_only.capa_len = 7;
    assert_int_equal(p3fp_identify(db, &capa_only, &m), 1);
    assert_string_equal(m.rule_id, "by-capa");
    assert_int_equal(m.confidence, P3FP_CONF_GUESS);
    assert_int_equal(m.sources, 1u << P3FP_SRC_CAPA);
    /* Two heuristics on different sources that disagree: no answer at all. */
    capa_only.quit = "+OK sixth";
    capa_only.quit_len = strlen(capa_only.quit);
    assert_int_equal(p3fp_identify(db, &capa_only, &m), 0);
    assert_null(m.rule_id);
    assert_int_equal(m.confidence, P3FP_CONF_NONE);
    /* The replies to USER, STLS and QUIT are sources too. */
    struct p3fp_input replies;
    memset(&replies, 0, sizeof replies);
    replies.user = "+OK send PASS";
    replies.user_len = strlen(replies.user);
    replies.stls = "+OK go";
    replies.stls_len = strlen(replies.stls);
    replies.quit = "+OK Fifth out";
    replies.quit_len = strlen(replies.quit);
    assert_int_equal(p3fp_identify(db, &replies, &m), 1);
    assert_string_equal(m.rule_id, "by-replies");
    assert_int_equal(m.confidence, P3FP_CONF_LIKELY);
    assert_int_equal(m.sources, 1u << P3FP_SRC_USER | 1u << P3FP_SRC_STLS | 1u << P3FP_SRC_QUIT);
    replies.quit = NULL;
    assert_int_equal(p3fp_identify(db, &replies, &m), 0);
    p3fp_db_free(db);

    expect_load_error("rule x\nvendor V\nproduct P\ngreeting ^x\nconfidence sure\n"
                      "example greeting: x\n", "t.fp:5: ", "certain, likely or guess");
    expect_load_error("rule x\nvendor V\nproduct P\ngreeting ^x\nconfidence guess\n"
                      "confidence likely\nexample greeting: x\n", "t.fp:6: ", "twice");
    assert_string_equal(p3fp_confidence_name(P3FP_CONF_GUESS), "guess");
    assert_string_equal(p3fp_source_name(P3FP_SRC_QUIT), "quit");
}

/* ---- the built-in database ---------------------------------------------------------------- */

static void test_builtin_loads(void **state)
{
    (void)state;
    struct p3fp_db *db = builtin();
    size_t rules = p3fp_db_rules(db), products = p3fp_db_products(db);
    print_message("built-in fingerprints: %zu rules, %zu products\n", rules, products);
    assert_true(rules >= 300);
    assert_true(products >= 200);
    assert_true(p3fp_builtin_len > 0);
    assert_int_equal(p3fp_builtin[p3fp_builtin_len], 0);
    assert_true(p3fp_builtin_nfiles >= 1);
    assert_string_equal(p3fp_builtin_files[0].name, p3fp_builtin_name);
    p3fp_db_free(db);
}

static int opt_eq(const char *expect, const char *got)
{
    return !expect || strcmp(expect, got) == 0;
}

static void test_every_example_is_its_rule(void **state)
{
    (void)state;
    struct p3fp_db *db = builtin();
    size_t checked = 0, counters = 0, failures = 0;
    for (size_t r = 0; r < p3fp_db_rules(db); r++) {
        struct p3fp_rule_info ri;
        assert_int_equal(p3fp_db_rule(db, r, &ri), 0);
        assert_true(ri.examples > 0);
        for (size_t i = 0; i < ri.examples; i++) {
            struct p3fp_example ex;
            struct p3fp_match m;
            assert_int_equal(p3fp_db_example(db, r, i, &ex), 0);
            int hit = p3fp_identify(db, &ex.in, &m);
            if (ex.counter) {
                counters++;
                if (hit && strcmp(m.rule_id, ri.id) == 0) {
                    print_error("%s:%u: counterexample identified as its rule %s\n", ex.file,
                                ex.line, ri.id);
                    failures++;
                }
                struct p3fp_match alone;
                if (p3fp_rule_match(db, r, &ex.in, &alone)) {
                    print_error("%s:%u: rule %s matches its counterexample\n", ex.file, ex.line,
                                ri.id);
                    failures++;
                }
                continue;
            }
            checked++;
            if (!hit) {
                print_error("%s:%u: example of %s identified as nothing\n", ex.file, ex.line,
                            ri.id);
                failures++;
                continue;
            }
            if (strcmp(m.rule_id, ri.id) != 0) {
                print_error("%s:%u: example of %s identified as %s (%s %s)\n", ex.file, ex.line,
                            ri.id, m.rule_id, m.vendor, m.product);
                failures++;
                continue;
            }
            if (!opt_eq(ex.expect_vendor, m.vendor) || !opt_eq(ex.expect_product, m.product) ||
                !opt_eq(ex.expect_version, m.version) || !opt_eq(ex.expect_cpe, m.cpe) ||
                !opt_eq(ex.expect_os, m.os) || !opt_eq(ex.expect_host, m.host)) {
                print_error("%s:%u: example of %s gives %s|%s|%s|%s|%s|%s\n", ex.file, ex.line,
                            ri.id, m.vendor, m.product, m.version, m.cpe, m.os, m.host);
                failures++;
            }
            assert_true(m.vendor[0] && m.product[0]);
        }
    }
    print_message("%zu examples and %zu counterexamples checked\n", checked, counters);
    assert_true(checked >= 100);
    assert_int_equal(failures, 0);
    p3fp_db_free(db);
}

static void test_masked_greetings_are_unknown(void **state)
{
    (void)state;
    static const char *const masked[] = {
        "",
        "ready",
        "ready.",
        "POP3 server ready",
        "POP3 server ready.",
        "POP3 ready",
        "POP3 Ready",
        "POP3 service ready",
        "POP server ready",
        "Welcome",
        "Hello",
        "Server ready",
        "POP3 server ready <1234.1700000000@mail.example.com>",
        "ready <1234.1700000000@mail.example.com>",
        "mail.example.com POP3 server ready",
        "mail.example.com ready",
        "POP3 Ready <12345.1700000000@mail.example.org>",
        "Mail server ready",
        "server ready",
        "Proxy ready",
        "The POP3 service is ready.",
        "pop.mail.example.com POP3 Server ready <1.2@pop.mail.example.com>",
        "<1234.1700000000@mail.example.com> ready",
        /* a bare APOP timestamp, and other things anyone can send */
        "<123.456@host>",
        "<1234.1700000000@mail.example.com>",
        "ready <1234.1700000000@[192.0.2.1]>",
        "Hello",
        "Hello there",
        "Welcome to the POP3 server",
        "POP3 server ready on pop.example.com",
        "POP3 service ready <2.1700000000@mail_01>",
        "Proxy ready",
        "POP3 Proxy",
        "POP server ready",
        "POP3 server mail.example.com ready",
        /* "vX.Y ... server ready" is not UW IMAP unless the version is UW's */
        "POP3 Bigfoot v1.0 server ready",
        "POP3 mail.example.com v2.1 server ready",
        "POP3 server v1.0 ready",
        /* a product's name inside a host name is no claim */
        "dovecot.example.com POP3 ready",
        "mx-dovecot POP3 ready",
        "pop.dovecot-hosting.example ready",
        "cyrus.example.org POP3 server ready",
        "exchange.example.com POP3 ready",
        "zimbra.example.org POP3 server ready",
        "mail.kerio.example ready",
        "smartermail.example.com POP3 ready",
        "pop.gmail.com.example.net ready",
        "POP3 server ready <1.2@pop.yahoo.com.example.net>",
        "courier.example.net ready",
        "qmail.example.org ready <1.2@qmail.example.org>",
    };
    /* a capability list many servers share */
    static const char generic_capa[] = "CAPA\nTOP\nUIDL\nUSER\nSASL PLAIN LOGIN\nSTLS";
    /* USER, STLS, QUIT replies many servers share */
    static const char *const generic_replies[][3] = {
        {"+OK", "+OK", "+OK"},
        {"+OK Password required", "+OK Begin TLS negotiation", "+OK Bye"},
        {"+OK User accepted", "+OK Ready to start TLS", "+OK Goodbye"},
        {"+OK send password", "-ERR", "+OK POP3 server signing off"},
    };
    struct p3fp_db *db = builtin();
    for (size_t i = 0; i < sizeof masked / sizeof masked[0]; i++) {
        struct p3fp_match m;
        struct p3fp_input in = greeting_only(masked[i]);
        if (p3fp_identify(db, &in, &m))
            fail_msg("masked greeting \"%s\" identified as %s (%s)", masked[i], m.rule_id,
                     m.product);
        assert_null(m.rule_id);
        assert_string_equal(m.product, "");
        in.capa = generic_capa;
        in.capa_len = strlen(generic_capa);
        if (p3fp_identify(db, &in, &m))
            fail_msg("masked greeting \"%s\" with a generic CAPA identified as %s", masked[i],
                     m.rule_id);
        in.error = "Invalid command";
        in.error_len = strlen(in.error);
        if (p3fp_identify(db, &in, &m))
            fail_msg("masked greeting \"%s\" with a generic error identified as %s", masked[i],
                     m.rule_id);
        /* the replies to USER, STLS and QUIT most servers give */
        for (size_t k = 0; k < sizeof generic_replies / sizeof generic_replies[0]; k++) {
            in.user = generic_replies[k][0];
            in.user_len = strlen(in.user);
            in.stls = generic_replies[k][1];
            in.stls_len = strlen(in.stls);
            in.quit = generic_replies[k][2];
            in.quit_len = strlen(in.quit);
            if (p3fp_identify(db, &in, &m))
                fail_msg("masked greeting \"%s\" with generic replies (%s, %s, %s) identified "
                         "as %s", masked[i], in.user, in.stls, in.quit, m.rule_id);
        }
    }
    /* nothing seen at all */
    struct p3fp_input none;
    struct p3fp_match m;
    memset(&none, 0, sizeof none);
    assert_int_equal(p3fp_identify(db, &none, &m), 0);
    p3fp_db_free(db);
}

/* ---- exact captures -------------------------------------------------------------------------- */

static void check_match(const struct p3fp_db *db, const struct p3fp_input *in, const char *vendor,
                        const char *product, const char *version, const char *os,
                        const char *host, const char *cpe)
{
    struct p3fp_match m;
    assert_int_equal(p3fp_identify(db, in, &m), 1);
    assert_non_null(m.rule_id);
    assert_string_equal(m.vendor, vendor);
    assert_string_equal(m.product, product);
    assert_string_equal(m.version, version);
    assert_string_equal(m.os, os);
    assert_string_equal(m.host, host);
    assert_string_equal(m.cpe, cpe);
}

static void test_exact_captures(void **state)
{
    (void)state;
    struct p3fp_db *db = builtin();
    struct p3fp_input in;

    in = greeting_only("Dovecot (Debian) ready.");
    check_match(db, &in, "Dovecot", "Dovecot", "", "Debian", "",
                "cpe:2.3:a:dovecot:dovecot:*:*:*:*:*:*:*:*");

    in = greeting_only("localhost Cyrus POP3 3.6.1-Debian-3.6.1-4+deb12u5 server ready "
                       "<1986154883.1700000000@localhost>");
    in.implementation = "Cyrus POP3 3";
    in.implementation_len = strlen(in.implementation);
    check_match(db, &in, "Cyrus", "Cyrus IMAP", "3.6.1", "Debian", "localhost",
                "cpe:2.3:a:cyrus:imap:3.6.1:*:*:*:*:*:*:*");

    in = greeting_only("Microsoft Exchange Server 2003 POP3 server version 6.5.7638.1 "
                       "(mail.corp.example.com) ready.");
    check_match(db, &in, "Microsoft", "Exchange Server 2003", "6.5.7638.1", "Windows",
                "mail.corp.example.com", "cpe:2.3:a:microsoft:exchange_server:2003:*:*:*:*:*:*:*");

    in = greeting_only("Qpopper (version 4.1.0) at pop.example.org starting.  "
                       "<31415.1700000000@pop.example.org>");
    check_match(db, &in, "Qualcomm", "Qpopper", "4.1.0", "", "pop.example.org",
                "cpe:2.3:a:qualcomm:qpopper:4.1.0:*:*:*:*:*:*:*");

    /* Courier: greeting and IMPLEMENTATION together */
    in = greeting_only("Hello there.");
    in.implementation = "Courier Mail Server";
    in.implementation_len = strlen(in.implementation);
    struct p3fp_match m;
    assert_int_equal(p3fp_identify(db, &in, &m), 1);
    assert_string_equal(m.rule_id, "courier");

    /* popa3d: bare +OK, CAPA refused, bare -ERR */
    in = greeting_only("");
    in.error = "";
    assert_int_equal(p3fp_identify(db, &in, &m), 1);
    assert_string_equal(m.product, "popa3d");
    in.capa = "TOP";
    in.capa_len = 3;
    assert_int_equal(p3fp_identify(db, &in, &m), 0);

    /* Exchange 2013+: the server name from the bracketed base64 */
    in = greeting_only("The Microsoft Exchange POP3 service is ready. "
                       "[RQBYAEMASAAwADEALgBjAG8AcgBwAC4AZQB4AGEAbQBwAGwAZQAuAGwAbwBjAGEAbAA=]");
    check_match(db, &in, "Microsoft", "Exchange Server", "", "Windows",
                "EXCH01.corp.example.local",
                "cpe:2.3:a:microsoft:exchange_server:*:*:*:*:*:*:*:*");

    /* Dovecot behind a masked greeting: its CAPA list alone is a shape others share (the
     * issue's non-Dovecot server named from it); with its answer to QUIT it is likely */
    in = greeting_only("POP3 server ready");
    in.capa = "CAPA\nTOP\nUIDL\nRESP-CODES\nPIPELINING\nAUTH-RESP-CODE\nUSER\nSASL PLAIN";
    in.capa_len = strlen(in.capa);
    assert_int_equal(p3fp_identify(db, &in, &m), 0);
    in.quit = "+OK Logging out.";
    in.quit_len = strlen(in.quit);
    assert_int_equal(p3fp_identify(db, &in, &m), 1);
    assert_string_equal(m.product, "Dovecot");
    assert_int_equal(m.confidence, P3FP_CONF_LIKELY);
    assert_int_equal(m.sources, 1u << P3FP_SRC_CAPA | 1u << P3FP_SRC_QUIT);

    /* "POP3 Bigfoot v1.0 server ready" is not UW; UW's own shape is likely, not certain */
    in = greeting_only("POP3 Bigfoot v1.0 server ready");
    assert_int_equal(p3fp_identify(db, &in, &m), 0);
    in = greeting_only("POP3 mail.example.com v2007f.104 server ready");
    check_match(db, &in, "University of Washington", "UW IMAP ipop3d", "2007f.104", "",
                "mail.example.com",
                "cpe:2.3:a:university_of_washington:imap:2007f.104:*:*:*:*:*:*:*");
    assert_int_equal(p3fp_identify(db, &in, &m), 1);
    assert_int_equal(m.confidence, P3FP_CONF_LIKELY);

    /* a product's word in a host name names nothing; said as a word, it is likely */
    in = greeting_only("dovecot.example.com POP3 ready");
    assert_int_equal(p3fp_identify(db, &in, &m), 0);
    in = greeting_only("Example Corp mail (Dovecot) ready.");
    assert_int_equal(p3fp_identify(db, &in, &m), 1);
    assert_string_equal(m.product, "Dovecot");
    assert_int_equal(m.confidence, P3FP_CONF_LIKELY);

    /* versions as deployments write them */
    in = greeting_only("mail.example.com Cyrus POP3 v2.3.8-OS X Server 10.5: 9A562 server ready "
                       "<1234.1200000000@mail.example.com>");
    check_match(db, &in, "Cyrus", "Cyrus IMAP", "2.3.8", "Mac OS X Server 10.5",
                "mail.example.com", "cpe:2.3:a:cyrus:imap:2.3.8:*:*:*:*:*:*:*");
    in = greeting_only("mail.example.com Zimbra 9.0.0_GA_3079 POP3 server ready");
    check_match(db, &in, "Zimbra", "Zimbra Collaboration", "9.0.0", "", "mail.example.com",
                "cpe:2.3:a:synacor:zimbra_collaboration_suite:9.0.0:*:*:*:*:*:*:*");
    in = greeting_only("tpop3d v1.5.3-mysql-0.13 ready <00ff3e@mail.example.com>");
    check_match(db, &in, "Chris Lightfoot", "tpop3d", "1.5.3", "", "", "");
    in = greeting_only("Lotus Notes POP3 server version Release 8.5.3FP5 ready on mail01/Acme.");
    check_match(db, &in, "IBM", "Lotus Domino", "8.5.3FP5", "", "mail01",
                "cpe:2.3:a:ibm:lotus_domino:8.5.3fp5:*:*:*:*:*:*:*");
    p3fp_db_free(db);
}

/* ---- file format ------------------------------------------------------------------------------ */

static void test_format_errors(void **state)
{
    (void)state;
    expect_load_error("rule a\nvendor V\nproduct P\ngreeting ^x\nexample greeting: x\n"
                      "colour blue\n",
                      "t.fp:6: ", "unknown key");
    expect_load_error("# comment\n\nrule a\nvendor V\nproduct P\ngreeting ^(x\n", "t.fp:6: ",
                      "bad pattern");
    expect_load_error("rule a\nvendor V\ngreeting ^x\nexample greeting: x\n", "t.fp:1: ",
                      "missing product");
    expect_load_error("rule a\nvendor V\nproduct P\ngreeting ^x\nexample greeting: y\n",
                      "t.fp:5: ", "does not match its example");
    expect_load_error("rule a\nvendor V\nproduct P\ngreeting ^x\nexample greeting: x\n"
                      "counterexample greeting: xy\n",
                      "t.fp:6: ", "counterexample");
    expect_load_error("rule a\nvendor V\nproduct P\ngreeting ^x(?<version>\\d+)\n"
                      "example greeting: x12\nexpect version: 13\n",
                      "t.fp:5: ", "expected \"13\"");
    expect_load_error("vendor V\n", "t.fp:1: ", "before the first rule");
    expect_load_error("rule a\nvendor V\nproduct P\ngreeting ^x\nexample greeting: x\n"
                      "rule a\nvendor V\nproduct P\ngreeting ^y\nexample greeting: y\n",
                      "t.fp:6: ", "twice");
    expect_load_error("rule a\nvendor V\nproduct P\ncpe cpe:2.3:a:v:p:{version}:*\n"
                      "greeting ^x\nexample greeting: x\n",
                      "t.fp:4: ", "13");
    expect_load_error("rule a\nvendor V\nproduct P\ncpe cpe:2.3:\ngreeting ^x\n"
                      "example greeting: x\n",
                      "t.fp:4: ", "cpe");
    expect_load_error("rule a\nvendor V\nproduct P\nhost {nope}\ngreeting ^x\n"
                      "example greeting: x\n",
                      "t.fp:4: ", "nope");
    expect_load_error("rule a\nvendor V\nproduct P\ngreeting ^x\nexample greeting: \\q\n",
                      "t.fp:5: ", "escape");
    expect_load_error("rule a\nvendor V\nproduct P\nnot greeting ^x\nexample greeting: y\n",
                      "t.fp:1: ", "matching condition");
    expect_load_error("rule a\nvendor V\nproduct P\ngreeting ^x\n", "t.fp:1: ", "example");
    expect_load_error("rule a\nvendor V\nproduct P\ngreeting ^x\nexample banner: x\n",
                      "t.fp:5: ", "unknown source");
    /* no bare AUTH is ever sent, so there is no auth source */
    expect_load_error("rule a\nvendor V\nproduct P\ngreeting ^x\nauth ^-ERR\n", "t.fp:5: ",
                      "unknown key");
    expect_load_error("rule a\nvendor V\nproduct P\ngreeting ^x\nabsent auth\n", "t.fp:5: ",
                      "unknown source");
    expect_load_error("rule a\nvendor V\nproduct P\ngreeting ^x\nexample greeting: x\n"
                      "with auth: -ERR\n",
                      "t.fp:6: ", "unknown source");
    expect_load_error("rule a\nvendor V\nproduct P\npriority high\ngreeting ^x\n"
                      "example greeting: x\n",
                      "t.fp:4: ", "priority");
    expect_load_error("rule a b\n", "t.fp:1: ", "id");
    expect_load_error("rule a\nvendor V\nproduct P\ngreeting ^x\nexample greeting: x\n"
                      "with greeting: y\n",
                      "t.fp:6: ", "twice");
    expect_load_error("rule a\nvendor V\nproduct P\ngreeting\n", "t.fp:4: ", "missing pattern");
}

static void test_format_features(void **state)
{
    (void)state;
    char err[512];
    /* conditions: not, absent, present; priorities; captures in templates; CRLF lines */
    const char *text =
        "# two rules for one greeting: the higher priority wins\r\n"
        "rule low\r\n"
        "vendor   Low\r\n"
        "product  Thing\r\n"
        "greeting ^Thing (?<version>\\d+(?:\\.\\d+)*)\r\n"
        "example  greeting: Thing 1.2\r\n"
        "\r\n"
        "rule high\r\n"
        "priority 150\r\n"
        "vendor   High {edition}\r\n"
        "product  Thing\r\n"
        "version  v{version}\r\n"
        "os       {os}\r\n"
        "cpe      cpe:2.3:a:high:thing_{edition}:{version}:*:*:*:*:*:*:*\r\n"
        "greeting ^Thing (?<version>\\d+(?:\\.\\d+)*) (?<edition>Pro|Lite)(?: on (?<os>\\w+))?$\r\n"
        "not      capa ^SASL\r\n"
        "absent   cert\r\n"
        "present  error\r\n"
        "example  greeting: Thing 2.0 Pro on Linux\r\n"
        "with     error: nope\r\n"
        "expect   vendor: High Pro\r\n"
        "expect   version: v2.0\r\n"
        "expect   os: Linux\r\n"
        "expect   cpe: cpe:2.3:a:high:thing_pro:v2.0:*:*:*:*:*:*:*\r\n"
        "counterexample greeting: Thing 2.0 Pro\r\n"
        "counterexample greeting: Thing 2.0 Pro\r\n"
        "with     error: nope\r\n"
        "with     capa: SASL PLAIN\r\n";
    struct p3fp_db *db = load_text(text, err, sizeof err);
    if (!db)
        fail_msg("%s", err);
    assert_int_equal(p3fp_db_rules(db), 2);
    assert_int_equal(p3fp_db_products(db), 2);
    struct p3fp_input in = greeting_only("Thing 2.0 Lite");
    struct p3fp_match m;
    assert_int_equal(p3fp_identify(db, &in, &m), 1);
    assert_string_equal(m.rule_id, "low"); /* "high" wants an error reply */
    assert_string_equal(m.version, "2.0");
    in.error = "";
    in.error_len = 0;
    assert_int_equal(p3fp_identify(db, &in, &m), 1);
    assert_string_equal(m.rule_id, "high");
    assert_string_equal(m.vendor, "High Lite");
    assert_string_equal(m.os, "");
    in.cert = "CN=x";
    in.cert_len = 4;
    assert_int_equal(p3fp_identify(db, &in, &m), 1);
    assert_string_equal(m.rule_id, "low"); /* "high" wants no certificate */

    struct p3fp_rule_info ri;
    assert_int_equal(p3fp_db_rule(db, 1, &ri), 0);
    assert_string_equal(ri.id, "high");
    assert_string_equal(ri.file, "t.fp");
    assert_int_equal(ri.line, 8);
    assert_int_equal(ri.priority, 150);
    assert_int_equal(ri.examples, 3);
    assert_int_equal(p3fp_db_rule(db, 2, &ri), -1);
    struct p3fp_example ex;
    assert_int_equal(p3fp_db_example(db, 1, 0, &ex), 0);
    assert_int_equal(ex.counter, 0);
    assert_int_equal(ex.line, 19);
    assert_string_equal(ex.expect_version, "v2.0");
    assert_null(ex.expect_host);
    assert_int_equal(ex.in.error_len, 4);
    assert_null(ex.in.capa);
    assert_int_equal(p3fp_db_example(db, 1, 2, &ex), 0);
    assert_int_equal(ex.counter, 1);
    assert_memory_equal(ex.in.capa, "SASL PLAIN", 10);
    assert_int_equal(p3fp_db_example(db, 1, 3, &ex), -1);

    /* a second file adds rules; a failing one changes nothing */
    const char *more = "rule third\nvendor V\nproduct Other\ngreeting ^Other\n"
                       "example greeting: Other\\x20one\n";
    assert_int_equal(p3fp_db_load(db, more, strlen(more), "more.fp", err, sizeof err), 0);
    assert_int_equal(p3fp_db_rules(db), 3);
    const char *bad = "rule fourth\nvendor V\nproduct P\ngreeting ^P\nexample greeting: P\n"
                      "rule fifth\nvendor V\nproduct P\ngreeting ^(\n";
    assert_int_equal(p3fp_db_load(db, bad, strlen(bad), "bad.fp", err, sizeof err), -1);
    assert_true(strncmp(err, "bad.fp:9: ", 10) == 0);
    assert_int_equal(p3fp_db_rules(db), 3);
    const char *dup = "rule low\nvendor V\nproduct P\ngreeting ^P\nexample greeting: P\n";
    assert_int_equal(p3fp_db_load(db, dup, strlen(dup), "dup.fp", err, sizeof err), -1);
    assert_int_equal(p3fp_db_rules(db), 3);
    in = greeting_only("Other one");
    assert_int_equal(p3fp_identify(db, &in, &m), 1);
    assert_string_equal(m.rule_id, "third");
    p3fp_db_free(db);

    /* a tiny error buffer is respected */
    char tiny[8];
    memset(tiny, 'x', sizeof tiny);
    assert_null(load_text("bogus line\n", tiny, sizeof tiny));
    assert_int_equal(tiny[7], 0);
    p3fp_db_free(NULL);
}

/* ---- CPE escaping and truncation ----------------------------------------------------------- */

static size_t unescaped_colons(const char *s)
{
    size_t n = 0;
    for (; *s; s++) {
        if (*s == '\\' && s[1]) {
            s++;
            continue;
        }
        if (*s == ':')
            n++;
    }
    return n;
}

static void test_cpe_escaping_and_truncation(void **state)
{
    (void)state;
    char err[512];
    const char *text = "rule any\nvendor V\nproduct P\n"
                       "cpe cpe:2.3:a:v:p:{version}:{extra}:*:*:*:*:*:*\n"
                       "greeting ^V (?<version>[^|]*)(?:\\|(?<extra>.*))?$\n"
                       "example greeting: V 1.0\n"
                       "expect cpe: cpe:2.3:a:v:p:1.0:*:*:*:*:*:*:*\n";
    struct p3fp_db *db = load_text(text, err, sizeof err);
    if (!db)
        fail_msg("%s", err);
    struct p3fp_match m;
    struct p3fp_input in = greeting_only("V 1:2 *?\"Beta\" (x)|SP 1");
    assert_int_equal(p3fp_identify(db, &in, &m), 1);
    assert_string_equal(m.version, "1:2 *?\"Beta\" (x)");
    assert_string_equal(m.cpe, "cpe:2.3:a:v:p:1\\:2_\\*\\?\\\"beta\\\"_\\(x\\):sp_1:*:*:*:*:*:*");
    assert_int_equal(unescaped_colons(m.cpe), 12);

    in = greeting_only("V -");
    assert_int_equal(p3fp_identify(db, &in, &m), 1);
    assert_string_equal(m.cpe, "cpe:2.3:a:v:p:\\-:*:*:*:*:*:*:*");

    /* control bytes are '?' in the field (and so "\?" in the CPE); non-ASCII bytes are kept in
     * the field and dropped from the CPE */
    in = greeting_only("V a\x01\x1b[31m\xc3\xa9z");
    assert_int_equal(p3fp_identify(db, &in, &m), 1);
    assert_string_equal(m.version, "a??[31m\xc3\xa9z");
    assert_string_equal(m.cpe, "cpe:2.3:a:v:p:a\\?\\?\\[31mz:*:*:*:*:*:*:*");

    /* long values: the field is cut, the CPE keeps its 13 components and fits */
    char big[3000];
    memcpy(big, "V ", 2);
    for (size_t i = 2; i < 2002; i++)
        big[i] = (i % 3) ? ':' : 'a';
    memcpy(big + 2002, "|", 1);
    for (size_t i = 2003; i < 2903; i++)
        big[i] = '*';
    big[2903] = 0;
    in = greeting_only(big);
    assert_int_equal(p3fp_identify(db, &in, &m), 1);
    assert_int_equal(strlen(m.version), P3FP_FIELD_MAX - 1);
    assert_true(strlen(m.cpe) <= P3FP_FIELD_MAX - 1);
    assert_int_equal(unescaped_colons(m.cpe), 12);
    assert_true(strncmp(m.cpe, "cpe:2.3:a:v:p:\\:a\\:\\:a", 21) == 0);
    assert_string_equal(m.cpe + strlen(m.cpe) - 12, ":*:*:*:*:*:*");

    /* a cut never leaves half a UTF-8 sequence: 127 two-byte characters fit in 255 bytes, the
     * first byte of the 128th does not stay */
    char utf[700];
    memcpy(utf, "V ", 2);
    size_t n = 2;
    while (n + 2 < sizeof utf) {
        utf[n++] = (char)0xc3;
        utf[n++] = (char)0xa9;
    }
    utf[n] = 0;
    in = greeting_only(utf);
    assert_int_equal(p3fp_identify(db, &in, &m), 1);
    assert_int_equal(strlen(m.version), 254);
    assert_int_equal((unsigned char)m.version[253], 0xa9);
    p3fp_db_free(db);
}

/* ---- the prefilter ------------------------------------------------------------------------ */

static void expect_literal(const char *pattern, const char *want)
{
    char lit[P3FP_LITERAL_MAX + 1];
    size_t n = p3fp_required_literal(pattern, strlen(pattern), lit);
    if (!want) {
        if (n)
            fail_msg("pattern %s: literal \"%s\", expected none", pattern, lit);
        return;
    }
    if (n == 0 || strcmp(lit, want) != 0)
        fail_msg("pattern %s: literal \"%s\", expected \"%s\"", pattern, n ? lit : "",
                 want);
    assert_int_equal(n, strlen(want));
}

/* want: the literals joined by '|', NULL for none */
static void expect_literals(const char *pattern, const char *want)
{
    char lits[P3FP_LITERAL_ALTS][P3FP_LITERAL_MAX + 1];
    size_t len[P3FP_LITERAL_ALTS];
    size_t n = p3fp_required_literals(pattern, strlen(pattern), lits, len);
    char got[P3FP_LITERAL_ALTS * (P3FP_LITERAL_MAX + 1) + 1] = "";
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(len[i], strlen(lits[i]));
        if (i)
            strcat(got, "|");
        strcat(got, lits[i]);
    }
    if (!want ? n != 0 : strcmp(got, want) != 0)
        fail_msg("pattern %s: literals \"%s\", expected \"%s\"", pattern, got,
                 want ? want : "(none)");
}

static void test_prefilter(void **state)
{
    (void)state;
    /* the longest run outside groups and classes, lower-cased */
    expect_literal("^Dovecot (?:\\((?<os>[A-Z][\\w .-]{0,30})\\) )?ready\\.", "dovecot ");
    expect_literal("(?i)(?<![\\w.-])dovecot(?![\\w-]|\\.\\w)", "dovecot");
    expect_literal("\\d+\\.\\d+ server ready", " server ready");
    expect_literal("v\\d \\(IMail \\d", " (imail ");
    expect_literal("[abc]def[^x]", "def");
    expect_literal("[]a-]bcd[^x]efgh", "efgh");
    /* a '[' in a class (POSIX classes and their near misses) or quoted text: none */
    expect_literal("bcd[[:alpha:]]efgh", NULL);
    expect_literal("[]tebd[[:;lp][]tecd[[]:", NULL); /* found by fuzz_literal */
    expect_literal("abcd(\\Q)\\E)", NULL);
    /* a character under a quantifier is not required: it leaves the run */
    expect_literal("colou?r", "colo");
    expect_literal("abcd{2}efgh", "efgh");
    expect_literal("abcd{2,}efg", "abc");
    expect_literal("abcd+efg", "abcd");
    expect_literal("abc*", NULL);
    expect_literal("x{,2}yzab", "yzab");
    expect_literal("ab\\{3}cd", "ab{3}cd"); /* an escaped brace starts no quantifier */
    expect_literal("\\d{2}\\.\\d{3} ready", " ready");
    /* a '{' that starts no quantifier is a literal but is not taken */
    expect_literal("ab{xyzw", "xyzw");
    /* long literals: the prefix */
    expect_literal("abcdefghijklmnopqrstuvwxyz", "abcdefghijklmno");
    /* none when in doubt */
    expect_literal("abcd|efgh", NULL);
    expect_literal("(?x)abc def", NULL);
    expect_literal("\\x20abcdef", NULL);
    expect_literal("abc\\Qdef\\E", NULL);
    expect_literal("(a)\\1bcde", NULL);
    expect_literal("ab", NULL);
    expect_literal("(?i)abc(", NULL);
    expect_literal("abc[def", NULL);
    /* option settings are not groups: the text around them counts */
    expect_literal("(?J)(?i)mercury/32", "mercury/32");
    /* groups that must match count; optional ones and assertions do not */
    expect_literal("ab(?:cdefg)?hi", NULL);
    expect_literal("ab(?=cdefg)hi", NULL);
    expect_literal("ab(?<name>cdefg)+hi", "cdefg");
    expect_literal("x(?i:Dovecot) y", "dovecot");
    expect_literal("(?:abc){0,2}de", NULL);
    expect_literal("(?(1)abc|def)", NULL);
    /* alternatives: one literal each, or none when one of them has none */
    expect_literals("(?<![\\w.-])Rambler(?![\\w-]|\\.\\w)|(?<![\\w-])"
                    "(?:rambler\\.ru|ro\\.ru|lenta\\.ru)(?![\\w-]|\\.\\w)",
                    "rambler|rambler.ru|ro.ru|lenta.ru");
    expect_literals("(?:Zoho|ZOHO) mail", " mail"); /* one literal of 5 beats one of 4 */
    expect_literals("(?:Zoho|ZOHO)!", "zoho");      /* alike once lower-cased: one */
    expect_literals("(?:abc|de) fghij", " fghij");
    expect_literals("abcd|e|fghi", NULL);
    expect_literals("a(?:bcd|efg|hij)k|lmnop", "bcd|efg|hij|lmnop");
    expect_literals("(?:a|b|c|d|e|f|g|h|i)xyz", "xyz");
    expect_literals("aaa|bbb|ccc|ddd|eee|fff|ggg|hhh|iii", NULL); /* too many */

    /* trigrams: a literal in the text may be; one with a sequence the text lacks is not */
    struct p3fp_trigrams t;
    const char *text = "POP3 Server (IMail 8.22) ready";
    p3fp_trigrams_build(&t, text, strlen(text));
    assert_true(p3fp_trigrams_may_contain(&t, "(imail ", 7));
    assert_true(p3fp_trigrams_may_contain(&t, "server", 6));
    assert_false(p3fp_trigrams_may_contain(&t, "dovecot", 7));
    p3fp_trigrams_build(&t, "ab", 2); /* too short for any sequence */
    assert_false(p3fp_trigrams_may_contain(&t, "abc", 3));

    /* the built-in rules: most greeting patterns have a literal, and no literal hides a match —
     * every pattern of every rule, run alone on every example and counterexample of the whole
     * database, matches only texts that hold its literal */
    struct p3fp_db *db = builtin();
    size_t with = 0, patterns = 0, matches = 0;
    pcre2_match_data *md = pcre2_match_data_create(db->max_pairs, NULL);
    assert_non_null(md);
    for (size_t r = 0; r < db->n; r++)
        for (size_t k = 0; k < db->rules[r].ncond; k++) {
            const struct cond *c = &db->rules[r].cond[k];
            if (c->kind != COND_MATCH && c->kind != COND_NOT)
                continue;
            patterns += c->src == SRC_GREETING;
            with += c->src == SRC_GREETING && c->lf;
            if (!c->lf)
                continue;
            for (size_t e = 0; e < db->n; e++)
                for (size_t x = 0; x < db->rules[e].nex; x++) {
                    const struct example *ex = &db->rules[e].ex[x];
                    const char *subject = ex->field[c->src];
                    if (!subject || pcre2_match(c->re, (PCRE2_SPTR)subject, ex->len[c->src], 0,
                                                0, md, NULL) < 0)
                        continue;
                    matches++;
                    p3fp_trigrams_build(&t, subject, ex->len[c->src]);
                    size_t j = 0;
                    while (j < c->lf->nlit && !strcasestr(subject, c->lf->lit[j]))
                        j++;
                    if (j == c->lf->nlit || !p3fp_litfilter_may_match(c->lf, &t))
                        fail_msg("rule %s: its pattern matches \"%s\" (an example of %s) "
                                 "without any of its %zu literals (\"%s\" …)",
                                 db->rules[r].id, subject, db->rules[e].id, c->lf->nlit,
                                 c->lf->lit[0]);
                }
        }
    pcre2_match_data_free(md);
    print_message("prefilter: %zu of %zu greeting patterns have a literal; %zu matches of "
                  "examples checked\n", with, patterns, matches);
    assert_true(with * 4 >= patterns * 3);
    assert_true(matches >= 500);
    p3fp_db_free(db);
}

/* ---- hostile input ------------------------------------------------------------------------ */

static void test_hostile_input(void **state)
{
    (void)state;
    struct p3fp_db *db = builtin();
    size_t big = 1024 * 1024;
    char *buf = malloc(big + 1);
    assert_non_null(buf);
    static const char *const fill[] = {
        "a", " ", "<", "@", "(", "[", "1.", "Cyrus POP3 v", "POP3 ", "\n", "A", "{", "x ",
        "Dovecot ", "Mercury/32 v", "SmarterMail ",
    };
    struct p3fp_match m;
    double t0 = now_s();
    for (size_t f = 0; f < sizeof fill / sizeof fill[0]; f++) {
        size_t fl = strlen(fill[f]);
        for (size_t i = 0; i < big; i++)
            buf[i] = fill[f][i % fl];
        buf[big] = 0;
        struct p3fp_input in;
        memset(&in, 0, sizeof in);
        in.greeting = in.implementation = in.capa = in.error = in.cert = buf;
        in.greeting_len = in.implementation_len = in.capa_len = big;
        in.error_len = in.cert_len = big;
        (void)p3fp_identify(db, &in, &m);
    }
    /* a greeting that starts like a real one and goes on for a megabyte */
    memset(buf, '1', big);
    memcpy(buf, "Microsoft Exchange Server 2003 POP3 server version 6.5.", 56);
    struct p3fp_input in = greeting_only(buf);
    in.greeting_len = big;
    (void)p3fp_identify(db, &in, &m);
    double dt = now_s() - t0;
    print_message("hostile inputs against the built-in rules: %.3f s\n", dt);
    assert_true(dt < 10.0);
    p3fp_db_free(db);

    /* catastrophic backtracking: the limits stop it, and it counts as no match */
    char err[512];
    const char *evil = "rule evil\nvendor V\nproduct P\ngreeting ^(a+)+$\n"
                       "example greeting: aaaa\n"
                       "rule evil2\nvendor V\nproduct Q\ngreeting ^(?:(\\w+\\s?)*)$\n"
                       "example greeting: ab cd\n";
    db = load_text(evil, err, sizeof err);
    if (!db)
        fail_msg("%s", err);
    memset(buf, 'a', 4000);
    buf[4000] = '!';
    buf[4001] = 0;
    in = greeting_only(buf);
    t0 = now_s();
    for (int i = 0; i < 20; i++)
        assert_int_equal(p3fp_identify(db, &in, &m), 0);
    dt = now_s() - t0;
    print_message("catastrophic patterns, 20 runs: %.3f s\n", dt);
    assert_true(dt < 10.0);
    p3fp_db_free(db);
    free(buf);
}

/* ---- the accuracy corpus -------------------------------------------------------------------- */

/* Unescapes \t \n \\ in place. */
static void unescape(char *s)
{
    char *d = s;
    for (; *s; s++) {
        if (*s == '\\' && s[1]) {
            s++;
            *d++ = *s == 't' ? '\t' : *s == 'n' ? '\n' : *s;
        } else {
            *d++ = *s;
        }
    }
    *d = 0;
}

/* Opens a file of the repository, found from this file's path (CMake compiles it by absolute
 * path); path receives the name. A missing file fails the test. */
/* A file of the repository: under $P3S_SRC (ctest sets it), else beside this source file. A
 * missing file fails the test, never skips it. */
static FILE *open_repo_file(const char *rel, char *path, size_t cap)
{
    const char *src = getenv("P3S_SRC");
    if (src && *src) {
        if ((size_t)snprintf(path, cap, "%s/%s", src, rel) >= cap)
            fail_msg("%s: path too long", rel);
    } else {
        const char *me = __FILE__;
        const char *tail = strstr(me, "tests/unit/test_fp.c");
        if (!tail || (size_t)(tail - me) + strlen(rel) + 1 > cap)
            fail_msg("%s not found (source path %s; set P3S_SRC)", rel, me);
        snprintf(path, cap, "%.*s%s", (int)(tail - me), me, rel);
    }
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("%s not found", path);
    return f;
}

/* Every product the database names is one of bench/products.tsv, spelled as there: the accuracy
 * sets compare names as exact strings. Checked on what every example gives (templates
 * included). */
static void test_products_are_canonical(void **state)
{
    (void)state;
    char path[4096], line[512];
    FILE *f = open_repo_file("bench/products.tsv", path, sizeof path);
    size_t n = 0, cap = 0;
    char **names = NULL;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (line[0] == '#' || line[0] == 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            names = realloc(names, cap * sizeof *names);
            assert_non_null(names);
        }
        names[n] = strdup(line); /* "vendor<TAB>product" */
        assert_non_null(names[n]);
        n++;
    }
    fclose(f);
    assert_true(n >= 200);
    struct p3fp_db *db = builtin();
    size_t failures = 0;
    for (size_t r = 0; r < p3fp_db_rules(db); r++) {
        struct p3fp_rule_info ri;
        assert_int_equal(p3fp_db_rule(db, r, &ri), 0);
        for (size_t i = 0; i < ri.examples; i++) {
            struct p3fp_example ex;
            struct p3fp_match m;
            assert_int_equal(p3fp_db_example(db, r, i, &ex), 0);
            if (ex.counter || !p3fp_rule_match(db, r, &ex.in, &m))
                continue;
            char want[2 * P3FP_FIELD_MAX + 2];
            snprintf(want, sizeof want, "%s\t%s", m.vendor, m.product);
            size_t k = 0;
            while (k < n && strcmp(names[k], want) != 0)
                k++;
            if (k == n) {
                print_error("%s:%u: rule %s names \"%s\" / \"%s\", not in %s\n", ex.file,
                            ex.line, ri.id, m.vendor, m.product, path);
                failures++;
            }
        }
    }
    for (size_t k = 0; k < n; k++)
        free(names[k]);
    free(names);
    p3fp_db_free(db);
    assert_int_equal(failures, 0);
}

static void test_bench_corpus(void **state)
{
    (void)state;
    char path[4096];
    FILE *f = open_repo_file("bench/corpus/greetings.tsv", path, sizeof path);
    struct p3fp_db *db = builtin();
    char line[8192];
    unsigned lineno = 0, entries = 0, failures = 0, named = 0;
    unsigned confidence[P3FP_CONF_CERTAIN + 1] = {0};
    while (fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = 0;
        if (line[0] == '#' || line[0] == 0)
            continue;
        char *col[8] = {0};
        int nc = 0;
        for (char *p = line; nc < 8;) {
            col[nc++] = p;
            char *tab = strchr(p, '\t');
            if (!tab)
                break;
            *tab = 0;
            p = tab + 1;
        }
        if (nc < 4) {
            print_error("%s:%u: fewer than 4 columns\n", path, lineno);
            failures++;
            continue;
        }
        for (int i = 0; i < nc; i++)
            unescape(col[i]);
        entries++;
        struct p3fp_input in;
        memset(&in, 0, sizeof in);
        const char *g = col[3];
        if (strncmp(g, "+OK", 3) == 0)
            g += 3;
        else if (strncmp(g, "-ERR", 4) == 0)
            g += 4;
        if (*g == ' ')
            g++;
        in.greeting = g;
        in.greeting_len = strlen(g);
        char capa[4096], impl[512];
        if (nc > 4 && col[4][0] && strncmp(col[4], "-ERR", 4) != 0) {
            size_t k = 0;
            impl[0] = 0;
            for (const char *p = col[4]; *p && k + 1 < sizeof capa;) {
                const char *e = strchr(p, '\n');
                size_t l = e ? (size_t)(e - p) : strlen(p);
                if (l > 15 && strncasecmp(p, "IMPLEMENTATION ", 15) == 0 && l - 15 < sizeof impl) {
                    memcpy(impl, p + 15, l - 15);
                    impl[l - 15] = 0;
                    in.implementation = impl;
                    in.implementation_len = l - 15;
                }
                for (size_t j = 0; j < l && k + 1 < sizeof capa; j++) {
                    char c = p[j];
                    capa[k++] = (c >= 'a' && c <= 'z') ? (char)(c - 32) : c;
                }
                if (e && k + 1 < sizeof capa)
                    capa[k++] = '\n';
                p = e ? e + 1 : p + l;
            }
            capa[k] = 0;
            in.capa = capa;
            in.capa_len = k;
        }
        /* error: USER's -ERR text, else CAPA's (what the engine does); no USER on TLS */
        int tls = nc > 6 && col[6][0];
        const char *err_reply = NULL;
        if (!tls && nc > 5 && strncmp(col[5], "-ERR", 4) == 0)
            err_reply = col[5];
        else if (nc > 4 && strncmp(col[4], "-ERR", 4) == 0)
            err_reply = col[4];
        else if (nc <= 4 || col[4][0] == 0)
            err_reply = "-ERR"; /* an empty capa column: CAPA answered a bare -ERR */
        if (err_reply) {
            const char *e = err_reply + 4;
            if (*e == ' ')
                e++;
            in.error = e;
            in.error_len = strlen(e);
        }
        if (tls) {
            in.cert = col[6];
            in.cert_len = strlen(col[6]);
        }
        /* What the scanner sends and the benchmark's test server answers: USER only in clear
         * (the entry's reply, "+OK" when empty), STLS only in clear when CAPA lists it (a bare
         * "-ERR": the server has no TLS to offer), QUIT "+OK". */
        if (!tls) {
            in.user = nc > 5 && col[5][0] ? col[5] : "+OK";
            in.user_len = strlen(in.user);
            if (in.capa && strstr(in.capa, "STLS")) {
                in.stls = "-ERR";
                in.stls_len = 4;
            }
        }
        in.quit = "+OK";
        in.quit_len = 3;
        struct p3fp_match m;
        int hit = p3fp_identify(db, &in, &m);
        const char *want_v = strcmp(col[0], "-") ? col[0] : "";
        const char *want_p = strcmp(col[1], "-") ? col[1] : "";
        const char *want_ver = strcmp(col[2], "-") ? col[2] : "";
        if (want_p[0])
            named++;
        if ((want_p[0] != 0) != hit || strcmp(m.vendor, want_v) || strcmp(m.product, want_p) ||
            strcmp(m.version, want_ver)) {
            print_error("%s:%u: expected \"%s|%s|%s\", got \"%s|%s|%s\" (rule %s)\n", path,
                        lineno, want_v, want_p, want_ver, m.vendor, m.product, m.version,
                        m.rule_id ? m.rule_id : "none");
            failures++;
        } else if (m.conflict_rule) {
            /* every entry is one consistent service: its sources must not disagree */
            print_error("%s:%u: %s (rule %s) contradicted by %s (%s %s)\n", path, lineno,
                        m.product, m.rule_id, m.conflict_rule, m.conflict_vendor,
                        m.conflict_product);
            failures++;
        }
        if (hit)
            confidence[m.confidence]++;
    }
    fclose(f);
    print_message("accuracy corpus: %u entries (%u named: %u certain, %u likely, %u guess)\n",
                  entries, named, confidence[P3FP_CONF_CERTAIN], confidence[P3FP_CONF_LIKELY],
                  confidence[P3FP_CONF_GUESS]);
    assert_true(named >= 250);
    assert_int_equal(failures, 0);
    p3fp_db_free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin_loads),
        cmocka_unit_test(test_every_example_is_its_rule),
        cmocka_unit_test(test_masked_greetings_are_unknown),
        cmocka_unit_test(test_exact_captures),
        cmocka_unit_test(test_format_errors),
        cmocka_unit_test(test_format_features),
        cmocka_unit_test(test_confidence_and_conflicts),
        cmocka_unit_test(test_cpe_escaping_and_truncation),
        cmocka_unit_test(test_prefilter),
        cmocka_unit_test(test_hostile_input),
        cmocka_unit_test(test_products_are_canonical),
        cmocka_unit_test(test_bench_corpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
