/* sockbox: the multicall entry point.  Finds the applet by the name it was
 * called by (or the first argument), restricts privileges to what that
 * applet declares in applets.h, and runs it. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "applet.h"
#include "err.h"
#include "sandbox.h"

struct applet {
	const char *name;
	int (*main)(int argc, char **argv);
	int cap;             /* kept permitted by an elevated copy */
	uint64_t root_caps;  /* kept by real root until set-up ends */
};

/* An applet left out of the link (make APPLETS=...) has a null entry
 * point: its references are weak. */
#define APPLET(fn, name, cap, root_caps) \
	extern __typeof__(fn##_main) fn##_main __attribute__((weak));
#include "applets.h"
#undef APPLET

static const struct applet applets[] = {
#define APPLET(fn, name, cap, root_caps) { name, fn##_main, cap, root_caps },
#include "applets.h"
#undef APPLET
	{ NULL, NULL, CAPS_NONE, 0 } /* keeps the array non-empty */
};

/* a, or the next applet after it that is built in; NULL at the end */
static const struct applet *built(const struct applet *a)
{
	while (a->name && !a->main)
		a++;
	return a->name ? a : NULL;
}

static const struct applet *find(const char *name)
{
	for (const struct applet *a = built(applets); a; a = built(a + 1))
		if (!strcmp(a->name, name))
			return a;
	return NULL;
}

static void list(FILE *fp)
{
	for (const struct applet *a = built(applets); a; a = built(a + 1))
		fprintf(fp, "%s\n", a->name);
}

static void usage(FILE *fp)
{
	fputs("sockbox " SOCKBOX_VERSION " - a network diagnostics toolbox\n\n"
	      "Usage: sockbox APPLET [ARGS...]   or   APPLET [ARGS...] (via a link)\n"
	      "       sockbox --list | --install [-s] DIR | --help | --version\n\n"
	      "  --list            print the applet names, one per line\n"
	      "  --install [-s] DIR  create a link per applet in DIR (-s: symlinks)\n"
	      "  APPLET --no-sandbox ...  run APPLET without seccomp and Landlock\n\n"
	      "Applets:\n", fp);
	for (const struct applet *a = built(applets); a; a = built(a + 1))
		fprintf(fp, "  %s\n", a->name);
	fputs("\nRun 'sockbox APPLET --help' for an applet's options.\n", fp);
}

static int install(int symbolic, const char *dir)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n < 0)
		die_sys(1, "cannot find own path");
	self[n] = 0;
	struct stat d;
	if (stat(dir, &d) < 0)
		die_sys(1, "cannot install into %s", dir);
	if (!S_ISDIR(d.st_mode))
		die(1, "cannot install into %s: Not a directory", dir);
	/* one line however many links fail: the first failure and a count */
	char first[PATH_MAX + 64] = "";
	int failed = 0;
	for (const struct applet *a = built(applets); a; a = built(a + 1)) {
		char path[PATH_MAX];
		if (snprintf(path, sizeof path, "%s/%s", dir, a->name) >=
		    (int)sizeof path) {
			if (!failed++)
				snprintf(first, sizeof first, "%.200s...: path too long", dir);
			continue;
		}
		int r = symbolic ? symlink(self, path) : link(self, path);
		if (r < 0 && errno == EEXIST) {
			/* already installed by us is fine; anything else is not ours */
			struct stat st_link, st_self;
			if (stat(path, &st_link) == 0 && stat(self, &st_self) == 0 &&
			    st_link.st_dev == st_self.st_dev && st_link.st_ino == st_self.st_ino)
				continue;
		}
		if (r < 0 && !failed++)
			snprintf(first, sizeof first, "cannot create %s: %s", path,
			         strerror(errno));
	}
	if (failed > 1)
		err_msg("%s (and %d more links)", first, failed - 1);
	else if (failed)
		err_msg("%s", first);
	return failed ? 1 : 0;
}

/* --no-sandbox is global: taken out of argv (before a "--") here, so
 * every applet accepts it without knowing it. */
static int strip_no_sandbox(int argc, char **argv)
{
	int j = 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			while (i < argc)
				argv[j++] = argv[i++];
			break;
		}
		if (!strcmp(argv[i], "--no-sandbox"))
			sandbox_disable();
		else
			argv[j++] = argv[i];
	}
	argv[j] = NULL;
	return j;
}

int sockbox_has_applet(const char *name)
{
	return find(name) != NULL;
}

static int run(const struct applet *a, int argc, char **argv)
{
	applet_name = a->name;
	if (caps_setup(a->cap, a->root_caps) < 0)
		die_sys(2, "cannot drop privileges");
	argc = strip_no_sandbox(argc, argv);
	return a->main(argc, argv);
}

int main(int argc, char **argv)
{
	const char *base = argc > 0 && argv[0] ? strrchr(argv[0], '/') : NULL;
	base = base ? base + 1 : (argc > 0 && argv[0] ? argv[0] : "sockbox");

	const struct applet *a = find(base);
	if (a)
		return run(a, argc, argv);
	if (strncmp(base, "sockbox", 7) != 0) {
		/* called through a link to a name we don't have */
		caps_restrict(CAPS_NONE);
		err_msg("applet not found: %s; applets are:", base);
		list(stderr);
		return 127;
	}
	if (argc >= 2 && (a = find(argv[1])) != NULL)
		return run(a, argc - 1, argv + 1);
	caps_restrict(CAPS_NONE);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--list"))
		return list(stdout), 0;
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h"))
		return usage(stdout), 0;
	if (!strcmp(cmd, "--version")) {
		puts("sockbox " SOCKBOX_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "--install")) {
		int symbolic = argc > 2 && !strcmp(argv[2], "-s");
		if (argc != 3 + symbolic)
			usage_error("usage: sockbox --install [-s] DIR");
		return install(symbolic, argv[2 + symbolic]);
	}
	if (cmd[0] == '-')
		usage_error("unknown option '%s'", cmd);
	err_msg("applet not found: %s; applets are:", cmd);
	list(stderr);
	return 127;
}
