// SPDX-License-Identifier: Apache-2.0
/*
 * nono trust: keys (keygen, export-key), policies (init, sign-policy) and
 * signed instruction files (sign, verify, list).  The formats are in
 * docs/trust.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cmd_trust.h"
#include "cli/output.h"
#include "trust/bundle.h"
#include "trust/keys.h"
#include "trust/policy.h"
#include "trust/scan.h"
#include "trust/signer.h"
#include "trust/verify.h"
#include "util/fsutil.h"
#include "util/jsonout.h"
#include "util/sha256.h"
#include "util/suggest.h"

#define MAX_FILES 10000

static void usage(void)
{
	printf(
	    "Usage: nono trust <COMMAND>\n\n"
	    "Signed instruction files (CLAUDE.md, AGENTS.md, SKILLS.md, "
	    ".claude/**/*.md):\n"
	    "verified before nono run starts the command, read-only while "
	    "it runs.\n\n"
	    "Commands:\n"
	    "  keygen [--id NAME | --keyref URI] [--force]\n"
	    "                        a new ECDSA P-256 signing key (system "
	    "keystore, or a file)\n"
	    "  export-key [--id NAME | --keyref URI] [--pem]\n"
	    "                        its public key, for a policy's "
	    "public_key\n"
	    "  init [-r] [--exclude-dirs DIR...] [--key NAME | --keyref URI] "
	    "[--force]\n"
	    "                        write trust-policy.json here, with the "
	    "key as publisher\n"
	    "  sign FILE... | --all [--key NAME | --keyref URI] [--policy "
	    "FILE]\n"
	    "                        FILE.bundle for one file, "
	    ".nono-trust.bundle for several\n"
	    "  sign-policy [FILE] [--user] [--key NAME | --keyref URI]\n"
	    "                        sign a trust policy "
	    "(FILE.bundle)\n"
	    "  verify FILE... | --all [--policy FILE]\n"
	    "                        check files against the policy (exit 1 "
	    "when one fails)\n"
	    "  list [--json] [--policy FILE]\n"
	    "                        the instruction files here and their "
	    "verdicts\n\n"
	    "Keys: NAME is an item of the system keystore (service "
	    "nono-trust; default\n"
	    "\"default\"); URI is keystore://NAME or file:///PATH (PEM, "
	    "0600).\n"
	    "The user's policy ~/.config/nono/trust-policy.json anchors "
	    "trust: a project's\n"
	    "trust-policy.json counts only when a publisher of the user's "
	    "policy signed it.\n");
}

/* Options shared by the subcommands (each takes the ones it names). */
struct topts {
	const char *id, *keyref, *policy;
	bool force, all, json, pem, user, recursive, keyless;
	char **exclude;
	size_t nexclude;
	char **args;
	size_t nargs;
};

enum {
	O_ID = 256,
	O_KEY,
	O_KEYREF,
	O_FORCE,
	O_ALL,
	O_JSON,
	O_PEM,
	O_USER,
	O_POLICY,
	O_EXCLUDE,
	O_KEYLESS,
};

/* Parses @argv (argv[0] is the subcommand) taking the options whose bits
 * are in @allow (A(O_*); -r is bit 15): 0, 1 after printing @usage (-h),
 * or -1 after printing the error. */
