/* report_store.c — the report of a scan of the history (report_store.h): the store's rows and
 * diff's changes fed to the report's input streams (report.h), so nothing else in src/report/
 * knows there is a store.
 *
 * What one report reads: the scan (or campaign) — its row as metadata, its records as stored
 * (the JSONL line of each, unchanged); the earlier complete scans of the same targets (a
 * campaign: the earlier campaigns of the same targets and options), oldest first, at most
 * P3S_REPORT_HISTORY_MAX, each counted as it was (POP3 services, findings of severity high);
 * and the changes from the newest of those to this one, as `pop3scan diff` finds them.
 */
#include "report_store.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "diffjson.h"
#include "jsonw.h"
#include "scanjson.h"
#include "unit.h"

/* --- the earlier scans ---------------------------------------------------------------------- */

struct earlier {
    const struct p3s_unit *u;
    int64_t ids[P3S_REPORT_HISTORY_MAX]; /* newest first, as list_scans gives them */
    size_t n;
};

static int on_scan(void *arg, const struct p3s_scan_info *s)
{
    struct earlier *e = arg;
    const struct p3s_scan_info *me = &e->u->info;
    if (e->n == P3S_REPORT_HISTORY_MAX)
        return 1; /* enough: stop */
    if (s->id != me->id && s->campaign_id == 0 && strcmp(s->status, P3S_SCAN_COMPLETE) == 0 &&
        strcmp(s->started, me->started) <= 0 && s->id < me->id && s->targets && me->targets &&
        strcmp(s->targets, me->targets) == 0)
        e->ids[e->n++] = s->id;
    return 0;
}

/* The earlier units of the same targets, newest first, into units[] (each to be freed).
 * Returns how many, or -1 (st->err). */
static int earlier_units(struct p3s_store *st, const struct p3s_unit *u,
                         struct p3s_unit units[P3S_REPORT_HISTORY_MAX])
{
    size_t n = 0;
    if (u->campaign.id) {
        const struct p3s_unit *cur = u;
        while (n < P3S_REPORT_HISTORY_MAX) {
            int got = p3s_unit_previous_campaign(st, cur, &units[n]);
            if (got <= 0) {
                if (got < 0) {
                    while (n)
                        p3s_unit_free(&units[--n]);
                    return -1;
                }
                break;
            }
            cur = &units[n++];
        }
        return (int)n;
    }
    struct earlier e = {.u = u};
    if (st->ops->list_scans(st, 0, on_scan, &e) < 0)
        return -1;
    for (size_t i = 0; i < e.n; i++) {
        int got = p3s_unit_load_scan(st, e.ids[i], &units[n]);
        if (got < 0) {
            while (n)
                p3s_unit_free(&units[--n]);
            return -1;
        }
        if (got == 1)
            n++;
    }
    return (int)n;
}

/* Findings of severity high among a unit's records: the "id severity" lines of the column. */
static int count_high(struct p3s_store *st, const struct p3s_unit *u, int64_t *high)
{
    struct p3s_store_cursor *c = st->ops->open_rows(st, u->ids, u->n, 0);
    if (!c)
        return -1;
    const struct p3s_row *row;
    int got;
    *high = 0;
    while ((got = st->ops->next_row(c, &row)) == 1) {
        const char *f = row->col[P3S_COL_FINDINGS];
        for (const char *p = f; p && (p = strstr(p, " high")); p += 5)
            if (p[5] == '\n' || p[5] == '\0')
                (*high)++;
    }
    st->ops->close_rows(c);
    return got;
}

/* An earlier scan as a point of the report's series (the report adds this scan's own). */
static int add_history(struct p3s_report *rep, struct p3s_store *st, const struct p3s_unit *u,
                       char *err, size_t errlen)
{
    int64_t high;
    if (count_high(st, u, &high) < 0) {
        snprintf(err, errlen, "%s", st->err);
        return 3;
    }
    json_t *o = json_object();
    if (u->campaign.id)
        json_object_set_new(o, "id", json_string(u->campaign.name));
    else
        json_object_set_new(o, "id", json_integer(u->info.id));
    json_object_set_new(o, "started", json_string(u->info.started));
    json_object_set_new(o, "services", json_integer(u->info.pop3));
    json_object_set_new(o, "high", json_integer(high));
    int rc = p3s_report_add(rep, P3S_REPORT_HISTORY, o, err, errlen);
    json_decref(o);
    return rc < 0 ? 3 : 0;
}

