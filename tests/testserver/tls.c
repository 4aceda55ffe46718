/* tls.c - creates the permissive server SSL_CTX p3testd uses, loading the
 * given certificate or generating a throwaway self-signed one. */
#include "tls.h"

#include <stdio.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

static void tls_error(const char *what)
{
	fprintf(stderr, "p3testd: %s\n", what);
	ERR_print_errors_fp(stderr);
}

static int add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	if (!ext)
		return 0;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

/* A P-256 key is generated instantly, so starting the server in every test
 * stays cheap; tests that care about key type pass --cert/--key. */
static int self_signed(SSL_CTX *ctx)
{
	EVP_PKEY *pkey = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *name;
	int ok = 0;

	if (!pkey || !x)
		goto out;
	name = X509_get_subject_name(x);
	if (!X509_set_version(x, 2) ||
	    !ASN1_INTEGER_set(X509_get_serialNumber(x), 1) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), 2L * 24 * 3600) ||
	    !X509_set_pubkey(x, pkey) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					(const unsigned char *)"localhost",
					-1, -1, 0) ||
	    !X509_set_issuer_name(x, name) ||
	    !add_ext(x, NID_subject_alt_name,
		     "DNS:localhost,IP:127.0.0.1,IP:::1") ||
	    !X509_sign(x, pkey, EVP_sha256()))
		goto out;
	ok = SSL_CTX_use_certificate(ctx, x) == 1 &&
	     SSL_CTX_use_PrivateKey(ctx, pkey) == 1;
out:
	X509_free(x);
	EVP_PKEY_free(pkey);
	return ok;
}

static int load_pair(SSL_CTX *ctx, const char *cert, const char *key)
{
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		fprintf(stderr, "p3testd: cannot load certificate %s\n", cert);
		return 0;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		fprintf(stderr, "p3testd: cannot load key %s\n", key);
		return 0;
	}
	return SSL_CTX_check_private_key(ctx) == 1;
}

SSL_CTX *tls_server_ctx(const char *cert, const char *key)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	int ok;

	if (!ctx) {
		tls_error("SSL_CTX_new failed");
		return NULL;
	}
	/* Old versions and weak keys on purpose: tests check that the scanner
	 * notices them. */
	SSL_CTX_set_min_proto_version(ctx, 0);
	SSL_CTX_set_security_level(ctx, 0);
	/* Idle TLS connections then hold no read/write buffers. */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	ok = cert ? load_pair(ctx, cert, key) : self_signed(ctx);
	if (!ok) {
		tls_error("cannot set up the server certificate");
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}
