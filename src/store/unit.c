/* unit.c — a scan or a campaign as one scan for diff and report (unit.h). */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int p3s_unit_is_campaign(const char *arg)
{
    return strncmp(arg, P3S_CAMPAIGN_PREFIX, strlen(P3S_CAMPAIGN_PREFIX)) == 0;
}

int p3s_unit_load_scan(struct p3s_store *st, int64_t id, struct p3s_unit *u)
{
    memset(u, 0, sizeof *u);
    int got = st->ops->get_scan(st, id, &u->info);
    if (got != 1)
        return got;
    if (!(u->ids = malloc(sizeof *u->ids))) {
        p3s_scan_info_free(&u->info);
        snprintf(st->err, sizeof st->err, "out of memory");
        return -1;
    }
    u->ids[0] = id;
    u->n = 1;
    return 1;
}

struct gather {
    struct p3s_unit *u;
    int64_t next;   /* the shard index expected next */
    size_t missing; /* bytes of u->missing used */
    int all_ended;
    int oom;
};

static void note_missing(struct gather *g, int64_t shard, const char *why)
{
    struct p3s_unit *u = g->u;
    if (g->missing < sizeof u->missing)
        g->missing += (size_t)snprintf(u->missing + g->missing, sizeof u->missing - g->missing,
                                       "%s%lld (%s)", g->missing ? ", " : "", (long long)shard,
                                       why);
}

static int on_shard(void *arg, const struct p3s_scan_info *s)
{
    struct gather *g = arg;
    struct p3s_unit *u = g->u;
    for (; g->next < s->shard_index; g->next++)
        note_missing(g, g->next, "never started");
    g->next = s->shard_index + 1;
    int64_t *ids = realloc(u->ids, (u->n + 1) * sizeof *ids);
    if (!ids) {
        g->oom = 1;
        return -1;
    }
    u->ids = ids;
    u->ids[u->n++] = s->id;
    if (strcmp(s->status, P3S_SCAN_COMPLETE) == 0)
        u->complete++;
    else
        note_missing(g, s->shard_index, p3s_scan_status_shown(s));
    if (u->n == 1 || strcmp(s->started, u->info.started) < 0)
        snprintf(u->info.started, sizeof u->info.started, "%s", s->started);
    if (!s->ended[0])
        g->all_ended = 0;
    else if (strcmp(s->ended, u->info.ended) > 0)
        snprintf(u->info.ended, sizeof u->info.ended, "%s", s->ended);
    u->info.records += s->records;
    u->info.pop3 += s->pop3;
    return 0;
}

int p3s_unit_load_campaign(struct p3s_store *st, const char *name, struct p3s_unit *u)
{
    memset(u, 0, sizeof *u);
    struct gather g = {u, 0, 0, 1, 0};
    int got = st->ops->get_campaign(st, name, &u->campaign, on_shard, &g);
    if (got != 1) {
        if (g.oom)
            snprintf(st->err, sizeof st->err, "out of memory");
        free(u->ids);
        u->ids = NULL;
        return g.oom ? -1 : got;
    }
    for (; g.next < u->campaign.shards; g.next++)
        note_missing(&g, g.next, "never started");
    struct p3s_scan_info *in = &u->info;
    if (!g.all_ended || u->n < (size_t)u->campaign.shards)
        in->ended[0] = '\0';
    snprintf(in->status, sizeof in->status, "%s",
             p3s_unit_complete(u) ? P3S_SCAN_COMPLETE : "partial");
    in->targets = u->campaign.targets;
    in->options = u->campaign.options;
    in->campaign = u->campaign.name;
    in->campaign_id = u->campaign.id;
    in->alive = -1;
    in->command = "[]";
    if (p3s_scan_info_own(in)) {
        p3s_unit_free(u);
        snprintf(st->err, sizeof st->err, "out of memory");
        return -1;
    }
    return 1;
}

int p3s_unit_complete(const struct p3s_unit *u)
{
    if (!u->campaign.id)
        return 1;
    return u->complete == u->campaign.shards && (int64_t)u->n == u->campaign.shards;
}

struct prev_search {
    struct p3s_store *st;
    const struct p3s_unit *u;
    char name[256];
    int found;
};

static int on_campaign(void *arg, const struct p3s_campaign *c)
{
    struct prev_search *p = arg;
    if (c->id >= p->u->campaign.id || strcmp(c->targets, p->u->campaign.targets) != 0 ||
        strcmp(c->options, p->u->campaign.options) != 0)
        return 0;
    /* Complete? That needs its shards: the name is kept, and checked after the listing. */
    snprintf(p->name, sizeof p->name, "%s", c->name);
    p->found = 1;
    return 1;
}

int p3s_unit_previous_campaign(struct p3s_store *st, const struct p3s_unit *u,
                               struct p3s_unit *prev)
{
    /* Newest first: each candidate older than u is loaded, the first complete one wins. */
    int64_t below = u->campaign.id;
    for (;;) {
        struct p3s_unit bound = *u;
        bound.campaign.id = below;
        struct prev_search p = {st, &bound, "", 0};
        if (st->ops->list_campaigns(st, on_campaign, &p) < 0)
            return -1;
        if (!p.found)
            return 0;
        int got = p3s_unit_load_campaign(st, p.name, prev);
        if (got < 0)
            return -1;
        if (got == 1 && p3s_unit_complete(prev))
            return 1;
        if (got == 1) {
            below = prev->campaign.id;
            p3s_unit_free(prev);
            continue;
        }
        return 0;
    }
}

void p3s_unit_name(const struct p3s_unit *u, char *out, size_t n)
{
    if (u->campaign.id)
        snprintf(out, n, "campaign %s", u->campaign.name);
    else
        snprintf(out, n, "scan %lld", (long long)u->info.id);
}

void p3s_unit_free(struct p3s_unit *u)
{
    free(u->ids);
    u->ids = NULL;
    p3s_scan_info_free(&u->info);
    p3s_campaign_free(&u->campaign);
}
