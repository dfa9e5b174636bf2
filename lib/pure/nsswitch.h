/* nsswitch: the services of one database in nsswitch.conf(5) text, pure.
 *
 * nss_services(text, len, db, out, max): the service names listed for
 * database db ("hosts") in the order given, action groups ("[NOTFOUND=
 * return]") and comments skipped; with several lines for db (a mistake
 * glibc resolves one way or another by version) the services of all of
 * them.  Names longer than NSS_NAME_MAX - 1 bytes are skipped.  Returns
 * how many were stored (at most max). */
#ifndef SB_NSSWITCH_H
#define SB_NSSWITCH_H

#include <stddef.h>

#define NSS_NAME_MAX 32

int nss_services(const char *text, size_t len, const char *db,
                 char (*out)[NSS_NAME_MAX], int max);

#endif