static int parse(const char *sub, const char *usage, int argc, char **argv,
		 unsigned allow, struct topts *o)
{
	static const struct option lo[] = {
	    {"id", required_argument, NULL, O_ID},
	    {"key", required_argument, NULL, O_KEY},
	    {"keyref", required_argument, NULL, O_KEYREF},
	    {"force", no_argument, NULL, O_FORCE},
	    {"all", no_argument, NULL, O_ALL},
	    {"json", no_argument, NULL, O_JSON},
	    {"pem", no_argument, NULL, O_PEM},
	    {"user", no_argument, NULL, O_USER},
	    {"policy", required_argument, NULL, O_POLICY},
	    {"exclude-dirs", required_argument, NULL, O_EXCLUDE},
	    {"keyless", no_argument, NULL, O_KEYLESS},
	    {"recursive", no_argument, NULL, 'r'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	int c;

	memset(o, 0, sizeof(*o));
	o->exclude = calloc((size_t)argc + 1, sizeof(char *));
	o->args = calloc((size_t)argc + 1, sizeof(char *));
	if (!o->exclude || !o->args) {
		out_error("out of memory");
		return -1;
	}
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hr", lo, NULL)) != -1) {
		unsigned bit = c >= 256 ? 1u << (c - 256) : 0;

		if (c == 'r')
			bit = 1u << 15;
		if (c == 'h') {
			printf("%s", usage);
			return 1;
		}
		if (c == ':') {
			out_error("trust %s: %s needs a value", sub,
				  argv[optind - 1]);
			return -1;
		}
		if (c == '?' || !(allow & bit)) {
			out_error("trust %s: unknown option '%s' (see nono "
				  "trust --help)",
				  sub, argv[optind - 1]);
			return -1;
		}
		switch (c) {
		case O_ID:
		case O_KEY:
			if (o->id) {
				out_error("trust %s: the key is named twice",
					  sub);
				return -1;
			}
			o->id = optarg;
			break;
		case O_KEYREF:
			o->keyref = optarg;
			break;
		case O_FORCE:
			o->force = true;
			break;
		case O_ALL:
			o->all = true;
			break;
		case O_JSON:
			o->json = true;
			break;
		case O_PEM:
			o->pem = true;
			break;
		case O_USER:
			o->user = true;
			break;
		case O_POLICY:
			o->policy = optarg;
			break;
		case O_KEYLESS:
			o->keyless = true;
			break;
		case O_EXCLUDE:
			/* --exclude-dirs tmp logs: the value and the
			 * words after it that are not options. */
			o->exclude[o->nexclude++] = optarg;
			while (optind < argc && argv[optind][0] != '-')
				o->exclude[o->nexclude++] = argv[optind++];
			break;
		case 'r':
			o->recursive = true;
			break;
		default:
			break;
		}
	}
	for (; optind < argc; optind++)
		o->args[o->nargs++] = argv[optind];
	return 0;
}

static void topts_free(struct topts *o)
{
	free(o->exclude);
	free(o->args);
}

#define A(x) (1u << ((x)-256))

static int key_ref(const struct topts *o, const char *flag, char *ref,
		   size_t len)
{
	char err[400];

	if (nono_trust_keyref(o->id, o->keyref, flag, ref, len, err,
			      sizeof(err)) < 0) {
		out_error("%s", err);
		return -1;
	}
	return 0;
}

static int sub_keygen(int argc, char **argv)
{
	struct topts o;
	struct nono_trust_pub pub;
	char ref[PATH_MAX], err[512];
	int r = parse("keygen",
		      "Usage: nono trust keygen [--id NAME | --keyref "
		      "URI] [--force]\n",
		      argc, argv, A(O_ID) | A(O_KEYREF) | A(O_FORCE), &o);

	if (r != 0) {
		topts_free(&o);
		return r > 0 ? 0 : 1;
	}
	if (o.nargs) {
		out_error("trust keygen takes no argument (got '%s'); name the "
			  "key with --id NAME or --keyref URI",
			  o.args[0]);
		topts_free(&o);
		return 1;
	}
	r = key_ref(&o, "--id", ref, sizeof(ref));
	topts_free(&o);
	if (r < 0)
		return 1;
	if (nono_trust_keygen(ref, o.force, &pub, err, sizeof(err)) < 0) {
		out_error("trust keygen: %s", err);
		return 1;
	}
	if (strncmp(ref, "file://", 7) == 0)
		printf("key written to %s (0600)\n", ref + 7);
	else
		printf("key '%s' stored in the system keystore (service "
		       "nono-trust, account %s)\n",
		       pub.label, pub.label);
	printf("fingerprint: %s\n", pub.keyid);
	if (pub.pub_path[0])
		printf("public key:  %s\n", pub.pub_path);
	printf("next: nono trust init --%s %s (a policy naming this key as "
	       "publisher)\n",
	       strncmp(ref, "file://", 7) == 0 ? "keyref" : "key", ref);
	return 0;
}

static int sub_export(int argc, char **argv)
{
	struct topts o;
	struct nono_trust_pub pub;
	char ref[PATH_MAX], err[512], pem[512];
	int r = parse("export-key",
		      "Usage: nono trust export-key [--id NAME | "
		      "--keyref URI] [--pem]\n",
		      argc, argv, A(O_ID) | A(O_KEYREF) | A(O_PEM), &o);

	if (r != 0) {
		topts_free(&o);
		return r > 0 ? 0 : 1;
	}
	if (o.nargs) {
		out_error("trust export-key takes no argument (got '%s')",
			  o.args[0]);
		topts_free(&o);
		return 1;
	}
	r = key_ref(&o, "--id", ref, sizeof(ref));
	topts_free(&o);
	if (r < 0)
		return 1;
	if (nono_trust_key_public(ref, &pub, err, sizeof(err)) < 0) {
		out_error("trust export-key: %s", err);
		return 1;
	}
	if (o.pem) {
		if (nono_trust_pem(pub.spki, pem, sizeof(pem)) < 0) {
			out_error("trust export-key: the public key is "
				  "malformed");
			return 1;
		}
		fputs(pem, stdout);
	} else {
		printf("%s\n", pub.spki);
	}
	return 0;
}

/* Prints @s with every control byte as '?' (names come from the tree). */
static void safe(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
}

/* The instruction files below the working directory (@cwdfd) under @p. */
static int scan_here(int cwdfd, const struct nono_trust_policy *p,
		     unsigned flags, char *const *skip, size_t nskip,
		     struct nono_trust_list *l)
{
	char err[512];

	if (nono_trust_scan(cwdfd, p, skip, nskip, flags, l, err, sizeof(err)) <
	    0) {
		out_error("trust: %s", err);
		return -1;
	}
	return 0;
}

/* The policy for this directory (1), none (0, after a message when
 * @need), or -1. */
static int load_policy(int cwdfd, const char *explicit_path, bool need,
		       struct nono_trust_policy *p,
		       struct nono_trust_sources *src)
{
	char err[768], cwd[PATH_MAX];
	int r;

	if (!getcwd(cwd, sizeof(cwd)))
		snprintf(cwd, sizeof(cwd), ".");
	r = nono_trust_policy_load(cwdfd, cwd, explicit_path, p, src, err,
				   sizeof(err));
	if (r < 0) {
		out_error("%s", err);
		return -1;
	}
	if (src->ignored[0])
		out_warn("%s is not used: %s", src->ignored, src->ignored_why);
	if (r == 0 && need) {
		out_error("no trust policy: create yours with nono trust init "
			  "in ~/.config/nono (then nono trust sign-policy "
			  "--user), or pass --policy FILE");
		return -1;
	}
	return r;
}

static int sub_init(int argc, char **argv)
{
	struct topts o;
	struct nono_trust_policy p, one;
	struct nono_trust_publisher pub1;
	struct nono_trust_pub pub;
	struct nono_trust_list l = {0};
	char ref[PATH_MAX], err[512], *text = NULL;
	size_t len = 0;
	int cwdfd = -1, rc = 1, r;

	r = parse("init",
		  "Usage: nono trust init [-r] [--exclude-dirs DIR...] [--key "
		  "NAME | --keyref URI] [--force]\n",
		  argc, argv,
		  A(O_KEY) | A(O_KEYREF) | A(O_FORCE) | A(O_EXCLUDE) | 1u << 15,
		  &o);
	if (r != 0) {
		topts_free(&o);
		return r > 0 ? 0 : 1;
	}
	nono_trust_policy_init_default(&p);
	if (o.nargs) {
		out_error("trust init takes no argument (got '%s'); it writes "
			  "trust-policy.json in the working directory",
			  o.args[0]);
		goto out;
	}
	if (!o.force && access(NONO_TRUST_POLICY_FILE, F_OK) == 0) {
		out_error("%s already exists here; add --force to replace it",
			  NONO_TRUST_POLICY_FILE);
		goto out;
	}
	if (key_ref(&o, "--key", ref, sizeof(ref)) < 0)
		goto out;
	if (nono_trust_key_public(ref, &pub, err, sizeof(err)) < 0) {
		out_error("trust init: %s", err);
		out_hint("make a key first: nono trust keygen%s%s",
			 o.keyref ? " --keyref " : (o.id ? " --id " : ""),
			 o.keyref ? o.keyref : (o.id ? o.id : ""));
		goto out;
	}
	cwdfd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cwdfd < 0 ||
	    scan_here(cwdfd, &p,
		      NONO_TRUST_SCAN_GITIGNORE |
			  (o.recursive ? NONO_TRUST_SCAN_RECURSIVE : 0),
		      o.exclude, o.nexclude, &l) < 0)
		goto out;
	memset(&one, 0, sizeof(one));
	memset(&pub1, 0, sizeof(pub1));
	pub1.name = pub.label;
	pub1.key_id = pub.label;
	pub1.public_key = pub.spki;
	snprintf(pub1.fingerprint, sizeof(pub1.fingerprint), "%s", pub.keyid);
	one.pub = &pub1;
	one.npub = 1;
	one.enforcement = p.enforcement;
	if (nono_trust_policy_merge(&p, &one, err, sizeof(err)) < 0 ||
	    nono_trust_policy_write(&p, &text, &len) < 0) {
		out_error("trust init: %s", err[0] ? err : "out of memory");
		goto out;
	}
	r = nono_write_atomic(NONO_TRUST_POLICY_FILE, text, len,
			      o.force ? NONO_WRITE_REPLACE : 0, 0644);
	if (r < 0) {
		out_error("cannot write %s: %s", NONO_TRUST_POLICY_FILE,
			  r == -EEXIST ? "it exists (add --force)"
				       : strerror(-r));
		goto out;
	}
	printf("wrote %s: publisher '%s' (key %.16s...), enforcement %s\n",
	       NONO_TRUST_POLICY_FILE, pub.label, pub.keyid,
	       nono_trust_enforce_name(p.enforcement));
	printf("%zu instruction file%s found%s\n", l.n, l.n == 1 ? "" : "s",
	       l.n ? ":" : "");
	for (size_t i = 0; i < l.n; i++) {
		printf("  ");
		safe(stdout, l.v[i].path);
		putchar('\n');
	}
	printf("next: nono trust sign --all; nono trust sign-policy\n");
	rc = 0;
out:
	free(text);
	nono_trust_list_free(&l);
	nono_trust_policy_free(&p);
	if (cwdfd >= 0)
		close(cwdfd);
	topts_free(&o);
	return rc;
}

