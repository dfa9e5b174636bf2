/* caps: capability and setuid handling (libcap).
 *
 * main() calls caps_restrict() before any applet runs: a setuid-root
 * binary drops to the real uid/gid; then every capability set
 * (permitted, effective, inheritable, ambient) is emptied except that an
 * applet that declares a need keeps that one capability in its permitted
 * set only.  Such an applet raises it with caps_raise() around the calls
 * that need it, lowers it with caps_lower(), and empties everything with
 * caps_drop_all() once its socket is open.  All return 0 or -1/errno.
 * A process that is root by its real uid instead keeps its applet's set-up
 * set (caps_setup()) until sandbox_enter(). */
#ifndef SB_CAPS_H
#define SB_CAPS_H

#include <stdint.h>

#define CAPS_NONE (-1)
#define CAPS_SET(cap) (UINT64_C(1) << (cap))
/* An applet that keeps two capabilities (ping: CAP_NET_RAW, and
 * CAP_NET_ADMIN for SO_MARK when it already has it) names both. */
#define CAPS_AND(a, b) ((a) | (((b) + 1) << 8))

int caps_restrict(int keep_cap);
/* main()'s choice between the two models (sockbox(1), PRIVILEGES):
 * elevated (AT_SECURE: setuid, setgid, file capabilities) or not root by
 * the real uid: caps_restrict(elevated_cap), as always.  Root by the real
 * uid, not elevated: keep exactly `root_caps` permitted and effective (the
 * applet's set-up needs them; sandbox_enter() drops them). */
int caps_setup(int elevated_cap, uint64_t root_caps);
/* Exactly `set` (of what is permitted now) permitted, nothing effective. */
int caps_keep_permitted(uint64_t set);
/* Exactly `set` (of what is permitted now) permitted, and effective too
 * when `effective`. */
int caps_keep(uint64_t set, int effective);
int caps_raise(int cap);
int caps_lower(int cap);
int caps_drop_all(void);
/* 1 when `cap` is in the permitted set (or we are root with it), else 0. */
int caps_have(int cap);

#endif
