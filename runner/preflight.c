/* The command's first image, seen as the kernel and the loader will see it:
 * found on $PATH as execvp finds it, through its #! interpreters, then
 * each check of the table below. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "elf_probe.h"
#include "preflight.h"

struct image {
	const char *cmd;     /* as given */
	char path[PATH_MAX]; /* the file the kernel maps: CMD, or its interpreter */
	struct stat st;
	struct fc_elf elf, shim;
	int privileges_ignored; /* a nosuid mount or no_new_privs: set-id bits do nothing */
};

static const char drop_hint[] = "or run it without --plan, --plan-file, --trace, --explain and --check";

/* The set-id bits: the kernel compares the new effective ids with our
 * real ones.  (Without group execute, S_ISGID marks mandatory locking.) */
static const struct set_id {
	mode_t bits;
	const char *what, *whose, *chmod;
} set_ids[] = {
	{ S_ISUID, "setuid", "owner uid", "u-s" },
	{ S_ISGID | S_IXGRP, "setgid", "group", "g-s" },
};

static int set_id_image(const struct image *im, char *why, size_t len)
{
	for (size_t i = 0; i < sizeof set_ids / sizeof set_ids[0] && !im->privileges_ignored; i++) {
		const struct set_id *id = &set_ids[i];
		unsigned file = id->bits & S_ISUID ? im->st.st_uid : im->st.st_gid,
			 ours = id->bits & S_ISUID ? getuid() : getgid();
		if ((im->st.st_mode & id->bits) != id->bits || file == ours)
			continue;
		snprintf(why, len,
			 "'%s' is %s (%s %u, yours is %u): the kernel runs it in secure mode (AT_SECURE), where the shim "
			 "does nothing, so the plan would not be applied and no trace written; run a copy without the bit "
			 "(cp %s copy; chmod %s copy), %s",
			 im->path, id->what, id->whose, file, ours, im->path, id->chmod, drop_hint);
		return -1;
	}
	return 0;
}

/* File capabilities raise an unprivileged caller's: secure mode (root's
 * own exec of such a file is not). */
static int capable_image(const struct image *im, char *why, size_t len)
{
	if (getuid() == 0 || im->privileges_ignored || getxattr(im->path, "security.capability", NULL, 0) <= 0)
		return 0;
	snprintf(why, len,
		 "'%s' has file capabilities (the security.capability attribute): the kernel runs it in secure mode "
		 "(AT_SECURE), where the shim does nothing, so the plan would not be applied and no trace written; run a copy "
		 "(cp does not copy capabilities), %s",
		 im->path, drop_hint);
	return -1;
}

static int static_image(const struct image *im, char *why, size_t len)
{
	if (!im->elf.is_elf || im->elf.has_interp)
		return 0;
	snprintf(why, len,
		 "'%s' is statically linked (it has no ELF interpreter): the dynamic loader never runs for it, so LD_PRELOAD "
		 "cannot load the shim and the plan would not be applied; link it dynamically, name only syscalls "
		 "(sys_NAME rules reach static binaries), %s",
		 im->path, drop_hint);
	return -1;
}

static int foreign_image(const struct image *im, char *why, size_t len)
{
	if (!im->elf.is_elf || !im->shim.is_elf ||
	    (im->elf.elf_class == im->shim.elf_class && im->elf.machine == im->shim.machine))
		return 0;
	snprintf(why, len,
		 "'%s' is an ELF file for another machine or word size (class %d, machine %d; the shim is %d, %d): the loader "
		 "would skip the shim, so the plan would not be applied; build the shim for it, %s",
		 im->path, im->elf.elf_class, im->elf.machine, im->shim.elf_class, im->shim.machine, drop_hint);
	return -1;
}

static int (*const checks[])(const struct image *, char *, size_t) = {
	set_id_image,
	capable_image,
	static_image,
	foreign_image,
};

/* As execvp: a name with a slash is a path, else the first executable
 * regular file of that name on $PATH (glibc's default without one). */
static int resolve(const char *cmd, char *buf, size_t len)
{
	if (strchr(cmd, '/')) {
		snprintf(buf, len, "%s", cmd);
		return 0;
	}
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/bin:/usr/bin";
	for (const char *dir = path;; dir++) {
		size_t n = strcspn(dir, ":");
		struct stat st;
		if (n)
			snprintf(buf, len, "%.*s/%s", (int)n, dir, cmd);
		else
			snprintf(buf, len, "%s", cmd); /* an empty entry: the working folder */
		if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0)
			return 0;
		dir += n;
		if (!*dir)
			return -1;
	}
}

/* The file the kernel maps for PATH: a #! script's interpreter (nested up
 * to the kernel's 4 levels); execvp runs a file of neither kind with
 * /bin/sh. */
static void follow_interpreters(char *path, size_t len)
{
	for (int depth = 0; depth < 5; depth++) {
		char head[PATH_MAX + 3] = "";
		FILE *f = fopen(path, "re");
		size_t got = f ? fread(head, 1, sizeof head - 1, f) : 0;
		if (f)
			fclose(f);
		head[got] = 0;
		struct fc_elf elf;
		if (got >= 4 && fc_elf_read(path, &elf) == 0 && elf.is_elf)
			return;
		if (got < 2 || head[0] != '#' || head[1] != '!') {
			if (got > 0)
				snprintf(path, len, "/bin/sh");
			return;
		}
		char *interp = head + 2 + strspn(head + 2, " \t");
		interp[strcspn(interp, " \t\n")] = 0;
		if (!*interp)
			return;
		memmove(path, interp, strlen(interp) + 1);
	}
}

int fc_preflight(const char *cmd, const char *shim, char *why, size_t len)
{
	return fc_preflight_layer(cmd, shim, -1, why, len);
}

int fc_preflight_layer(const char *cmd, const char *shim, int layer_api_rules, char *why, size_t len)
{
	struct image im = { .cmd = cmd };
	struct statvfs fs;
	if (resolve(cmd, im.path, sizeof im.path) < 0)
		return 0; /* exec says why */
	follow_interpreters(im.path, sizeof im.path);
	if (stat(im.path, &im.st) < 0 || fc_elf_read(im.path, &im.elf) < 0)
		return 0;
	if (fc_elf_read(shim, &im.shim) < 0)
		memset(&im.shim, 0, sizeof im.shim);
	im.privileges_ignored = (statvfs(im.path, &fs) == 0 && (fs.f_flag & ST_NOSUID)) ||
		prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 || layer_api_rules >= 0;
	for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++)
		if (!(checks[i] == static_image && layer_api_rules == 0) && checks[i](&im, why, len) < 0)
			return -1;
	return 0;
}

int fc_preflight_is_static(const char *cmd)
{
	struct image im = { .cmd = cmd };
	if (resolve(cmd, im.path, sizeof im.path) < 0)
		return 0;
	follow_interpreters(im.path, sizeof im.path);
	return fc_elf_read(im.path, &im.elf) == 0 && im.elf.is_elf && !im.elf.has_interp;
}
