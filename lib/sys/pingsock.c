/* pingsock: ping's socket set-up; see pingsock.h. */
#include <net/if.h>   /* before the linux/ headers (libc-compat) */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/in6.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/random.h>
#include <unistd.h>

#include "caps.h"
#include "pingsock.h"

/* Everything here runs once, before the first probe: optimise for size. */
#define COLD __attribute__((cold))

#ifndef IPV6_FLOWLABEL_MGR
#define IPV6_FLOWLABEL_MGR 32
#endif
#ifndef IPV6_FLOWINFO_SEND
#define IPV6_FLOWINFO_SEND 33
#endif

__attribute__((format(printf, 5, 6)))
COLD static int fail(struct pingsock_err *e, int code, int errnum, const char *kind,
                const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	n = strlen(e->msg);
	if (errnum && n < sizeof e->msg)
		snprintf(e->msg + n, sizeof e->msg - n, ": %s", strerror(errnum));
	e->exit_code = code;
	e->errnum = errnum;
	e->code = kind;
	return -1;
}

/* Append "text[: strerror]\n" to a warning buffer (w[0..sizeof e->warn)). */
__attribute__((format(printf, 3, 4)))
COLD static void warn_to(char *w, int errnum, const char *fmt, ...)
{
	const size_t cap = sizeof ((struct pingsock_err *)0)->warn;
	size_t n = strlen(w);
	va_list ap;

	if (n >= cap - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(w + n, cap - n, fmt, ap);
	va_end(ap);
	n = strlen(w);
	snprintf(w + n, cap - n, errnum ? ": %s\n" : "\n", strerror(errnum));
}
#define warn(e, ...) warn_to((e)->warn, __VA_ARGS__)
_Static_assert(sizeof ((struct pingsock_err *)0)->warn ==
               sizeof ((struct pingsock_err *)0)->warn_late, "warn_to() serves both");

COLD static int setint(int fd, int level, int name, int v)
{
	return setsockopt(fd, level, name, &v, sizeof v);
}

COLD static void read_group_range(char *buf, size_t n)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ping_group_range", "re");
	size_t k = 0;

	buf[0] = '\0';
	if (f) {
		k = fread(buf, 1, n - 1, f);
		fclose(f);
	}
	buf[k] = '\0';
	for (char *q = buf; *q; q++)
		if (*q == '\t' || *q == '\n')
			*q = *q == '\t' ? ' ' : '\0';
}

/* Neither socket type: say what was tried and how to fix it. */
COLD static int explain_no_socket(struct pingsock_err *e, int raw_tried, int raw_err,
                             int dgram_err)
{
	char range[64], self[PATH_MAX], raw_part[128];
	ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);

	self[k > 0 ? k : 0] = '\0';
	read_group_range(range, sizeof range);
	if (raw_tried)
		snprintf(raw_part, sizeof raw_part, "raw socket failed (%s)", strerror(raw_err));
	else
		snprintf(raw_part, sizeof raw_part, "raw socket needs CAP_NET_RAW, which this process lacks");
	if (dgram_err == EACCES || dgram_err == EPERM)
		return fail(e, 2, 0, "permission", "cannot open an ICMP socket: %s; ICMP datagram "
		            "socket refused: group %u is outside net.ipv4.ping_group_range (%s); "
		            "fix: setcap cap_net_raw+p %s, or sysctl -w net.ipv4.ping_group_range="
		            "'0 2147483647'", raw_part, (unsigned)getgid(), range,
		            self[0] ? self : "sockbox");
	return fail(e, 2, 0, "permission", "cannot open an ICMP socket: %s; ICMP datagram "
	            "socket failed (%s); fix: setcap cap_net_raw+p %s, or run as root",
	            raw_part, strerror(dgram_err), self[0] ? self : "sockbox");
}

COLD int pingsock_open(struct pingsock *s, const struct pingsock_cfg *c,
                  struct pingsock_err *e)
{
	int fam = c->v6 ? AF_INET6 : AF_INET;
	int proto = c->v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	int have_raw = caps_have(CAP_NET_RAW), raw_err = 0;

