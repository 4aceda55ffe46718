/* tls.h - the server-side TLS context shared by implicit-TLS listeners and
 * the 'starttls' action. */
#ifndef P3T_TLS_H
#define P3T_TLS_H

#include <openssl/ssl.h>

/* Build a permissive server context (every protocol version down to what
 * OpenSSL still has, security level 0) so tests can probe weak setups.
 * With CERT and KEY NULL a throwaway self-signed certificate for
 * CN=localhost is generated. Prints a message and returns NULL on error. */
SSL_CTX *tls_server_ctx(const char *cert, const char *key);

#endif