/* @arg split into a directory fd and a name (no symlink as the name). */
static int open_parent(const char *arg, int *dfd, const char **name)
{
	const char *slash = strrchr(arg, '/');
	char dir[PATH_MAX];

	if (!slash) {
		*name = arg;
		*dfd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	} else {
		snprintf(dir, sizeof(dir), "%.*s",
			 (int)(slash == arg ? 1 : slash - arg), arg);
		*name = slash + 1;
		*dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	return *dfd < 0 ? -errno : 0;
}

/* @arg's path relative to the working directory @cwd (canonical), or
 * -1 when it is outside it. */
static int rel_to_cwd(const char *cwd, const char *arg, char *out, size_t len)
{
	char canon[PATH_MAX], dir[PATH_MAX];
	const char *slash = strrchr(arg, '/');
	const char *name = slash ? slash + 1 : arg;
	size_t cl = strlen(cwd);

	snprintf(dir, sizeof(dir), "%.*s",
		 slash ? (int)(slash == arg ? 1 : slash - arg) : 1,
		 slash ? arg : ".");
	if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
	    !realpath(dir, canon))
		return -1;
	if (strcmp(canon, cwd) == 0)
		return (size_t)snprintf(out, len, "%s", name) < len ? 0 : -1;
	if (strncmp(canon, cwd, cl) != 0 ||
	    (canon[cl] != '/' && strcmp(cwd, "/") != 0))
		return -1;
	return (size_t)snprintf(out, len, "%s/%s",
				canon + cl + (strcmp(cwd, "/") != 0),
				name) < len
		   ? 0
		   : -1;
}

