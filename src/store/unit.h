/* unit.h — what `pop3scan diff` and `pop3scan report` take as one scan: a scan of the history,
 * or a campaign, whose shards' scans together are its records (store.h).
 *
 * A campaign is named campaign:NAME on their command lines. It is complete when every shard
 * 0..N-1 has a scan that completed; diff and report refuse one that is not unless told
 * --partial, and then say which shards are missing.
 */
#ifndef POP3SCAN_UNIT_H
#define POP3SCAN_UNIT_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define P3S_CAMPAIGN_PREFIX "campaign:"

struct p3s_unit {
    int64_t *ids; /* the scans whose records it is: one, or a campaign's shards */
    size_t n;
    /* A scan's row (texts owned), or for a campaign one made from its shards: started the
     * first start, ended the last end (when every shard ended), status "complete" or
     * "partial", records and pop3 added up, targets and options the campaign's. */
    struct p3s_scan_info info;
    struct p3s_campaign campaign; /* id 0 for a scan */
    int64_t complete;             /* campaign: shards that completed */
    char missing[512];            /* campaign: the shards that did not, "2 (killed), 3 (none)" */
};

/* Whether arg names a campaign (campaign:NAME). */
int p3s_unit_is_campaign(const char *arg);
/* Loads the scan id, or the campaign name: 1 found, 0 no such, -1 error (st->err). */
int p3s_unit_load_scan(struct p3s_store *st, int64_t id, struct p3s_unit *u);
int p3s_unit_load_campaign(struct p3s_store *st, const char *name, struct p3s_unit *u);
/* A scan: always; a campaign: every shard completed. */
int p3s_unit_complete(const struct p3s_unit *u);
/* The newest complete campaign made before u's that covers the same targets with the same
 * options: 1 found (into prev), 0 none, -1 error. */
int p3s_unit_previous_campaign(struct p3s_store *st, const struct p3s_unit *u,
                               struct p3s_unit *prev);
/* "campaign NAME" or "scan ID", for messages. */
void p3s_unit_name(const struct p3s_unit *u, char *out, size_t n);
void p3s_unit_free(struct p3s_unit *u);

#endif
