/* Linked into every host program of the ThreadSanitizer build (SAN=thread
 * puts it in HOST_LDFLAGS), for the Criterion binaries' sake: Criterion's
 * sandbox library (BoxFort) maps its shared arena at a random address it
 * draws with rand_r() between 0x200000000000 and 0x600000000000, nearly all
 * of which ThreadSanitizer reserves for its shadow and metadata, so the
 * map fails ("Could not initialize inheritable arena") and every test
 * binary aborts before its first test.  This rand_r() steers the draw into
 * the application memory TSan leaves where a PIE program is mapped: just
 * above this program's own code, 4 GiB further each draw (BoxFort skips a
 * place already taken and draws again).  Nothing of ours calls rand_r().
 * Not a suppression: TSan still sees every access; only the arena moves. */
#include <stdint.h>
#include <stdlib.h>

int rand_r(unsigned *seed)
{
	/* BoxFort's arithmetic: base = 0x200000000000 + (draw & 0x3fffff) << 24 */
	static unsigned draws;
	uintptr_t here = (uintptr_t)&rand_r, first = 0x200000000000u;
	(void)seed;
	draws++;
	if (here < first)
		return (int)(draws << 8);
	return (int)((((here - first) >> 24) + (draws << 8)) & 0x3fffff);
}