/* Writes bundle @path atomically (a temporary file renamed over it: a
 * symlink planted at @path is replaced, never followed). */
static int write_bundle(const char *path, const char *text, size_t len)
{
	int r =
	    strlen(path) < PATH_MAX
		? nono_write_atomic(path, text, len, NONO_WRITE_REPLACE, 0644)
		: -ENAMETOOLONG;

	if (r < 0) {
		out_error("cannot write %s: %s", path, strerror(-r));
		return -1;
	}
	return 0;
}

static int sub_sign(int argc, char **argv)
{
	struct topts o;
	struct nono_trust_policy p;
	struct nono_trust_sources src;
	struct nono_trust_list l = {0};
	struct nono_trust_subject *subj = NULL;
	struct nono_signer s;
	char ref[PATH_MAX], err[512], cwd[PATH_MAX], shown[PATH_MAX + 16];
	char label[128], *bundle = NULL;
	const char **paths = NULL;
	size_t n = 0, blen = 0;
	bool signer = false;
	int cwdfd = -1, rc = 1, r;

	r = parse(
	    "sign",
	    "Usage: nono trust sign FILE... | --all [--key NAME | "
	    "--keyref URI] [--policy FILE]\n",
	    argc, argv,
	    A(O_KEY) | A(O_KEYREF) | A(O_ALL) | A(O_POLICY) | A(O_KEYLESS), &o);
	if (r != 0) {
		topts_free(&o);
		return r > 0 ? 0 : 1;
	}
	nono_trust_policy_init_default(&p);
	if (o.keyless) {
		out_error("trust sign --keyless: keyless signing needs the "
			  "network (an OIDC identity, Sigstore's Fulcio and "
			  "Rekor) and is not available offline; sign with a "
			  "key (nono trust keygen, then nono trust sign)");
		goto out;
	}
	if (o.all == (o.nargs > 0)) {
		out_error(o.all ? "trust sign: --all or FILE..., not both"
				: "trust sign: which files? (nono trust sign "
				  "FILE... or --all)");
		goto out;
	}
	if (key_ref(&o, "--key", ref, sizeof(ref)) < 0 ||
	    !getcwd(cwd, sizeof(cwd)))
		goto out;
	cwdfd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cwdfd < 0)
		goto out;
	if (o.all) {
		nono_trust_policy_free(&p);
		if (load_policy(cwdfd, o.policy, false, &p, &src) < 0 ||
		    scan_here(cwdfd, &p, NONO_TRUST_SCAN_RECURSIVE, NULL, 0,
			      &l) < 0)
			goto out;
		if (l.n == 0) {
			out_error("trust sign --all: no instruction file here "
				  "(patterns: SKILLS*, CLAUDE*, AGENT*, "
				  ".claude/**/*.md and the policy's)");
			goto out;
		}
		n = l.n;
	} else {
		n = o.nargs;
	}
	if (n > MAX_FILES) {
		out_error("trust sign: %zu files (at most %d in one bundle)", n,
			  MAX_FILES);
		goto out;
	}
	subj = calloc(n, sizeof(*subj));
	paths = calloc(n, sizeof(*paths));
	if (!subj || !paths)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const char *arg = o.all ? l.v[i].path : o.args[i];
		char rel[PATH_MAX];
		const char *name;
		int dfd;

		paths[i] = arg;
		if (n > 1 && rel_to_cwd(cwd, arg, rel, sizeof(rel)) < 0) {
			out_error("trust sign: %s is not below the working "
				  "directory (several files go in one "
				  "%s here, named by their paths from it)",
				  arg, NONO_TRUST_MULTI_BUNDLE);
			goto out;
		}
		r = open_parent(arg, &dfd, &name);
		if (r == 0) {
			r = nono_trust_hash_file(dfd, name, subj[i].sha256);
			close(dfd);
		}
		/* A symlinked instruction file (AGENTS.md -> CLAUDE.md):
		 * the agent reads its target, which must be below the
		 * working directory, as the scan requires. */
		if (r == -ELOOP) {
			char tgt[PATH_MAX], *real = realpath(arg, NULL);

			r = real && rel_to_cwd(cwd, real, tgt, sizeof(tgt)) == 0
				? nono_trust_hash_file(cwdfd, tgt,
						       subj[i].sha256)
				: -EXDEV;
			free(real);
		}
		if (r < 0) {
			out_error("trust sign: %s: %s", arg,
				  r == -EXDEV    ? "a symlink to outside the "
						   "working directory (the scan "
						   "refuses it too)"
				  : r == -ELOOP  ? "a symlink on the way"
				  : r == -EINVAL ? "not a regular file"
				  : r == -EFBIG  ? "larger than 8 MiB"
						 : strerror(-r));
			goto out;
		}
		subj[i].name = strdup(n > 1 ? rel : name);
		if (!subj[i].name)
			goto out;
	}
	if (nono_signer_load(ref, "trust sign", &s, err, sizeof(err)) < 0) {
		out_error("%s", err);
		if (!o.keyref)
			out_hint("no key yet? nono trust keygen%s%s",
				 o.id ? " --id " : "", o.id ? o.id : "");
		goto out;
	}
	signer = true;
	nono_trust_key_label(ref, label, sizeof(label));
	r = nono_trust_bundle_make(
	    &s, n > 1 ? NONO_TRUST_PRED_MULTI : NONO_TRUST_PRED_FILE, label,
	    subj, n, &bundle, &blen, err, sizeof(err));
	if (r < 0) {
		out_error("trust sign: %s", err);
		goto out;
	}
	if (n > 1)
		snprintf(shown, sizeof(shown), "%s", NONO_TRUST_MULTI_BUNDLE);
	else
		snprintf(shown, sizeof(shown), "%s.bundle", paths[0]);
	if (write_bundle(shown, bundle, blen) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		printf("signed ");
		safe(stdout, paths[i]);
		printf(" (sha256 %.16s...)\n", subj[i].sha256);
	}
	printf("bundle: %s (key %.16s...)\n", shown, s.keyid);
	rc = 0;
