// SPDX-License-Identifier: Apache-2.0
/*
 * nono-keystore: reads one secret from the system keystore (the Secret
 * Service, through libsecret) for nono, which is a static binary and
 * cannot load libsecret itself.
 *
 *   nono-keystore lookup SERVICE ACCOUNT
 *
 * prints the secret on standard output, without a newline, and exits 0;
 * exit 2: no such item; exit 3: the keystore is unavailable or locked;
 * exit 1: usage.
 *
 *   nono-keystore store SERVICE ACCOUNT LABEL
 *
 * stores standard input (at most 64 KiB, not empty) as the item {service
 * SERVICE, account ACCOUNT} labelled LABEL in the default collection,
 * replacing an item with the same attributes (nono trust keygen --force;
 * nono asks lookup first when it must not replace), and exits 0; exit 3:
 * the keystore is unavailable or locked.  Each failure writes one line to
 * standard error.  Items
 * are matched by the attributes {service, account} (secret-tool's layout,
 * as nono documents it), then {service, username} (the layout of the Rust
 * keyring crate, so secrets stored by other tools are found too).
 *
 * It never prompts: nono runs it with a time limit and no terminal, and a
 * keystore that would need a password prompt answers "locked" (exit 3) or
 * is killed by nono.
 */
#include <errno.h>
#include <libsecret/secret.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

enum { EXIT_FOUND = 0, EXIT_USAGE = 1, EXIT_NOT_FOUND = 2, EXIT_UNAVAIL = 3 };

/* One line: a GLib message may span several. */
static void fail_line(const char *what, const GError *e)
{
	const char *m = e && e->message ? e->message : "unknown error";
	size_t n = strcspn(m, "\r\n");

	fprintf(stderr, "nono-keystore: %s: %.*s\n", what,
		(int)(n > 300 ? 300 : n), m);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Looks up {service, @key: account}.  Returns the item's value, or NULL:
 * none (*@locked when one exists but is locked), or an error in *@e.
 * Searching without SECRET_SEARCH_UNLOCK never asks the Secret Service to
 * show an unlock prompt, which nobody would see: a locked item is an
 * error the user can act on instead of a hang.
 */
static SecretValue *lookup(SecretService *svc, const char *service,
			   const char *key, const char *account, bool *locked,
			   GError **e)
{
	GHashTable *attrs = g_hash_table_new(g_str_hash, g_str_equal);
	SecretValue *v = NULL;
	GList *items;

	g_hash_table_insert(attrs, (gpointer) "service", (gpointer)service);
	g_hash_table_insert(attrs, (gpointer)key, (gpointer)account);
	/* No schema: match on these attributes only, whatever program
	 * (and xdg:schema) stored the item. */
	items = secret_service_search_sync(
	    svc, NULL, attrs, SECRET_SEARCH_ALL | SECRET_SEARCH_LOAD_SECRETS,
	    NULL, e);
	g_hash_table_unref(attrs);
	for (GList *l = items; l && !v; l = l->next) {
		SecretItem *it = l->data;

		if (secret_item_get_locked(it)) {
			*locked = true;
			continue;
		}
		v = secret_item_get_secret(it);
	}
	g_list_free_full(items, g_object_unref);
	return v;
}

/* The schema of items nono stores: matched on {service, account} only. */
static const SecretSchema store_schema = {
    "org.nono.Secret",
    SECRET_SCHEMA_DONT_MATCH_NAME,
    {
	{"service", SECRET_SCHEMA_ATTRIBUTE_STRING},
	{"account", SECRET_SCHEMA_ATTRIBUTE_STRING},
	{NULL, 0},
    },
    0,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
};

/* Standard input (at most 64 KiB) into @buf; its length, or -1. */
static ssize_t read_stdin(char *buf, size_t cap)
{
	size_t len = 0;

	for (;;) {
		ssize_t r = read(STDIN_FILENO, buf + len, cap - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return (ssize_t)len;
		len += (size_t)r;
		if (len == cap)
			return -1; /* too long: refused, never cut */
	}
}

static int store(const char *service, const char *account, const char *label)
{
	static char buf[65536 + 1];
	GError *e = NULL;
	ssize_t n = read_stdin(buf, sizeof(buf));
	SecretValue *v;
	gboolean ok;

	if (n <= 0) {
		fprintf(stderr, "nono-keystore: the secret on standard input "
				"is empty, unreadable or over 64 KiB\n");
		return EXIT_USAGE;
	}
	v = secret_value_new(buf, n, "text/plain");
	explicit_bzero(buf, sizeof(buf));
	ok = secret_password_store_binary_sync(
	    &store_schema, SECRET_COLLECTION_DEFAULT, label, v, NULL, &e,
	    "service", service, "account", account, NULL);
	secret_value_unref(v);
	if (!ok) {
		fail_line("cannot store the item (is the keyring unlocked?)",
			  e);
		if (e)
			g_error_free(e);
		return EXIT_UNAVAIL;
	}
	return EXIT_FOUND;
}

int main(int argc, char **argv)
{
	SecretService *svc = NULL;
	SecretValue *v = NULL;
	GError *e = NULL;
	bool locked = false;
	const char *data;
	gsize len = 0;
	int rc;

	/* No core dump and no ptrace by other processes of the user while
	 * the secret is in memory. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (argc == 5 && strcmp(argv[1], "store") == 0 && *argv[2] &&
	    *argv[3] && *argv[4])
		return store(argv[2], argv[3], argv[4]);
	if (argc != 4 || strcmp(argv[1], "lookup") != 0 || !*argv[2] ||
	    !*argv[3]) {
		fprintf(stderr,
			"usage: nono-keystore lookup SERVICE ACCOUNT\n");
		return EXIT_USAGE;
	}
	svc = secret_service_get_sync(SECRET_SERVICE_OPEN_SESSION, NULL, &e);
	if (svc) {
		v = lookup(svc, argv[2], "account", argv[3], &locked, &e);
		if (!v && !e)
			v = lookup(svc, argv[2], "username", argv[3], &locked,
				   &e);
	}
	if (e) {
		/* No Secret Service on the bus, or no bus at all. */
		fail_line("the Secret Service is unavailable", e);
		g_error_free(e);
		rc = EXIT_UNAVAIL;
		goto out;
	}
	if (!v && locked) {
		fprintf(stderr,
			"nono-keystore: the item (service %s, account "
			"%s) is in a locked keyring; unlock it (for "
			"instance by logging in, or with seahorse)\n",
			argv[2], argv[3]);
		rc = EXIT_UNAVAIL;
		goto out;
	}
	if (!v) {
		fprintf(stderr,
			"nono-keystore: no item with service %s and "
			"account %s\n",
			argv[2], argv[3]);
		rc = EXIT_NOT_FOUND;
		goto out;
	}
	data = secret_value_get(v, &len);
	rc =
	    write_all(STDOUT_FILENO, data, len) < 0 ? EXIT_UNAVAIL : EXIT_FOUND;
	if (rc != EXIT_FOUND)
		fprintf(stderr, "nono-keystore: cannot write the secret: %s\n",
			strerror(errno));
	/* libsecret keeps values in its own locked memory and clears it
	 * on release. */
	secret_value_unref(v);
out:
	if (svc)
		g_object_unref(svc);
	return rc;
}