	memset(s, 0, sizeof *s);
	s->fd = -1;
	if (have_raw) {
		caps_raise(CAP_NET_RAW);
		s->fd = socket(fam, SOCK_RAW | SOCK_CLOEXEC, proto);
		raw_err = errno;
		caps_lower(CAP_NET_RAW);
		s->raw = s->fd >= 0;
	}
	if (s->fd < 0 && c->force_raw)
		return fail(e, 2, have_raw ? raw_err : EPERM, "permission", "socket");
	if (s->fd < 0) {
		s->fd = socket(fam, SOCK_DGRAM | SOCK_CLOEXEC, proto);
		if (s->fd < 0)
			return explain_no_socket(e, have_raw, raw_err, errno);
	}
	return 0;
}

COLD static int bind_device(const struct pingsock_cfg *c, int fd)
{
	int raw = caps_have(CAP_NET_RAW), r;

	if (raw)
		caps_raise(CAP_NET_RAW);
	r = setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, c->device,
	               (socklen_t)strlen(c->device) + 1);
	if (raw)
		caps_lower(CAP_NET_RAW);
	return r;
}

/* SO_MARK needs CAP_NET_ADMIN; as iputils, a refusal is a warning. */
COLD static void set_mark(const struct pingsock_cfg *c, int fd, char *w)
{
	int admin = caps_have(CAP_NET_ADMIN), r;

	if (admin)
		caps_raise(CAP_NET_ADMIN);
	r = setsockopt(fd, SOL_SOCKET, SO_MARK, &c->mark, sizeof c->mark);
	if (r < 0)
		r = errno;
	if (admin)
		caps_lower(CAP_NET_ADMIN);
	if (r)
		warn_to(w, r, "WARNING: failed to set mark: %u", c->mark);
}

COLD int pingsock_multicast(const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_INET6)
		return IN6_IS_ADDR_MULTICAST(&((const struct sockaddr_in6 *)a)->sin6_addr);
	return IN_MULTICAST(ntohl(((const struct sockaddr_in *)a)->sin_addr.s_addr));
}

COLD int pingsock_source(struct pingsock *s, struct pingsock_cfg *c,
                    struct pingsock_err *e)
{
	int fam = c->v6 ? AF_INET6 : AF_INET;
	struct sockaddr_storage d = c->dst;
	socklen_t len = c->dstlen;
	int probe;