out:
	if (signer)
		nono_signer_clear(&s);
	for (size_t i = 0; subj && i < n; i++)
		free(subj[i].name);
	free(subj);
	free(paths);
	free(bundle);
	nono_trust_list_free(&l);
	nono_trust_policy_free(&p);
	if (cwdfd >= 0)
		close(cwdfd);
	topts_free(&o);
	return rc;
}

static int sub_sign_policy(int argc, char **argv)
{
	struct topts o;
	struct nono_trust_policy p, user;
	struct nono_trust_sources src;
	struct nono_trust_subject subj = {0};
	struct nono_signer s;
	char ref[PATH_MAX], err[768], cfg[PATH_MAX], path[PATH_MAX + 32];
	char label[128], *text = NULL, *bundle = NULL, shown[PATH_MAX + 48];
	const char *name;
	size_t len = 0, blen = 0;
	bool signer = false;
	int dfd = -1, rc = 1, r;

	r = parse("sign-policy",
		  "Usage: nono trust sign-policy [FILE] [--user] [--key NAME | "
		  "--keyref URI]\n",
		  argc, argv, A(O_KEY) | A(O_KEYREF) | A(O_USER), &o);
	if (r != 0) {
		topts_free(&o);
		return r > 0 ? 0 : 1;
	}
	memset(&p, 0, sizeof(p));
	memset(&user, 0, sizeof(user));
	if (o.nargs > 1 || (o.user && o.nargs)) {
		out_error(o.user ? "trust sign-policy --user signs your own "
				   "policy: no FILE with it"
				 : "trust sign-policy takes one FILE");
		goto out;
	}
	if (o.user) {
		if (nono_trust_config_dir(cfg, sizeof(cfg)) < 0) {
			out_error("trust sign-policy --user: no home "
				  "directory");
			goto out;
		}
		snprintf(path, sizeof(path), "%s/%s", cfg,
			 NONO_TRUST_POLICY_FILE);
	} else {
		snprintf(path, sizeof(path), "%s",
			 o.nargs ? o.args[0] : NONO_TRUST_POLICY_FILE);
	}
	if (key_ref(&o, "--key", ref, sizeof(ref)) < 0)
		goto out;
	r = open_parent(path, &dfd, &name);
	if (r == 0)
		r = nono_trust_read_file(dfd, name, 1u << 20, &text, &len);
	if (r < 0) {
		out_error("trust sign-policy: %s: %s%s", path,
			  r == -ELOOP    ? "a symlink (sign its target)"
			  : r == -EINVAL ? "not a regular file"
			  : r == -EFBIG  ? "over 1 MiB"
					 : strerror(-r),
			  r == -ENOENT ? " (write one with nono trust init)"
				       : "");
		goto out;
	}
	/* It must be a policy nono reads; the signature is over these
	 * bytes. */
	if (nono_trust_policy_parse(text, len, path, &p, err, sizeof(err)) <
	    0) {
		out_error("%s", err);
		goto out;
	}
	{
		uint8_t d[NONO_SHA256_LEN];

		nono_sha256(text, len, d);
		nono_hex(d, sizeof(d), subj.sha256);
	}
	if (nono_signer_load(ref, "trust sign-policy", &s, err, sizeof(err)) <
	    0) {
		out_error("%s", err);
		goto out;
	}
	signer = true;
	subj.name = (char *)name;
	nono_trust_key_label(ref, label, sizeof(label));
	if (nono_trust_bundle_make(&s, NONO_TRUST_PRED_POLICY, label, &subj, 1,
				   &bundle, &blen, err, sizeof(err)) < 0) {
		out_error("trust sign-policy: %s", err);
		goto out;
	}
	snprintf(shown, sizeof(shown), "%s.bundle", path);
	if (write_bundle(shown, bundle, blen) < 0)
		goto out;
	printf("signed %s: %s (key %.16s...)\n", path, shown, s.keyid);
	/* Who will take it: the user's policy's publishers. */
	{
		const struct nono_trust_policy *anchor = &p;

		if (!o.user) {
			r = load_policy(-1, NULL, false, &user, &src);
			anchor = r > 0 ? &user : NULL;
		}
		if (!anchor)
			out_warn("you have no user trust policy: a project's "
				 "policy counts only when a publisher of yours "
				 "signed it (nono trust init in "
				 "~/.config/nono)");
		else if (!nono_trust_policy_publisher(anchor, s.keyid))
			out_warn("key %.16s... is not a publisher of %s: the "
				 "signature will not be accepted until it is",
				 s.keyid,
				 o.user ? "this policy" : "your trust policy");
	}
	rc = 0;
out:
	if (signer)
		nono_signer_clear(&s);
	free(text);
	free(bundle);
	nono_trust_policy_free(&p);
	nono_trust_policy_free(&user);
	if (dfd >= 0)
		close(dfd);
	topts_free(&o);
	return rc;
}

