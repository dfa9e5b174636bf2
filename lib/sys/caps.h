/* caps: capability and setuid handling (libcap).
 *
 * main() calls caps_restrict() before any applet runs: a setuid-root
 * binary drops to the real uid/gid; then every capability set
 * (permitted, effective, inheritable, ambient) is emptied except that an
 * applet that declares a need keeps that one capability in its permitted
 * set only.  Such an applet raises it with caps_raise() around the calls
 * that need it, lowers it with caps_lower(), and empties everything with
 * caps_drop_all() once its socket is open.  All return 0 or -1/errno. */
#ifndef SB_CAPS_H
#define SB_CAPS_H

#define CAPS_NONE (-1)
/* An applet that keeps two capabilities (ping: CAP_NET_RAW, and
 * CAP_NET_ADMIN for SO_MARK when it already has it) names both. */
#define CAPS_AND(a, b) ((a) | (((b) + 1) << 8))

int caps_restrict(int keep_cap);
int caps_raise(int cap);
int caps_lower(int cap);
int caps_drop_all(void);
/* 1 when `cap` is in the permitted set (or we are root with it), else 0. */
int caps_have(int cap);

#endif
