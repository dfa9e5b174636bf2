/* caps: least privilege with libcap; see caps.h. */
#include <errno.h>
#include <sys/capability.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "caps.h"

static int set_flag(cap_t c, cap_flag_t which, int cap, cap_flag_value_t v)
{
	cap_value_t cv = (cap_value_t)cap;
	return cap_set_flag(c, which, 1, &cv, v);
}

int caps_have(int cap)
{
	cap_t c = cap_get_proc();
	if (!c)
		return 0;
	cap_flag_value_t v = CAP_CLEAR;
	cap_get_flag(c, (cap_value_t)cap, CAP_PERMITTED, &v);
	cap_free(c);
	return v == CAP_SET;
}

static int clear_ambient(void)
{
	/* Kernels without ambient capabilities return EINVAL: nothing to do. */
	if (cap_reset_ambient() < 0 && errno != EINVAL)
		return -1;
	return 0;
}

/* Makes c the process's sets when building it went well (r == 0), frees
 * it keeping cap_set_proc's errno, and with ambient also empties the
 * ambient set.  0 or -1. */
static int install(cap_t c, int r, int ambient)
{
	if (r == 0)
		r = cap_set_proc(c);
	int e = errno;
	cap_free(c);
	errno = e;
	if (r < 0)
		return -1;
	return ambient ? clear_ambient() : 0;
}

/* Set the process to exactly {keep} permitted (if we had it), nothing
 * effective or inheritable. */
static int set_only(int keep, int effective)
{
	int second = keep != CAPS_NONE && keep >> 8 ? (keep >> 8) - 1 : CAPS_NONE;
	if (keep != CAPS_NONE)
		keep &= 0xff;
	int have = keep != CAPS_NONE && caps_have(keep);
	cap_t c = cap_init();
	if (!c)
		return -1;
	int r = 0;
	if (have) {
		r |= set_flag(c, CAP_PERMITTED, keep, CAP_SET);
		if (effective)
			r |= set_flag(c, CAP_EFFECTIVE, keep, CAP_SET);
	}
	if (second != CAPS_NONE && caps_have(second))
		r |= set_flag(c, CAP_PERMITTED, second, CAP_SET);
	return install(c, r, 1);
}

/* A setuid/setgid binary runs as the real user from here on. */
static int drop_setid(int keep)
{
	uid_t ruid = getuid(), euid = geteuid();
	gid_t rgid = getgid(), egid = getegid();
	if (ruid == euid && rgid == egid)
		return 0;
	if (keep != CAPS_NONE && prctl(PR_SET_KEEPCAPS, 1L, 0L, 0L, 0L) < 0)
		return -1;
	if (setresgid(rgid, rgid, rgid) < 0 || setresuid(ruid, ruid, ruid) < 0)
		return -1;
	if (keep != CAPS_NONE)
		prctl(PR_SET_KEEPCAPS, 0L, 0L, 0L, 0L);
	/* regaining the old ids must now fail */
	if (euid != ruid && setuid(euid) == 0) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

int caps_restrict(int keep_cap)
{
	if (drop_setid(keep_cap) < 0)
		return -1;
	return set_only(keep_cap, 0);
}

int caps_setup(int elevated_cap, uint64_t root_caps)
{
	if (getauxval(AT_SECURE) || getuid() != 0 || geteuid() != 0)
		return caps_restrict(elevated_cap);
	cap_t c = cap_init();
	if (!c)
		return -1;
	int r = 0;
	for (int cap = 0; cap < 64; cap++) {
		if (!(root_caps & CAPS_SET(cap)) || !CAP_IS_SUPPORTED(cap))
			continue;
		r |= set_flag(c, CAP_PERMITTED, cap, CAP_SET);
		r |= set_flag(c, CAP_EFFECTIVE, cap, CAP_SET);
	}
	return install(c, r, 1);
}

static int set_effective(int cap, cap_flag_value_t v)
{
	cap_t c = cap_get_proc();
	if (!c)
		return -1;
	int r = set_flag(c, CAP_EFFECTIVE, cap, v);
	return install(c, r, 0);
}

int caps_raise(int cap)
{
	return set_effective(cap, CAP_SET);
}

int caps_lower(int cap)
{
	return set_effective(cap, CAP_CLEAR);
}

int caps_keep_permitted(uint64_t set)
{
	return caps_keep(set, 0);
}

int caps_keep(uint64_t set, int effective)
{
	cap_t c = cap_init();
	if (!c)
		return -1;
	int r = 0;
	for (int cap = 0; cap < 64; cap++)
		if ((set & CAPS_SET(cap)) && CAP_IS_SUPPORTED(cap) && caps_have(cap)) {
			r |= set_flag(c, CAP_PERMITTED, cap, CAP_SET);
			if (effective)
				r |= set_flag(c, CAP_EFFECTIVE, cap, CAP_SET);
		}
	return install(c, r, 1);
}

int caps_drop_all(void)
{
	return set_only(CAPS_NONE, 0);
}
