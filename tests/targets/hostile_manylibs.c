/* hostile_manylibs N: a program with more loaded objects than the shim's
 * symbol index once held (256; issue 9, finding 5).  It copies the plugin
 * N times (300) under the names libmany-000.so ... into a fresh directory,
 * dlopen()s every copy, and calls the last one's plugin(), whose pipe()
 * comes from that object: a lib=libmany-LAST rule must fire on it (or the
 * plan be refused), never silently match nothing. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include "hostile.h"

static int copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	ssize_t got = 0;
	while (in >= 0 && out >= 0 && (got = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)got) != got)
			got = -1;
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return in < 0 || out < 0 || got < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	int count = argc > 1 ? atoi(argv[1]) : 300;
	char dir[] = "/tmp/forkchaos-manylibs-XXXXXX", src[PATH_MAX], path[PATH_MAX];
	void *last = NULL;
	if (count < 1 || !mkdtemp(dir))
		return 2;
	snprintf(src, sizeof src, "%s/libhostile_plugin.so", hostile_dir());
	/* each copy is a file of its own: glibc loads a file it has loaded
	 * already (same device and inode) only once */
	for (int i = 0; i < count; i++) {
		snprintf(path, sizeof path, "%s/libmany-%03d.so", dir, i);
		if (copy_file(src, path) < 0 || !(last = dlopen(path, RTLD_NOW | RTLD_LOCAL))) {
			fprintf(stderr, "hostile_manylibs: copy %d: %s\n", i, dlerror());
			return 2;
		}
	}
	int (*plugin)(void) = (int (*)(void))dlsym(last, "plugin");
	int ret = plugin ? plugin() : -2;
	int err = errno;
	printf("libmany-%03d pipe %d %s\n", count - 1, ret, ret < 0 ? strerrorname_np(err) : "OK");
	for (int i = 0; i < count; i++) {
		snprintf(path, sizeof path, "%s/libmany-%03d.so", dir, i);
		unlink(path);
	}
	rmdir(dir);
	return 0;
}
