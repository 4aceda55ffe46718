/* identify.h — names the software behind a finished record from the fingerprints (lib/fp): the
 * greeting, the CAPA list and its IMPLEMENTATION, the replies to USER, STLS and QUIT, an -ERR
 * text and the certificate (fingerprints/README.md). An identifier is the rule database and a
 * cache of recent answers; the engine keeps one.
 */
#ifndef POP3SCAN_IDENTIFY_H
#define POP3SCAN_IDENTIFY_H

struct p3fp_db;
struct p3s_identifier;
struct p3s_record;

/* db is the caller's and must outlive the identifier. */
struct p3s_identifier *p3s_identifier_new(const struct p3fp_db *db);
void p3s_identifier_free(struct p3s_identifier *id);
/* Fills rec->product when a rule names the software of a POP3 record (else leaves it NULL). */
void p3s_identify(struct p3s_identifier *id, struct p3s_record *rec);

#endif
