/* owners: see owners.h. */
#include "owners.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define DENTS_BUF ((size_t)32768)

enum { SLOT_PENDING = 1 };

struct owner_slot {
	uint32_t inode;            /* 0 = empty */
	uint32_t seen;             /* generation that last wanted it */
	uint32_t flags;
	uint32_t n;                /* owners */
	struct ssfmt_owner one;    /* the usual case: one holder */
	struct ssfmt_owner *many;  /* n > 1: all of them */
};

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static uint32_t hash32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	return x ^ (x >> 16);
}

int owners_init(struct owners *o)
{
	memset(o, 0, sizeof *o);
	o->procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (o->procfd < 0)
		return errno;
	o->cap = 1024;
	o->slots = calloc(o->cap, sizeof *o->slots);
	o->dbuf = malloc(2 * DENTS_BUF);
	if (!o->slots || !o->dbuf) {
		owners_free(o);
		return ENOMEM;
	}
	o->fbuf = o->dbuf + DENTS_BUF;
	return 0;
}

void owners_free(struct owners *o)
{
	if (o->slots)
		for (size_t i = 0; i < o->cap; i++)
			free(o->slots[i].many);
	free(o->slots);
	free(o->dbuf);
	if (o->procfd >= 0)
		close(o->procfd);
	memset(o, 0, sizeof *o);
	o->procfd = -1;
}

void owners_begin(struct owners *o)
{
	o->gen++;
}

static struct owner_slot *find(const struct owners *o, uint32_t inode)
{
	size_t mask = o->cap - 1;
	for (size_t i = hash32(inode) & mask;; i = (i + 1) & mask) {
		struct owner_slot *s = &o->slots[i];
		if (s->inode == inode)
			return s;
		if (s->inode == 0)
			return NULL;
	}
}

static struct owner_slot *insert_slot(struct owner_slot *slots, size_t cap,
                                      uint32_t inode)
{
	size_t mask = cap - 1;
	for (size_t i = hash32(inode) & mask;; i = (i + 1) & mask)
		if (slots[i].inode == 0 || slots[i].inode == inode)
			return &slots[i];
}

static int grow(struct owners *o)
{
	size_t ncap = o->cap * 2;
	struct owner_slot *n = calloc(ncap, sizeof *n);
	if (!n)
		return -1;
	for (size_t i = 0; i < o->cap; i++)
		if (o->slots[i].inode)
			*insert_slot(n, ncap, o->slots[i].inode) = o->slots[i];
	free(o->slots);
	o->slots = n;
	o->cap = ncap;
	return 0;
}

int owners_want(struct owners *o, uint32_t inode)
{
	if (inode == 0)
		return 0;
	if ((o->used + 1) * 4 > o->cap * 3 && grow(o) < 0) {
		errno = ENOMEM;
		return -1;
	}
	struct owner_slot *s = insert_slot(o->slots, o->cap, inode);
	if (s->inode == 0) {
		memset(s, 0, sizeof *s);
		s->inode = inode;
		s->flags = SLOT_PENDING;
		o->used++;
		o->pending++;
	}
	s->seen = o->gen;
	return 0;
}

size_t owners_get(const struct owners *o, uint32_t inode,
                  const struct ssfmt_owner **own)
{
	struct owner_slot *s = inode ? find(o, inode) : NULL;
	if (!s || s->n == 0)
		return 0;
	*own = s->n == 1 ? &s->one : s->many;
	return s->n;
}

/* Linear probing deletion: shift later members of the cluster back. */
static void erase(struct owners *o, size_t i)
{
	size_t mask = o->cap - 1;
	free(o->slots[i].many);
	for (size_t j = (i + 1) & mask; o->slots[j].inode; j = (j + 1) & mask) {
		size_t home = hash32(o->slots[j].inode) & mask;
		/* j may move to i when its home is not in (i, j] */
		if ((j > i && (home <= i || home > j)) ||
		    (j < i && (home <= i && home > j))) {
			o->slots[i] = o->slots[j];
			i = j;
		}
	}
	memset(&o->slots[i], 0, sizeof o->slots[i]);
	o->used--;
}

void owners_sweep(struct owners *o)
{
	for (size_t i = 0; i < o->cap;) {
		struct owner_slot *s = &o->slots[i];
		if (s->inode && s->seen != o->gen) {
			if (s->flags & SLOT_PENDING)
				o->pending--;
			erase(o, i);     /* slot i may now hold another: look again */
			continue;
		}
		i++;
	}
}