/* --- the records and the changes ----------------------------------------------------------- */

static int add_records(struct p3s_report *rep, struct p3s_store *st, const struct p3s_unit *u,
                       char *err, size_t errlen)
{
    struct p3s_store_cursor *c = st->ops->open_rows(st, u->ids, u->n, 1);
    if (!c) {
        snprintf(err, errlen, "%s", st->err);
        return 3;
    }
    const struct p3s_row *row;
    int got, rc = 0;
    while (rc == 0 && (got = st->ops->next_row(c, &row)) == 1) {
        /* A row written before the store kept the JSONL line has none: nothing to show. */
        if (row->json && p3s_report_add_text(rep, P3S_REPORT_RECORD, row->json, row->json_len,
                                             err, errlen) < 0)
            rc = 3;
    }
    if (rc == 0 && got < 0) {
        snprintf(err, errlen, "%s", st->err);
        rc = 3;
    }
    st->ops->close_rows(c);
    return rc;
}

struct side {
    struct p3s_store *st;
    struct p3s_store_cursor *cur;
};

static int next_side(void *ctx, const struct p3s_row **row)
{
    struct side *s = ctx;
    return s->st->ops->next_row(s->cur, row);
}

struct changes {
    struct p3s_report *rep;
    struct p3s_diffjson dj;
    struct p3s_jw jw;
    struct p3s_diffjson_side sides[2];
    char *err;
    size_t errlen;
};

static int on_change(void *arg, const struct p3s_change *c)
{
    struct changes *ch = arg;
    p3s_jw_reset(&ch->jw);
    ch->dj.jw = &ch->jw;
    p3s_diffjson_change(&ch->dj, c, &ch->sides[0], &ch->sides[1]);
    if (ch->dj.failed || !p3s_jw_ok(&ch->jw) ||
        p3s_report_add_text(ch->rep, P3S_REPORT_CHANGE, ch->jw.buf, ch->jw.len, ch->err,
                            ch->errlen) < 0)
        return 1; /* stop */
    return 0;
}

static void side_of(const struct p3s_unit *u, struct p3s_diffjson_side *s, char *label,
                    size_t labellen)
{
    s->id = u->info.id;
    s->text = NULL;
    if (u->campaign.id) {
        snprintf(label, labellen, P3S_CAMPAIGN_PREFIX "%s", u->campaign.name);
        s->text = label;
    }
}

static int add_changes(struct p3s_report *rep, struct p3s_store *st, const struct p3s_unit *old,
                       const struct p3s_unit *new, char *err, size_t errlen)
{
    struct side sides[2] = {{st, st->ops->open_rows(st, old->ids, old->n, 0)},
                            {st, st->ops->open_rows(st, new->ids, new->n, 0)}};
    struct changes ch = {.rep = rep, .err = err, .errlen = errlen};
    char labels[2][300];
    side_of(old, &ch.sides[0], labels[0], sizeof labels[0]);
    side_of(new, &ch.sides[1], labels[1], sizeof labels[1]);
    int rc = 0;
    if (!sides[0].cur || !sides[1].cur) {
        snprintf(err, errlen, "%s", st->err);
        rc = 3;
    } else {
        struct p3s_diff d;
        p3s_diff_init(&d, on_change, &ch);
        int got = p3s_diff_merge(&d, next_side, &sides[0], next_side, &sides[1]);
        if (got != 0) {
            if (got < 0 || !err[0])
                snprintf(err, errlen, "%s", got == -2 ? "the history's records are out of order"
                                            : st->err[0] ? st->err
                                                         : "out of memory");
            rc = 3;
        }
        p3s_diff_free(&d);
    }
    for (int i = 0; i < 2; i++)
        if (sides[i].cur)
            st->ops->close_rows(sides[i].cur);
    p3s_diffjson_free(&ch.dj);
    p3s_jw_free(&ch.jw);
    return rc;
}

