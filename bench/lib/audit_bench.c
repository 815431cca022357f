// SPDX-License-Identifier: Apache-2.0
/*
 * The audit writer alone, through nono's own code: N events (the size of a
 * gate refusal) emitted by T threads as fast as they come, durability on
 * (the flusher's fdatasync passes).  Prints the events per second while
 * recording, the passes, the longest and mean wait of an event for the
 * fdatasync that made it durable, and the session id (for nono audit
 * verify).  $HOME decides where the trail goes.
 *
 *   audit_bench N [T]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/log.h"

static struct nono_audit *a;
static long per_thread;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *emit(void *arg)
{
	long t = (long)arg;

	for (long i = 0; i < per_thread; i++) {
		struct nono_ev e;
		char buf[512];

		nono_ev_begin_in(&e, "gate", buf, sizeof(buf));
		nono_ev_str(&e, "decision", "denied");
		nono_ev_str(&e, "op", "connect");
		nono_ev_str(&e, "object", "/run/user/1000/some-daemon.sock");
		nono_ev_int(&e, "thread", t);
		nono_ev_int(&e, "i", i);
		if (nono_ev_end(&e) == 0)
			nono_audit_emit(a, &e);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	static char *const cmd[] = {"audit_bench", NULL};
	struct nono_audit_start s = {0};
	struct nono_audit_stats st;
	long n = argc > 1 ? atol(argv[1]) : 100000;
	long threads = argc > 2 ? atol(argv[2]) : 1;
	pthread_t tid[64];
	char err[512], id[32];
	double t0, t1;

	if (threads < 1 || threads > 64 || n < threads)
		return 2;
	per_thread = n / threads;
	s.integrity = true;
	s.command = cmd;
	s.cwd = "/";
	s.mode = "run";
	s.policy = "{}";
	s.policy_len = 2;
	if (nono_audit_begin(&s, &a, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	/* Its flusher, as nono run starts it once the command runs. */
	if (nono_audit_launch(a) < 0) {
		fprintf(stderr, "no flusher thread\n");
		return 1;
	}
	snprintf(id, sizeof(id), "%s", nono_audit_id(a));
	t0 = now();
	for (long t = 0; t < threads; t++)
		pthread_create(&tid[t], NULL, emit, (void *)t);
	for (long t = 0; t < threads; t++)
		pthread_join(tid[t], NULL);
	t1 = now();
	nono_audit_get_stats(a, &st);
	if (nono_audit_finish(a, 0, 0, true, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	printf("events %llu threads %ld seconds %.3f events_per_s %.0f "
	       "fdatasync_passes %llu lag_max_ms %.2f lag_mean_ms %.2f id %s\n",
	       (unsigned long long)st.events, threads, t1 - t0,
	       (double)(per_thread * threads) / (t1 - t0),
	       (unsigned long long)st.flushes, st.lag_max_us / 1000.0,
	       st.flushes ? (double)st.lag_sum_us / (double)st.flushes / 1000.0
			  : 0.0,
	       id);
	return 0;
}