static void print_check(const struct nono_trust_check *c, bool fix)
{
	char how[PATH_MAX + 256];

	printf("%-10s  ", nono_trust_verdict_name(c->verdict));
	safe(stdout, c->path);
	if (c->verdict == NONO_TRUST_OK) {
		printf("  (%s, key %.16s...)\n", c->publisher, c->keyid);
		return;
	}
	printf("\n            ");
	safe(stdout, c->why);
	putchar('\n');
	if (fix) {
		nono_trust_fix(c, how, sizeof(how));
		printf("            fix: ");
		safe(stdout, how);
		putchar('\n');
	}
}

static void json_check(const struct nono_trust_check *c, bool comma)
{
	printf("%s{\"path\":", comma ? "," : "");
	nono_json_str(stdout, c->path);
	printf(",\"sha256\":\"%s\",\"verdict\":\"%s\"", c->sha256,
	       nono_trust_verdict_name(c->verdict));
	printf(",\"publisher\":");
	if (c->verdict == NONO_TRUST_OK)
		nono_json_str(stdout, c->publisher);
	else
		printf("null");
	printf(",\"key_fingerprint\":");
	if (c->keyid[0])
		nono_json_str(stdout, c->keyid);
	else
		printf("null");
	printf(",\"bundle\":");
	if (c->bundle[0])
		nono_json_str(stdout, c->bundle);
	else
		printf("null");
	printf(",\"why\":");
	nono_json_str(stdout, c->why);
	printf("}");
}