/* --- the scan ---------------------------------------------------------------------------------- */

static int load(struct p3s_store *st, const char *which, int partial, struct p3s_unit *u,
                char *err, size_t errlen)
{
    int got;
    if (!which) {
        int64_t id;
        got = st->ops->latest_complete(st, -1, &id);
        if (got == 0) {
            snprintf(err, errlen, "no complete scan in %s (see pop3scan history)", st->path);
            return 2;
        }
        if (got == 1)
            got = p3s_unit_load_scan(st, id, u);
    } else if (p3s_unit_is_campaign(which)) {
        got = p3s_unit_load_campaign(st, which + strlen(P3S_CAMPAIGN_PREFIX), u);
    } else {
        char *end;
        long long id = strtoll(which, &end, 10);
        if (end == which || *end || id <= 0) {
            snprintf(err, errlen, "'%.200s' names no scan (a scan id, or campaign:NAME)", which);
            return 2;
        }
        got = p3s_unit_load_scan(st, id, u);
    }
    if (got < 0) {
        snprintf(err, errlen, "history database %s: %s", st->path, st->err);
        return 3;
    }
    if (got == 0) {
        int campaign = which && p3s_unit_is_campaign(which);
        snprintf(err, errlen, "no %s %.200s in %s (see pop3scan history)",
                 campaign ? "campaign" : "scan",
                 campaign ? which + strlen(P3S_CAMPAIGN_PREFIX) : which, st->path);
        return 2;
    }
    if (!p3s_unit_complete(u) && !partial) {
        snprintf(err, errlen, "%.200s is not complete: %lld of %lld shards are; not complete: "
                 "%.200s (--partial reports what it has)", which, (long long)u->complete,
                 (long long)u->campaign.shards, u->missing);
        p3s_unit_free(u);
        return 2;
    }
    return 0;
}

static int set_meta(struct p3s_report *rep, const struct p3s_unit *u, const char *path,
                    char *err, size_t errlen)
{
    json_t *meta = p3s_scan_info_json(&u->info);
    if (!meta) {
        snprintf(err, errlen, "out of memory");
        return 3;
    }
    if (u->campaign.id) {
        json_object_set_new(meta, "id", json_string(u->campaign.name));
        json_object_set_new(meta, "status", json_string(p3s_unit_complete(u) ? "complete"
                                                                              : "partial"));
    }
    json_t *src = json_array();
    json_array_append_new(src, json_string(path));
    json_object_set_new(meta, "sources", src);
    int rc = p3s_report_set_meta(rep, meta, err, errlen);
    json_decref(meta);
    return rc < 0 ? 3 : 0;
}

int p3s_report_from_store(struct p3s_report *rep, struct p3s_store *st, const char *which,
                          int partial, char *err, size_t errlen)
{
    struct p3s_unit u, before[P3S_REPORT_HISTORY_MAX];
    err[0] = '\0';
    int rc = load(st, which, partial, &u, err, errlen);
    if (rc)
        return rc;
    int n = earlier_units(st, &u, before);
    if (n < 0) {
        snprintf(err, errlen, "history database %s: %s", st->path, st->err);
        p3s_unit_free(&u);
        return 3;
    }
    rc = set_meta(rep, &u, st->path, err, errlen);
    if (rc == 0)
        rc = add_records(rep, st, &u, err, errlen);
    for (int i = n - 1; i >= 0 && rc == 0; i--) /* oldest first */
        rc = add_history(rep, st, &before[i], err, errlen);
    if (rc == 0 && n > 0)
        rc = add_changes(rep, st, &before[0], &u, err, errlen);
    for (int i = 0; i < n; i++)
        p3s_unit_free(&before[i]);
    p3s_unit_free(&u);
    return rc;
}