	if (c->strict_source && c->src.ss_family == fam) {
		/* -I ADDR: the source is given; only bind a device. */
		memcpy(&s->src, &c->src, sizeof s->src);
		s->have_src = 1;
		if (c->device && bind_device(c, s->fd) < 0)
			return fail(e, 2, errno, "setup", "SO_BINDTODEVICE %s", c->device);
		return 0;
	}
	probe = socket(fam, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (probe < 0)
		return fail(e, 2, errno, "setup", "socket");
	if (c->device) {
		if (bind_device(c, probe) < 0 || bind_device(c, s->fd) < 0) {
			int err = errno;
			close(probe);
			if (c->v6)
				return fail(e, 2, err, "setup", "setsockopt(SO_BINDTODEVICE) %s", c->device);
			return fail(e, 2, err, "setup", "SO_BINDTODEVICE %s", c->device);
		}
	}
	if (!c->v6 && c->tos && setint(probe, IPPROTO_IP, IP_TOS, c->tos) < 0)
		warn(e, errno, "warning: QOS sockopts");
	if (c->mark_set)
		set_mark(c, probe, e->warn);
	struct sockaddr_in6 *d6 = (struct sockaddr_in6 *)&c->dst;
	if (c->v6 && c->device && !d6->sin6_scope_id &&
	    (IN6_IS_ADDR_LINKLOCAL(&d6->sin6_addr) || IN6_IS_ADDR_MC_LINKLOCAL(&d6->sin6_addr))) {
		/* -I names the link of a link-local target, as iputils */
		d6->sin6_scope_id = if_nametoindex(c->device);
		d = c->dst;
	}
	if (c->v6)
		((struct sockaddr_in6 *)&d)->sin6_port = htons(1025);
	else
		((struct sockaddr_in *)&d)->sin_port = htons(1025);
	if (connect(probe, (struct sockaddr *)&d, len) < 0) {
		int err = errno;
		if (err == EACCES && !c->v6) {
			if (!c->broadcast) {
				close(probe);
				return fail(e, 2, 0, "setup", "Do you want to ping broadcast? Then -b. "
				            "If not, check your local firewall rules");
			}
			warn(e, 0, "\001WARNING: pinging broadcast address");
			setint(probe, SOL_SOCKET, SO_BROADCAST, 1);
			if (connect(probe, (struct sockaddr *)&d, len) < 0) {
				err = errno;
				close(probe);
				return fail(e, 2, err, "connect", "connect");
			}
		} else {
			close(probe);
			return fail(e, 2, err, "connect", "connect");
		}
	}
	len = sizeof s->src;
	if (getsockname(probe, (struct sockaddr *)&s->src, &len) < 0) {
		int err = errno;
		close(probe);
		return fail(e, 2, err, "setup", "getsockname");
	}
	close(probe);
	if (c->v6)
		((struct sockaddr_in6 *)&s->src)->sin6_port = 0;
	else
		((struct sockaddr_in *)&s->src)->sin_port = 0;
	s->have_src = c->device || c->strict_source;
	if (c->device) {
		/* iputils warns when the route picked another device's address. */
		struct ifaddrs *ifa0, *ifa;
		int found = 0;
		if (getifaddrs(&ifa0) == 0) {
			for (ifa = ifa0; ifa; ifa = ifa->ifa_next) {
				if (!ifa->ifa_name || !ifa->ifa_addr || ifa->ifa_addr->sa_family != fam ||
				    strcmp(ifa->ifa_name, c->device))
					continue;
				if (c->v6 ? !memcmp(&((struct sockaddr_in6 *)ifa->ifa_addr)->sin6_addr,
				                    &((struct sockaddr_in6 *)&s->src)->sin6_addr, 16)
				          : ((struct sockaddr_in *)ifa->ifa_addr)->sin_addr.s_addr ==
				            ((struct sockaddr_in *)&s->src)->sin_addr.s_addr)
					found = 1;
			}
			freeifaddrs(ifa0);
			if (!found)
				warn(e, 0, "Warning: source address might be selected on device other than: %s",
				     c->device);
		}
	}
	return 0;
}

COLD size_t pingsock_ipopts(uint8_t buf[40], int rroute, enum pingsock_ts ts)
{
	memset(buf, 0, 40);
	if (rroute) {
		/* NOP, then RR: type 7, length 39, pointer 4 (nine slots) */
		buf[0] = 1;
		buf[1] = 7;
		buf[2] = 39;
		buf[3] = 4;
		return 40;
	}
	if (ts != PINGSOCK_TS_NONE) {
		buf[0] = 68;                      /* IPOPT_TIMESTAMP */
		buf[1] = ts == PINGSOCK_TS_TSONLY ? 40 : 36;
		buf[2] = 5;
		buf[3] = (uint8_t)ts;
		if (ts == PINGSOCK_TS_PRESPEC)
			buf[1] = 4;               /* no addresses were given */
		return buf[1];
	}
	return 0;
}

int pingsock_ident_filter(int fd, int v6, uint16_t ident)
{
	struct sock_filter f[] = {
		/* IPv4 raw data starts at the IP header: X = its length */
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 4),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ident, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffffffffu),
		BPF_STMT(BPF_LD | BPF_B | BPF_IND, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, v6 ? ICMPV6_ECHO_REPLY : ICMP_ECHOREPLY, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, 0xffffffffu),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog;

	/* IPv6 raw data starts at the ICMPv6 header: X stays 0 */
	if (v6)
		f[0] = (struct sock_filter)BPF_STMT(BPF_LDX | BPF_IMM, 0);
	prog.len = sizeof f / sizeof f[0];
	prog.filter = f;
	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog);
}

COLD static void attach_ident_filter(struct pingsock *s, int v6, struct pingsock_err *e)
{
	if (pingsock_ident_filter(s->fd, v6, s->ident) < 0)
		warn(e, errno, "WARNING: failed to install socket filter");
}

