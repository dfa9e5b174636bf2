/* applet.h: include in every applet source; declares each applet's entry
 * point from the one table in applets.h. */
#ifndef SB_APPLET_H
#define SB_APPLET_H

#include <sys/capability.h>

#include "caps.h"

#define APPLET(fn, name, cap, root_caps) int fn##_main(int argc, char **argv);
#include "applets.h"
#undef APPLET

/* Whether this binary has applet NAME (make APPLETS=... leaves some out). */
int sockbox_has_applet(const char *name);

#endif