/* verify (@list false) and list (@list true). */
static int sub_check(int argc, char **argv, bool list)
{
	struct topts o;
	struct nono_trust_policy p;
	struct nono_trust_sources src;
	struct nono_trust_list l = {0};
	struct nono_trust_check c, *all = NULL;
	char cwd[PATH_MAX];
	size_t n = 0, bad = 0;
	int cwdfd = -1, rc = 1, have, r;

	r = parse(list ? "list" : "verify",
		  list ? "Usage: nono trust list [--json] [--policy FILE]\n"
		       : "Usage: nono trust verify FILE... | --all [--policy "
			 "FILE] [--json]\n",
		  argc, argv,
		  list ? A(O_JSON) | A(O_POLICY)
		       : A(O_ALL) | A(O_POLICY) | A(O_JSON),
		  &o);
	if (r != 0) {
		topts_free(&o);
		return r > 0 ? 0 : 1;
	}
	memset(&p, 0, sizeof(p));
	if (list && o.nargs) {
		out_error("trust list takes no argument (got '%s')", o.args[0]);
		goto out;
	}
	if (!list && o.all == (o.nargs > 0)) {
		out_error(o.all ? "trust verify: --all or FILE..., not both"
				: "trust verify: which files? (nono trust "
				  "verify FILE... or --all)");
		goto out;
	}
	cwdfd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cwdfd < 0 || !getcwd(cwd, sizeof(cwd)))
		goto out;
	have = load_policy(cwdfd, o.policy, !list, &p, &src);
	if (have < 0)
		goto out;
	if (have == 0)
		nono_trust_policy_init_default(&p);
	if (list || o.all) {
		if (scan_here(cwdfd, &p,
			      NONO_TRUST_SCAN_RECURSIVE | NONO_TRUST_SCAN_HASH,
			      NULL, 0, &l) < 0)
			goto out;
		n = l.n;
	} else {
		n = o.nargs;
	}
	/* A scan's files: their signatures checked in one batch. */
	if (have && (list || o.all) && n) {
		char err[512];

		all = calloc(n, sizeof(*all));
		if (!all) {
			out_error("out of memory");
			goto out;
		}
		if (nono_trust_check_all(cwdfd, &l, &p, all, err, sizeof(err)) <
		    0) {
			out_error("trust: %s", err);
			goto out;
		}
	}
	if (o.json)
		printf("{\"policy\":%s,\"files\":[", have ? "true" : "false");
	else if (list && !have)
		printf("no trust policy (nono trust init in ~/.config/nono "
		       "makes yours): files are listed, not verified\n");
	for (size_t i = 0; i < n; i++) {
		char rel[PATH_MAX];
		const char *path = (list || o.all) ? l.v[i].path : rel;

		if (!(list || o.all) &&
		    rel_to_cwd(cwd, o.args[i], rel, sizeof(rel)) < 0) {
			out_error("trust verify: %s is not below the working "
				  "directory (run it from a directory above "
				  "the file)",
				  o.args[i]);
			goto out;
		}
		if (!have) {
			memset(&c, 0, sizeof(c));
			snprintf(c.path, sizeof(c.path), "%s", path);
			snprintf(c.sha256, sizeof(c.sha256), "%s",
				 l.v[i].sha256);
			snprintf(c.why, sizeof(c.why), "no policy");
			if (o.json) {
				json_check(&c, i > 0);
			} else {
				printf("%-10s  ", "-");
				safe(stdout, path);
				putchar('\n');
			}
			continue;
		}
		if (all)
			c = all[i];
		else if (nono_trust_check_file(cwdfd, path, NULL, &p, &c) < 0) {
			out_error("trust: %s", c.why);
			goto out;
		}
		bad += c.verdict != NONO_TRUST_OK;
		if (o.json)
			json_check(&c, i > 0);
		else
			print_check(&c, !list);
	}
	if (o.json)
		printf("],\"failed\":%zu}\n", bad);
	else if (have)
		printf("%zu file%s: %zu verified, %zu failed (enforcement "
		       "%s)\n",
		       n, n == 1 ? "" : "s", n - bad, bad,
		       nono_trust_enforce_name(p.enforcement));
	rc = list ? 0 : bad ? 1 : 0;
	if (!list && n == 0 && !o.json)
		printf("no instruction file here\n");
