/* report.html rendered by Debian's chromium, headless: the DOM it loads
 * (--dump-dom) has every plot inline, and the screenshots (--screenshot)
 * show the verdict and plots that are drawn, not blank: the plots alone
 * (the page with every other part hidden) hold many coloured pixels, and
 * the same page with white plots does not (so that the check can fail).
 * Without chromium each test says so on its own line and is skipped. */
#include <stdint.h>
#include <zlib.h>
#include "test_report_util.h"

TestSuite(report_render, .fini = remove_dir);

/* At most this many coloured pixels in the plots' window: blank plots. */
#define BLANK 3000

static void need_chromium(void)
{
	const char *path = getenv("PATH");
	char candidate[600];
	for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
		size_t n = strcspn(p, ":");
		snprintf(candidate, sizeof candidate, "%.*s/chromium", (int)n, p);
		if (access(candidate, X_OK) == 0)
			return;
		p += n + (p[n] == ':');
	}
	fprintf(stderr,
		"SKIP: report_render: chromium is not installed (apt-get install chromium): report.html was not rendered\n");
	cr_skip_test("chromium is not installed");
}

/* A PNG's pixels as RGB (malloc'd), 8-bit RGB or RGBA, not interlaced. */
struct image {
	uint32_t w, h;
	unsigned char *rgb;
};

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int paeth(int a, int b, int c)
{
	int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
	return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

static int png_read(const char *path, struct image *img)
{
	size_t len, zlen = 0;
	char *file = read_file("", path, &len); /* PATH is absolute */
	const unsigned char *p = (const unsigned char *)file;
	unsigned char *z = file ? malloc(len) : NULL;
	int bpp = 0, rc = -1;
	if (!z || len < 8 || memcmp(p, "\x89PNG\r\n\x1a\n", 8))
		goto out;
	for (size_t at = 8; at + 12 <= len;) {
		uint32_t n = be32(p + at);
		const unsigned char *type = p + at + 4, *data = p + at + 8;
		if (at + 12 + n > len)
			goto out;
		if (!memcmp(type, "IHDR", 4)) {
			img->w = be32(data);
			img->h = be32(data + 4);
			bpp = data[9] == 6 ? 4 : data[9] == 2 ? 3 : 0;
			if (data[8] != 8 || !bpp || data[12])
				goto out;
		} else if (!memcmp(type, "IDAT", 4)) {
			memcpy(z + zlen, data, n);
			zlen += n;
		}
		at += 12 + n;
	}
	size_t stride = (size_t)img->w * (size_t)bpp, raw_len = (stride + 1) * img->h;
	unsigned char *raw = bpp ? malloc(raw_len) : NULL;
	uLongf got = (uLongf)raw_len;
	if (!raw || uncompress(raw, &got, z, (uLong)zlen) != Z_OK || got != raw_len) {
		free(raw);
		goto out;
	}
	img->rgb = malloc((size_t)img->w * img->h * 3);
	for (uint32_t y = 0; img->rgb && y < img->h; y++) {
		unsigned char *row = raw + y * (stride + 1) + 1, *up = y ? row - stride - 1 : NULL;
		for (size_t x = 0; x < stride; x++) {
			int a = x >= (size_t)bpp ? row[x - bpp] : 0, b = up ? up[x] : 0,
			    c = up && x >= (size_t)bpp ? up[x - bpp] : 0;
			switch (row[-1]) {
			case 1: row[x] += a; break;
			case 2: row[x] += b; break;
			case 3: row[x] += (a + b) / 2; break;
			case 4: row[x] += paeth(a, b, c); break;
			default: break;
			}
		}
		for (uint32_t x = 0; x < img->w; x++)
			memcpy(img->rgb + ((size_t)y * img->w + x) * 3, row + (size_t)x * bpp, 3);
	}
	free(raw);
	rc = img->rgb ? 0 : -1;
out:
	free(z);
	free(file);
	return rc;
}

struct colours {
	long saturated; /* pixels of a colour, not a grey: a plot's lines, bars, cells */
	long distinct;  /* distinct such colours */
	long near;      /* pixels within 24 of the colour asked for */
};

static struct colours count(const struct image *img, int r0, int g0, int b0)
{
	struct colours c = { 0 };
	unsigned char *seen = calloc(1u << 21, 1); /* one bit per 24-bit colour */
	cr_assert(seen);
	for (size_t i = 0; i < (size_t)img->w * img->h; i++) {
		const unsigned char *px = img->rgb + 3 * i;
		int hi = px[0] > px[1] ? (px[0] > px[2] ? px[0] : px[2]) : (px[1] > px[2] ? px[1] : px[2]);
		int lo = px[0] < px[1] ? (px[0] < px[2] ? px[0] : px[2]) : (px[1] < px[2] ? px[1] : px[2]);
		c.near += abs(px[0] - r0) < 24 && abs(px[1] - g0) < 24 && abs(px[2] - b0) < 24;
		if (hi - lo < 64)
			continue;
		uint32_t v = (uint32_t)px[0] << 16 | (uint32_t)px[1] << 8 | px[2];
		c.saturated++;
		if (!(seen[v >> 3] >> (v & 7) & 1)) {
			seen[v >> 3] |= (unsigned char)(1u << (v & 7));
			c.distinct++;
		}
	}
	free(seen);
	return c;
}

/* The demo folder's report, its plots redrawn by scripts/plots.sh where
 * the tree has it (the fixture's stand-ins otherwise). */
static const char *demo_report(const char *name)
{
	const char *d = fixture("demo");
	char to[512];
	snprintf(to, sizeof to, "%s", in_dir(name));
	cr_assert(rename(d, to) == 0);
	static char folder[8][512];
	static int next;
	char *slot = folder[next++ % 8];
	snprintf(slot, sizeof folder[0], "%s", to);
	const char *args[] = { slot, NULL };
	cr_assert_eq(report_env(NULL, args), 0, "exit %d: %s", r.code, r.err);
	return slot;
}

/* FOLDER/report.html with every part but the plots hidden, as FILE. */
static void plots_only(const char *folder, const char *file)
{
	char *html = read_file(folder, "report.html", NULL), path[600];
	cr_assert(html);
	char *head_end = strstr(html, "</head>");
	cr_assert(head_end);
	snprintf(path, sizeof path, "%s/%s", folder, file);
	write_file(path, "%.*s<style>header,footer,div.notes,section:not(#plots){display:none}</style>%s", (int)(head_end - html),
		   html, head_end);
	free(html);
}

static struct colours shot(const char *folder, const char *file, int r0, int g0, int b0)
{
	char page[600], png[600];
	struct fc_result out;
	struct image img = { 0 };
	snprintf(page, sizeof page, "%s/%s", folder, file);
	snprintf(png, sizeof png, "%s/%s.png", folder, file);
	const char *args[] = { "shot", page, png, "1200,2000", NULL };
	cr_assert_eq(render_check(&out, args), 0, "chromium: %s", out.err);
	cr_assert(png_read(png, &img) == 0, "%s is not a PNG this test reads", png);
	cr_expect_eq(img.w, 1200);
	struct colours c = count(&img, r0, g0, b0);
	free(img.rgb);
	return c;
}

Test(report_render, dom_holds_every_plot_inline_and_no_script, .timeout = 60)
{
	need_chromium();
	const char *d = demo_report("dom");
	char page[600], dom[600];
	struct fc_result out;
	snprintf(page, sizeof page, "%s/report.html", d);
	snprintf(dom, sizeof dom, "%s/dom.html", d);
	const char *args[] = { "dom", page, dom, NULL };
	cr_assert_eq(render_check(&out, args), 0, "chromium: %s", out.err);
	char *text = read_file(d, "dom.html", NULL);
	cr_assert(text, "chromium wrote no DOM");
	cr_expect(strstr(text, "<h2>Plots</h2>"), "the DOM has no plots section");
	static const char *const plots[] = { "Leak campaign", "Exit-to-wait latency", "Sweep map", "Race-window replay",
					     "Shim overhead per call" };
	for (size_t i = 0; i < sizeof plots / sizeof plots[0]; i++) {
		char img[160];
		snprintf(img, sizeof img, "<img class=\"plot\" alt=\"%s", plots[i]);
		const char *at = strstr(text, img);
		cr_expect(at, "the DOM has no plot %s", plots[i]);
		const char *src = at ? strstr(at, "src=\"data:image/") : NULL;
		cr_expect(src && src < strchr(at, '>'), "plot %s is not inline (a data: URI)", plots[i]);
	}
	cr_expect(!strcasestr(text, "<script"), "the rendered page has a script");
	free(text);
}

Test(report_render, verdict_is_painted_at_the_top, .timeout = 60)
{
	need_chromium();
	const char *d = demo_report("top");
	struct colours c = shot(d, "report.html", 0x1a, 0x7f, 0x37); /* the HELD badge's green */
	cr_expect_gt(c.near, 800, "the HELD badge is not on screen (%ld pixels of its green)", c.near);
}

Test(report_render, plots_are_painted_and_not_blank, .timeout = 60)
{
	need_chromium();
	const char *d = demo_report("plots");
	plots_only(d, "plots.html");
	struct colours c = shot(d, "plots.html", 0, 0, 0);
	/* gnuplot's lines alone give some 16000 in this window, and hundreds of
	 * colours (antialiased); white plots give none */
	cr_expect_gt(c.saturated, BLANK, "the plots show %ld coloured pixels: blank or missing", c.saturated);
	cr_expect_gt(c.distinct, 20, "the plots show %ld colours", c.distinct);
}

Test(report_render, white_plots_are_caught_as_blank, .timeout = 60)
{
	need_chromium();
	const char *d = fixture("demo");
	static const char *const names[] = { "leak", "latency", "sweep-map", "replay", "overhead" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char path[600];
		snprintf(path, sizeof path, "%s/plots/%s.svg", d, names[i]);
		write_file(path,
			   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"400\">"
			   "<rect width=\"640\" height=\"400\" fill=\"#fff\"/></svg>\n");
	}
	cr_assert_eq(report_of(d), 0, "%s", r.err);
	plots_only(d, "plots.html");
	struct colours c = shot(d, "plots.html", 0, 0, 0);
	cr_expect_lt(c.saturated, BLANK, "white plots passed as drawn (%ld coloured pixels)", c.saturated);
}
