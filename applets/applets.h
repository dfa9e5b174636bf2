/* The applet table: the one place that lists sockbox's applets.
 * APPLET(function prefix, "name", capability the applet keeps in its
 * permitted set, or CAPS_NONE).  Adding an applet is one file in applets/
 * defining PREFIX_main(int argc, char **argv), plus one line here, kept
 * sorted by name (--list prints the table as is).  Aliases (ping6) are
 * extra lines with the same prefix. */
APPLET(http_get, "http-get", CAPS_NONE)
APPLET(ping, "ping", CAPS_AND(CAP_NET_RAW, CAP_NET_ADMIN))
APPLET(ping, "ping6", CAPS_AND(CAP_NET_RAW, CAP_NET_ADMIN))
APPLET(probe, "probe", CAP_NET_RAW)
APPLET(selftest, "selftest", CAPS_NONE)
APPLET(tcp_echo, "tcp-echo", CAPS_NONE)
APPLET(tcp_watch, "tcp-watch", CAPS_NONE)
APPLET(udp_echo, "udp-echo", CAPS_NONE)
APPLET(uds_echo, "uds-echo", CAPS_NONE)