static int add_owner(struct owner_slot *s, int32_t pid, int32_t fd,
                     const char *comm)
{
	struct ssfmt_owner w = { .pid = pid, .fd = fd };
	memcpy(w.comm, comm, sizeof w.comm);
	if (s->n == 0) {
		s->one = w;
		s->n = 1;
		return 0;
	}
	/* grow by doubling at powers of two */
	if (s->n == 1 || (s->n & (s->n - 1)) == 0) {
		struct ssfmt_owner *m = realloc(s->many, (size_t)s->n * 2 * sizeof *m);
		if (!m)
			return -1;
		if (s->n == 1)
			m[0] = s->one;
		s->many = m;
	}
	s->many[s->n++] = w;
	return 0;
}

static int parse_uint(const char *s, uint32_t *out)
{
	uint64_t v = 0;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

/* The command name as ss takes it from /proc/PID/stat: between the first
 * '(' and the next ')' (at most 15 bytes). */
static void read_comm(const struct owners *o, const char *pid, char comm[16])
{
	char path[32], buf[256];
	memset(comm, 0, 16);
	size_t n = strlen(pid);
	if (n > 20)
		return;
	snprintf(path, sizeof path, "%s/stat", pid);
	int fd = openat(o->procfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t k = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (k <= 0)
		return;
	buf[k] = 0;
	char *a = strchr(buf, '(');
	if (!a)
		return;
	a++;
	size_t i = 0;
	while (a[i] && a[i] != ')' && i < 15) {
		comm[i] = a[i];
		i++;
	}
}

/* readlinkat result "socket:[N]" -> N, else 0. */
static uint32_t socket_inode(const char *l, ssize_t n)
{
	if (n < 10 || memcmp(l, "socket:[", 8) != 0 || l[n - 1] != ']')
		return 0;
	uint64_t v = 0;
	for (ssize_t i = 8; i < n - 1; i++) {
		if (l[i] < '0' || l[i] > '9')
			return 0;
		v = v * 10 + (uint64_t)(l[i] - '0');
		if (v > UINT32_MAX)
			return 0;
	}
	return (uint32_t)v;
}

static int scan_pid(struct owners *o, const char *pid_s, uint32_t pid)
{
	char path[32];
	size_t n = strlen(pid_s);
	if (n > 20)
		return 0;
	snprintf(path, sizeof path, "%s/fd", pid_s);
	int dfd = openat(o->procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return 0;             /* gone, or not ours to read */
	char comm[16];
	int have_comm = 0, rc = 0;
	for (;;) {
		long k = syscall(SYS_getdents64, dfd, o->fbuf, DENTS_BUF);
		if (k <= 0)
			break;
		for (long off = 0; off < k;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(o->fbuf + off);
			off += d->d_reclen;
			uint32_t fd;
			if (parse_uint(d->d_name, &fd) < 0)
				continue;
			char l[64];
			ssize_t ln = readlinkat(dfd, d->d_name, l, sizeof l);
			o->links++;
			uint32_t ino = ln > 0 && ln < (ssize_t)sizeof l ? socket_inode(l, ln) : 0;
			if (!ino)
				continue;
			struct owner_slot *s = find(o, ino);
			if (!s || !(s->flags & SLOT_PENDING))
				continue;
			if (!have_comm) {
				read_comm(o, pid_s, comm);
				have_comm = 1;
			}
			if (add_owner(s, (int32_t)pid, (int32_t)fd, comm) < 0) {
				rc = ENOMEM;
				goto out;
			}
		}
	}
out:
	close(dfd);
	return rc;
}

static int cmp_owner_desc(const void *a, const void *b)
{
	const struct ssfmt_owner *x = a, *y = b;
	if (x->pid != y->pid)
		return x->pid < y->pid ? 1 : -1;
	return x->fd < y->fd ? 1 : x->fd > y->fd ? -1 : 0;
}

int owners_scan(struct owners *o)
{
	if (o->pending == 0)
		return 0;
	o->scans++;
	if (lseek(o->procfd, 0, SEEK_SET) < 0)
		return errno;
	int rc = 0;
	for (;;) {
		long k = syscall(SYS_getdents64, o->procfd, o->dbuf, DENTS_BUF);
		if (k < 0) {
			rc = errno;
			break;
		}
		if (k == 0)
			break;
		for (long off = 0; off < k;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(o->dbuf + off);
			off += d->d_reclen;
			uint32_t pid;
			if (d->d_type != DT_DIR || parse_uint(d->d_name, &pid) < 0)
				continue;
			rc = scan_pid(o, d->d_name, pid);
			if (rc)
				goto done;
		}
	}
done:
	/* Every pending inode has had its scan: order owners as ss does and
	 * record them as final. */
	for (size_t i = 0; i < o->cap; i++) {
		struct owner_slot *s = &o->slots[i];
		if (!s->inode || !(s->flags & SLOT_PENDING))
			continue;
		s->flags &= ~(uint32_t)SLOT_PENDING;
		if (s->n > 1)
			qsort(s->many, s->n, sizeof *s->many, cmp_owner_desc);
	}
	o->pending = 0;
	return rc;
}