out:
	free(all);
	nono_trust_list_free(&l);
	nono_trust_policy_free(&p);
	if (cwdfd >= 0)
		close(cwdfd);
	topts_free(&o);
	return rc;
}

int cmd_trust(int argc, char **argv)
{
	static const char *const subs[] = {"keygen", "export-key",  "init",
					   "sign",   "sign-policy", "verify",
					   "list"};
	const char *near;

	if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		usage();
		return argc < 2 ? 1 : 0;
	}
	if (strcmp(argv[1], "keygen") == 0)
		return sub_keygen(argc - 1, argv + 1);
	if (strcmp(argv[1], "export-key") == 0)
		return sub_export(argc - 1, argv + 1);
	if (strcmp(argv[1], "init") == 0)
		return sub_init(argc - 1, argv + 1);
	if (strcmp(argv[1], "sign") == 0)
		return sub_sign(argc - 1, argv + 1);
	if (strcmp(argv[1], "sign-policy") == 0)
		return sub_sign_policy(argc - 1, argv + 1);
	if (strcmp(argv[1], "verify") == 0)
		return sub_check(argc - 1, argv + 1, false);
	if (strcmp(argv[1], "list") == 0)
		return sub_check(argc - 1, argv + 1, true);
	near = nono_suggest(argv[1], subs, sizeof(subs) / sizeof(subs[0]));
	out_error("unknown trust command '%s'%s%s%s", argv[1],
		  near ? " (did you mean " : "", near ? near : "",
		  near ? "?)" : "; see nono trust --help");
	return 1;
}
