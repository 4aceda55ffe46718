/* tlsstrip.c — the cleartext-stripping BIO filter in front of a TLS client (see tlsstrip.h).
 *
 * The filter keeps a buffer of one line at most. Until the first byte that is not text it reads
 * into that buffer and hands each complete line to the callback; from then on it serves what
 * is left of the buffer and then reads straight through. It never answers "retry" while it
 * holds bytes OpenSSL could use: it only asks for more after the socket itself said it has
 * nothing now, so the event loop's next readiness event comes for new bytes.
 */
#include "tlsstrip.h"

#include <stdlib.h>
#include <string.h>

#include "pop3.h"

#define STRIP_MAX_LINES 16

struct strip {
    int through; /* past the first non-text byte: pass everything on */
    size_t lines;
    p3s_strip_cb cb;
    void *arg;
    size_t off, len;
    char buf[P3_LINE_MAX + 2];
};

static BIO_METHOD *strip_method;

static int strip_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

static int strip_destroy(BIO *b)
{
    free(BIO_get_data(b));
    BIO_set_data(b, NULL);
    return 1;
}

static int strip_write(BIO *b, const char *in, int inl)
{
    BIO_clear_retry_flags(b);
    int k = BIO_write(BIO_next(b), in, inl);
    BIO_copy_next_retry(b);
    return k;
}

/* Sets aside the complete lines at the start of the buffer; decides when TLS starts. */
static void strip_lines(struct strip *st)
{
    while (!st->through && st->off < st->len) {
        size_t n = 0;
        int r = p3_cleartext_line(st->buf + st->off, st->len - st->off, &n);
        if (r == 0)
            return;
        if (r < 0 || st->lines >= STRIP_MAX_LINES) {
            st->through = 1;
            return;
        }
        size_t text = n;
        while (text > 0 && (st->buf[st->off + text - 1] == '\n' ||
                            st->buf[st->off + text - 1] == '\r'))
            text--;
        if (st->cb)
            st->cb(st->arg, st->buf + st->off, text);
        st->lines++;
        st->off += n;
    }
}

static int strip_read(BIO *b, char *out, int outl)
{
    struct strip *st = BIO_get_data(b);
    BIO *next = BIO_next(b);
    BIO_clear_retry_flags(b);
    if (!st || !next || outl <= 0)
        return 0;
    for (;;) {
        strip_lines(st);
        if (st->through && st->off < st->len) {
            size_t k = st->len - st->off;
            if (k > (size_t)outl)
                k = (size_t)outl;
            memcpy(out, st->buf + st->off, k);
            st->off += k;
            return (int)k;
        }
        if (st->through) {
            int k = BIO_read(next, out, outl);
            BIO_copy_next_retry(b);
            return k;
        }
        /* A partial line (or nothing) is buffered: read more behind it. */
        if (st->off) {
            memmove(st->buf, st->buf + st->off, st->len - st->off);
            st->len -= st->off;
            st->off = 0;
        }
        int k = BIO_read(next, st->buf + st->len, (int)(sizeof st->buf - st->len));
        if (k <= 0) {
            BIO_copy_next_retry(b);
            return k;
        }
        st->len += (size_t)k;
    }
}

static long strip_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    struct strip *st = BIO_get_data(b);
    BIO *next = BIO_next(b);
    if (!next)
        return 0;
    long r = BIO_ctrl(next, cmd, num, ptr);
    if (cmd == BIO_CTRL_PENDING && st && st->through)
        r += (long)(st->len - st->off);
    return r;
}

static long strip_callback_ctrl(BIO *b, int cmd, BIO_info_cb *fp)
{
    return BIO_callback_ctrl(BIO_next(b), cmd, fp);
}

static BIO_METHOD *method(void)
{
    if (strip_method)
        return strip_method;
    BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_FILTER, "pop3 cleartext strip");
    if (!m)
        return NULL;
    BIO_meth_set_write(m, strip_write);
    BIO_meth_set_read(m, strip_read);
    BIO_meth_set_ctrl(m, strip_ctrl);
    BIO_meth_set_callback_ctrl(m, strip_callback_ctrl);
    BIO_meth_set_create(m, strip_create);
    BIO_meth_set_destroy(m, strip_destroy);
    strip_method = m;
    return m;
}

BIO *p3s_strip_bio_new(int fd, p3s_strip_cb cb, void *arg)
{
    BIO_METHOD *m = method();
    struct strip *st = calloc(1, sizeof *st);
    BIO *filter = m && st ? BIO_new(m) : NULL;
    BIO *sock = filter ? BIO_new_socket(fd, BIO_NOCLOSE) : NULL;
    if (!sock) {
        BIO_free(filter);
        free(st);
        return NULL;
    }
    st->cb = cb;
    st->arg = arg;
    BIO_set_data(filter, st);
    return BIO_push(filter, sock);
}
