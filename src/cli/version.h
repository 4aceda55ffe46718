/* version.h — what `pop3scan --version` prints: the program's version, the commit it was built
 * from, and the versions of the libraries it runs with. */
#ifndef POP3SCAN_VERSION_H
#define POP3SCAN_VERSION_H

#include <stdio.h>

void p3s_version_print(FILE *fp);

#endif
