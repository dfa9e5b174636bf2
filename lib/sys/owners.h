/* owners: which processes hold each socket (ss -p), from /proc/PID/fd.
 *
 * The caller names the socket inodes it will print (owners_want() during
 * a dump, after owners_begin()); owners_scan() then walks /proc once,
 * reading the fd links of every process it may read, and records the
 * holders of the inodes it was asked for and has not resolved before.
 * An inode's owners are recorded once, at its first scan, and kept while
 * the caller keeps wanting it: in watch mode a later scan only runs when
 * new inodes appeared, and the process that opened a socket is still
 * named after it moved to CLOSE-WAIT.  owners_sweep() forgets inodes not
 * wanted since the last owners_begin().
 *
 * What is read: getdents64 on /proc and on each /proc/PID/fd it can open
 * (others' processes fail with EACCES as non-root and are skipped, so a
 * user sees the owners ss would show them), readlinkat on each fd, and
 * /proc/PID/stat (the command name, as ss takes it) only for processes
 * that hold a wanted socket.  Owners of one inode are listed as ss lists
 * them: highest pid first, then highest fd.
 *
 * Errors: 0 or a positive errno; nothing is printed. */
#ifndef SB_OWNERS_H
#define SB_OWNERS_H

#include <stddef.h>
#include <stdint.h>
#include "ssfmt.h"

struct owner_slot;

struct owners {
	int procfd;                /* /proc, O_DIRECTORY */
	struct owner_slot *slots;  /* open addressing on the inode */
	size_t cap, used;          /* cap: power of two */
	size_t pending;            /* wanted, never scanned for */
	uint32_t gen;
	uint64_t scans, links;     /* scans run, fd links read */
	char *dbuf;                /* getdents buffers */
	char *fbuf;
};

int owners_init(struct owners *o);
void owners_free(struct owners *o);
void owners_begin(struct owners *o);
/* 0, or -1 (errno ENOMEM).  Inode 0 (TIME-WAIT, requests) is ignored. */
int owners_want(struct owners *o, uint32_t inode);
/* Scan /proc if some wanted inode was never scanned for. */
int owners_scan(struct owners *o);
/* The recorded owners of inode (0 when none or unknown). */
size_t owners_get(const struct owners *o, uint32_t inode,
                  const struct ssfmt_owner **own);
void owners_sweep(struct owners *o);

#endif
