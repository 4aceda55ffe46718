/* scanjson.c — a scan row of the history as a JSON object (scanjson.h). */
#include "scanjson.h"

#include <jansson.h>
#include <string.h>

json_t *p3s_stored_json(const char *s, size_t n)
{
    json_t *v = s ? json_loadb(s, n, JSON_ALLOW_NUL, NULL) : NULL;
    return v ? v : json_null();
}

json_t *p3s_scan_info_json(const struct p3s_scan_info *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(s->id));
    json_object_set_new(o, "started", json_string(s->started));
    json_object_set_new(o, "ended", s->ended[0] ? json_string(s->ended) : json_null());
    json_object_set_new(o, "status", json_string(p3s_scan_status_shown(s)));
    json_object_set_new(o, "records", json_integer(s->records));
    json_object_set_new(o, "pop3", json_integer(s->pop3));
    json_object_set_new(o, "command", p3s_stored_json(s->command, s->command ? strlen(s->command) : 0));
    json_object_set_new(o, "targets", p3s_stored_json(s->targets, s->targets ? strlen(s->targets) : 0));
    json_object_set_new(o, "options", p3s_stored_json(s->options, s->options ? strlen(s->options) : 0));
    json_object_set_new(o, "shard", s->shard ? json_string(s->shard) : json_null());
    json_object_set_new(o, "host", json_string(s->host ? s->host : ""));
    json_object_set_new(o, "pid", json_integer(s->pid));
    json_object_set_new(o, "version", json_string(s->version ? s->version : ""));
    json_object_set_new(o, "campaign", s->campaign ? json_string(s->campaign) : json_null());
    if (s->campaign)
        json_object_set_new(o, "runs", json_integer(s->attempts));
    return o;
}
