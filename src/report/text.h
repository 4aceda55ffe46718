/* text.h — the report's text handling: a growing buffer, the one "display form" every server
 * string takes before it is shown, and the escaping of that form for each context the report
 * writes it into (HTML text and attributes, SVG text, JSON inside a <script> block, Markdown).
 *
 * Server bytes are hostile. They reach the report as JSON strings (the JSONL records, whose
 * lossless escaping already wrote invalid UTF-8 as \xHH and a backslash as \\) and are first put
 * in display form: valid UTF-8 with every character that could hide, reorder or break text made
 * visible. Only then is the form escaped for its context, so each escaper has one small job and
 * can be checked on its own (tests/unit/test_report.c).
 */
#ifndef POP3SCAN_REPORT_TEXT_H
#define POP3SCAN_REPORT_TEXT_H

#include <stddef.h>
#include <stdio.h>

struct p3s_rbuf {
    char *p;
    size_t n, cap;
};

void p3s_rbuf_put(struct p3s_rbuf *b, const char *s, size_t n);
void p3s_rbuf_puts(struct p3s_rbuf *b, const char *s);
void p3s_rbuf_putc(struct p3s_rbuf *b, char c);
void p3s_rbuf_printf(struct p3s_rbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* NUL-terminates the content (not counted in n) and returns it. */
const char *p3s_rbuf_str(struct p3s_rbuf *b);
void p3s_rbuf_free(struct p3s_rbuf *b);
/* Writes the content to fp and empties the buffer; returns 0, -1 on a write error. */
int p3s_rbuf_flush(struct p3s_rbuf *b, FILE *fp);

/* Appends the display form of n bytes: valid UTF-8 is kept, line feeds too (the program joins
 * evidence lines with them); every other C0 control, DEL and every byte that is not valid UTF-8
 * becomes \xHH; C1 controls, bidirectional controls (U+061C, U+200E/F, U+202A-E, U+2066-9),
 * invisible format characters (U+200B-D, U+2060-4, U+FEFF) and the line and paragraph
 * separators U+2028/9 become \u{HHHH}. At most max bytes of input are shown (0: no limit);
 * beyond them the rest is replaced by " … [N more bytes]" and the cut falls between two
 * characters. */
void p3s_display(struct p3s_rbuf *b, const char *s, size_t n, size_t max);

/* HTML text and double-quoted attribute values (also SVG text inside HTML): & < > " ' as
 * character references. */
void p3s_esc_html(struct p3s_rbuf *b, const char *s, size_t n);
/* A JSON string literal, quotes included, safe inside <script type="application/json">: ASCII
 * only (other characters as \uXXXX, surrogate pairs above U+FFFF), and < > & ' as \u003c …, so
 * no "</script", "<!--" or "]]>" can appear; invalid UTF-8 as U+FFFD (display form has none). */
void p3s_esc_json(struct p3s_rbuf *b, const char *s, size_t n);
/* GitHub-flavoured Markdown inline text, also inside a table cell: every ASCII punctuation
 * character backslash-escaped (so no emphasis, link, code span, autolink, HTML or cell
 * separator can start), a line feed as <br>. */
void p3s_esc_md(struct p3s_rbuf *b, const char *s, size_t n);

/* The length in bytes of the first max characters (code points) of the display form s, for a
 * chart label; *cut says whether characters were left out. */
size_t p3s_cut_chars(const char *s, size_t n, size_t max, int *cut);

#endif