COLD static int configure_v4(struct pingsock *s, struct pingsock_cfg *c, struct pingsock_err *e)
{
	uint8_t opts[40];
	size_t olen;

	if (s->raw) {
		uint32_t filt = ~((1u << ICMP_ECHOREPLY) | (1u << ICMP_DEST_UNREACH) |
		                  (1u << ICMP_SOURCE_QUENCH) | (1u << ICMP_REDIRECT) |
		                  (1u << ICMP_TIME_EXCEEDED) | (1u << ICMP_PARAMETERPROB));
		if (setsockopt(s->fd, SOL_RAW, ICMP_FILTER, &filt, sizeof filt) < 0)
			warn(e, errno, "WARNING: setsockopt(ICMP_FILTER)");
	}
	setint(s->fd, SOL_IP, IP_RECVERR, 1);
	if (!s->raw) {
		setint(s->fd, SOL_IP, IP_RECVTTL, 1);
		setint(s->fd, SOL_IP, IP_RETOPTS, 1);
	}
	olen = pingsock_ipopts(opts, c->rroute, c->ts);
	if (olen) {
		if (setsockopt(s->fd, IPPROTO_IP, IP_OPTIONS, opts, (socklen_t)olen) < 0) {
			if (c->rroute)
				return fail(e, 2, errno, "setup", "record route");
			opts[3] = 2;
			if (setsockopt(s->fd, IPPROTO_IP, IP_OPTIONS, opts, (socklen_t)olen) < 0)
				return fail(e, 2, errno, "setup", "ts option");
		}
		s->optlen = 40;
	}
	return 0;
}

COLD static int configure_v6(struct pingsock *s, struct pingsock_cfg *c, struct pingsock_err *e)
{
	if (setint(s->fd, SOL_IPV6, IPV6_RECVERR, 1) < 0)
		return fail(e, 2, errno, "setup", "IPV6_RECVERR");
	if (s->raw) {
		struct icmp6_filter f;
		memset(&f, 0xff, sizeof f);
		if (c->nodeinfo) {
			/* iputils: node information replies only */
			f.data[140 >> 5] &= ~(1u << (140 & 31));
		} else {
			f.data[ICMPV6_ECHO_REPLY >> 5] &= ~(1u << (ICMPV6_ECHO_REPLY & 31));
			for (int t = ICMPV6_DEST_UNREACH; t <= ICMPV6_PARAMPROB; t++)
				f.data[t >> 5] &= ~(1u << (t & 31));
		}
		if (setsockopt(s->fd, IPPROTO_ICMPV6, ICMPV6_FILTER, &f, sizeof f) < 0)
			return fail(e, 2, errno, "setup", "setsockopt(ICMP6_FILTER)");
	}
	if (c->noloop && setint(s->fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0) < 0)
		return fail(e, 2, errno, "setup", "can't disable multicast loopback");
	if (c->ttl >= 0) {
		if (setint(s->fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, c->ttl) < 0)
			return fail(e, 2, errno, "setup", "can't set multicast hop limit");
		if (setint(s->fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, c->ttl) < 0)
			return fail(e, 2, errno, "setup", "can't set unicast hop limit");
	}
	if (setint(s->fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1) < 0)
		return fail(e, 2, errno, "setup", "can't receive hop limit");
	if (c->tos && setint(s->fd, IPPROTO_IPV6, IPV6_TCLASS, c->tos) < 0)
		return fail(e, 2, errno, "setup", "setsockopt(IPV6_TCLASS)");
	if (c->flow_set) {
		struct in6_flowlabel_req fr;
		memset(&fr, 0, sizeof fr);
		fr.flr_label = htonl(c->flowlabel & 0xfffff);
		fr.flr_action = IPV6_FL_A_GET;
		fr.flr_flags = IPV6_FL_F_CREATE;
		fr.flr_share = IPV6_FL_S_EXCL;
		memcpy(&fr.flr_dst, &((struct sockaddr_in6 *)&c->dst)->sin6_addr, 16);
		if (setsockopt(s->fd, IPPROTO_IPV6, IPV6_FLOWLABEL_MGR, &fr, sizeof fr) < 0)
			return fail(e, 2, errno, "setup", "can't set flowlabel");
		s->flowlabel = fr.flr_label;
		((struct sockaddr_in6 *)&c->dst)->sin6_flowinfo = fr.flr_label;
		if (setint(s->fd, IPPROTO_IPV6, IPV6_FLOWINFO_SEND, 1) < 0)
			return fail(e, 2, errno, "setup", "can't send flowinfo");
	}
	return 0;
}

