/* The applet table: the one place that lists sockbox's applets.
 * APPLET(function prefix, "name", ELEVATED, ROOT):
 *   ELEVATED  the one capability an elevated copy (setuid root or file
 *             capabilities, AT_SECURE) keeps in its permitted set, or
 *             CAPS_NONE (CAPS_AND(a, b): two);
 *   ROOT      the set (CAPS_SET(a) | CAPS_SET(b)) a process that is root
 *             by its real uid keeps, effective, for its set-up only:
 *             sandbox_enter() drops it before the first network read.
 * Adding an applet is one file in applets/ defining
 * PREFIX_main(int argc, char **argv), plus one line here, kept sorted by
 * name (--list prints the table as is).  Aliases (ping6) are extra lines
 * with the same prefix. */
APPLET(http_get, "http-get", CAPS_NONE, CAPS_SET(CAP_DAC_OVERRIDE) | CAPS_SET(CAP_FOWNER) | CAPS_SET(CAP_CHOWN))
APPLET(ping, "ping", CAPS_AND(CAP_NET_RAW, CAP_NET_ADMIN), CAPS_SET(CAP_NET_RAW) | CAPS_SET(CAP_NET_ADMIN))
APPLET(ping, "ping6", CAPS_AND(CAP_NET_RAW, CAP_NET_ADMIN), CAPS_SET(CAP_NET_RAW) | CAPS_SET(CAP_NET_ADMIN))
APPLET(probe, "probe", CAP_NET_RAW, CAPS_SET(CAP_NET_RAW))
APPLET(selftest, "selftest", CAPS_NONE, 0)
APPLET(tcp_echo, "tcp-echo", CAPS_NONE, CAPS_SET(CAP_NET_BIND_SERVICE))
APPLET(tcp_watch, "tcp-watch", CAPS_NONE, CAPS_SET(CAP_SYS_PTRACE) | CAPS_SET(CAP_DAC_READ_SEARCH))
APPLET(udp_echo, "udp-echo", CAPS_NONE, CAPS_SET(CAP_NET_BIND_SERVICE))
APPLET(uds_echo, "uds-echo", CAPS_NONE, CAPS_SET(CAP_DAC_OVERRIDE) | CAPS_SET(CAP_FOWNER))