COLD int pingsock_configure(struct pingsock *s, struct pingsock_cfg *c,
                       struct pingsock_err *e)
{
	int hold;

	if (s->raw) {
		uint16_t id;
		if (c->ident >= 0)
			id = (uint16_t)c->ident;
		else if (getrandom(&id, sizeof id, 0) != (ssize_t)sizeof id)
			id = (uint16_t)getpid();
		s->ident = id;
	}
	c->multicast = pingsock_multicast(&c->dst) || (c->broadcast && !c->v6);
	if (c->multicast && c->pmtudisc == PINGSOCK_PMTU_UNSET)
		c->pmtudisc = IP_PMTUDISC_DO;
	if (c->pmtudisc != PINGSOCK_PMTU_UNSET) {
		if (c->v6 ? setint(s->fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, c->pmtudisc) < 0
		          : setint(s->fd, SOL_IP, IP_MTU_DISCOVER, c->pmtudisc) < 0)
			return fail(e, 2, errno, "setup", c->v6 ? "IPV6_MTU_DISCOVER" : "IP_MTU_DISCOVER");
	}
	if (c->strict_source || (!s->raw && c->ident > 0)) {
		struct sockaddr_storage b = s->src;
		if (!s->raw && c->ident > 0) {
			if (c->v6)
				((struct sockaddr_in6 *)&b)->sin6_port = htons((uint16_t)c->ident);
			else
				((struct sockaddr_in *)&b)->sin_port = htons((uint16_t)c->ident);
		}
		if (bind(s->fd, (struct sockaddr *)&b, c->v6 ? sizeof(struct sockaddr_in6)
		                                             : sizeof(struct sockaddr_in)) < 0)
			return fail(e, 2, errno, "setup", c->v6 ? "bind icmp socket" : "bind");
	}
	if (c->v6 ? configure_v6(s, c, e) < 0 : configure_v4(s, c, e) < 0)
		return -1;
	/* Buffers as iputils estimates them. */
	hold = (int)c->datalen + 8;
	hold += ((hold + 511) / 512) * (s->optlen + 20 + 16 + 64 + 160);
	int snd = c->sndbuf ? c->sndbuf : hold;
	setint(s->fd, SOL_SOCKET, SO_SNDBUF, snd);
	int rcv = hold * c->preload;
	setint(s->fd, SOL_SOCKET, SO_RCVBUF, rcv < 65536 ? 65536 : rcv);
	if (!c->v6) {
		if (c->broadcast && setint(s->fd, SOL_SOCKET, SO_BROADCAST, 1) < 0)
			return fail(e, 2, errno, "setup", "cannot set broadcasting");
		if (c->noloop && setint(s->fd, IPPROTO_IP, IP_MULTICAST_LOOP, 0) < 0)
			return fail(e, 2, errno, "setup", "cannot disable multicast loopback");
		if (c->ttl >= 0) {
			if (setint(s->fd, IPPROTO_IP, IP_MULTICAST_TTL, c->ttl) < 0)
				return fail(e, 2, errno, "setup", "cannot set multicast time-to-live");
			if (setint(s->fd, IPPROTO_IP, IP_TTL, c->ttl) < 0)
				return fail(e, 2, errno, "setup", "cannot set unicast time-to-live");
		}
		if (c->tos && setint(s->fd, IPPROTO_IP, IP_TOS, c->tos) < 0)
			return fail(e, 2, errno, "setup", "setsockopt");
	}
	if (c->debug)
		setint(s->fd, SOL_SOCKET, SO_DEBUG, 1);
	if (c->dontroute)
		setint(s->fd, SOL_SOCKET, SO_DONTROUTE, 1);
	if (c->mark_set)
		set_mark(c, s->fd, e->warn_late);
	if (s->raw)
		attach_ident_filter(s, c->v6, e);
	if (c->connect_sk && connect(s->fd, (struct sockaddr *)&c->dst, c->dstlen) < 0)
		return fail(e, 2, errno, "connect", "connect failed");
	return 0;
}
