// SPDX-License-Identifier: Apache-2.0
/* Signed audit sessions (see sign.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "audit/event.h"
#include "audit/record.h"
#include "audit/sign.h"
#include "audit/verify.h"
#include "policy/json.h"
#include "sys/helper.h"
#include "sys/spawn.h"
#include "util/base64.h"

#define HELPER "nono-sign"
#define HELPER_MS 20000
/* A string literal, its length counted by the compiler. */
#define PUTS(e, lit) nono_ev_put((e), (lit), sizeof(lit) - 1)

/* A memfd holding @parts (the helper's standard input), at offset 0. */
static int memfd_of(const void *const *parts, const size_t *lens, size_t n)
{
	int fd = memfd_create("nono-sign-in", MFD_CLOEXEC);

	if (fd < 0)
		return -errno;
	for (size_t i = 0; i < n; i++) {
		const char *p = parts[i];
		size_t left = lens[i];

		while (left) {
			ssize_t w = write(fd, p, left);

			if (w < 0) {
				int e = -errno;

				close(fd);
				return e;
			}
			p += w;
			left -= (size_t)w;
		}
	}
	if (lseek(fd, 0, SEEK_SET) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

/* Runs the helper with @in as standard input; its output in @out. */
static int run_helper(const char *helper, char *const argv[], int in, char *out,
		      size_t cap, size_t *len, struct nono_spawn_result *res)
{
	int r = nono_spawn_capture_in(helper, argv, in, HELPER_MS, out, cap - 1,
				      len, res);

	out[r == 0 ? *len : 0] = '\0';
	return r;
}

/* The value of line "@key VALUE" in @out, copied to @val. */
static bool line_val(const char *out, const char *key, char *val, size_t len)
{
	size_t kl = strlen(key);

	for (const char *p = out; p && *p;
	     p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, key, kl) == 0 && p[kl] == ' ') {
			size_t n = strcspn(p + kl + 1, "\n");

			if (n >= len)
				return false;
			memcpy(val, p + kl + 1, n);
			val[n] = '\0';
			return true;
		}
	}
	return false;
}

int nono_audit_signer_load(const char *ref, struct nono_audit_signer *s,
			   char *err, size_t errlen)
{
	char *const argv[] = {(char *)HELPER, (char *)"pubkey", NULL};
	struct nono_spawn_result res;
	char out[1024], kerr[512];
	size_t len = 0;
	int in, r;

	memset(s, 0, sizeof(*s));
	if (nono_helper_find(HELPER, s->helper, sizeof(s->helper)) < 0) {
		snprintf(err, errlen,
			 "--audit-sign-key: the signing helper %s is not "
			 "installed (build nono with OpenSSL: libssl-dev)",
			 s->helper);
		return -1;
	}
	if (nono_secret_load_key(ref, &s->key, kerr, sizeof(kerr)) < 0) {
		snprintf(err, errlen, "--audit-sign-key: %s", kerr);
		return -1;
	}
	in = memfd_of((const void *const[]){s->key.data},
		      (const size_t[]){s->key.len}, 1);
	if (in < 0) {
		snprintf(err, errlen, "--audit-sign-key: %s", strerror(-in));
		nono_audit_signer_clear(s);
		return -1;
	}
	r = run_helper(s->helper, argv, in, out, sizeof(out), &len, &res);
	close(in);
	if (r < 0 || res.status != 0 ||
	    !line_val(out, "keyid", s->keyid, sizeof(s->keyid)) ||
	    !line_val(out, "spki", s->spki, sizeof(s->spki))) {
		snprintf(err, errlen, "--audit-sign-key %.200s: %s", ref,
			 res.errline[0] ? res.errline
					: "the key could not be read");
		nono_audit_signer_clear(s);
		return -1;
	}
	return 0;
}

void nono_audit_signer_clear(struct nono_audit_signer *s)
{
	nono_secret_wipe(&s->key);
}

/* DSSE's pre-authentication encoding of (@type, @body). */
static char *pae(const char *type, const char *body, size_t n, size_t *len)
{
	struct nono_ev e = {0};
	char b[64];

	nono_ev_put(
	    &e, b, (size_t)snprintf(b, sizeof(b), "DSSEv1 %zu ", strlen(type)));
	nono_ev_put(&e, type, strlen(type));
	nono_ev_put(&e, b, (size_t)snprintf(b, sizeof(b), " %zu ", n));
	nono_ev_put(&e, body, n);
	if (e.oom) {
		nono_ev_free(&e);
		return NULL;
	}
	*len = e.len;
	return e.buf;
}

/* The in-toto statement about @r. */
static char *statement(const struct nono_audit_rec *r, size_t *len)
{
	struct nono_ev e = {0};
	char b[64];

	PUTS(&e, "{\"_type\":\"" NONO_INTOTO_STATEMENT "\"");
	PUTS(&e, ",\"subject\":[{\"name\":\"nono-audit-session:");
	nono_ev_put(&e, r->id, strlen(r->id));
	PUTS(&e, "\",\"digest\":{\"sha256\":\"");
	nono_ev_put(&e, r->merkle_root, strlen(r->merkle_root));
	PUTS(&e, "\"}}]");
	nono_ev_str(&e, "predicateType", NONO_AUDIT_PREDICATE);
	PUTS(&e, ",\"predicate\":{\"version\":1");
	nono_ev_str(&e, "session_id", r->id);
	nono_ev_str(&e, "started", r->started);
	nono_ev_str(&e, "ended", r->ended);
	nono_ev_raw(&e, "command", r->command, strlen(r->command));
	PUTS(&e, ",\"executable\":{\"path\":");
	if (r->exe)
		nono_ev_quote(&e, r->exe, strlen(r->exe));
	else
		PUTS(&e, "null");
	if (r->exe_sha256[0])
		nono_ev_str(&e, "sha256", r->exe_sha256);
	else
		nono_ev_raw(&e, "sha256", "null", 4);
	PUTS(&e, "}");
	nono_ev_str(&e, "policy_sha256", r->policy_sha256);
	nono_ev_int(&e, "exit_code", r->exit_code);
	nono_ev_int(&e, "events", (long long)r->events);
	nono_ev_str(&e, "chain_head", r->chain_head);
	nono_ev_str(&e, "merkle_root", r->merkle_root);
	if (r->fs_before && r->fs_after) {
		PUTS(&e, ",\"fs_integrity\":{\"before\":");
		nono_ev_put(&e, r->fs_before, strlen(r->fs_before));
		PUTS(&e, ",\"after\":");
		nono_ev_put(&e, r->fs_after, strlen(r->fs_after));
		PUTS(&e, "}");
	} else {
		nono_ev_raw(&e, "fs_integrity", "null", 4);
	}
	PUTS(&e, ",\"ledger\":{\"index\":");
	nono_ev_put(&e, b,
		    (size_t)snprintf(b, sizeof(b), "%lld", r->ledger_index));
	nono_ev_str(&e, "root_before", r->ledger_root_before);
	PUTS(&e, "}");
	if (r->redaction)
		nono_ev_raw(&e, "redaction", r->redaction,
			    strlen(r->redaction));
	else
		nono_ev_raw(&e, "redaction", "null", 4);
	PUTS(&e, "}}");
	if (e.oom) {
		nono_ev_free(&e);
		return NULL;
	}
	*len = e.len;
	return e.buf;
}

int nono_audit_sign(struct nono_audit_signer *s, const struct nono_audit_rec *r,
		    char **out, size_t *outlen, char *err, size_t errlen)
{
	char *const argv[] = {(char *)HELPER, (char *)"sign", NULL};
	char *st = NULL, *p = NULL, *b64 = NULL, hdr[32], res_out[1024];
	char sig[200];
	struct nono_spawn_result res;
	struct nono_ev e = {0};
	size_t stlen = 0, plen = 0, len = 0;
	int in = -1, ret = -1, rr;

	*out = NULL;
	st = statement(r, &stlen);
	p = st ? pae(NONO_DSSE_INTOTO, st, stlen, &plen) : NULL;
	b64 = st ? nono_b64_encode(st, stlen) : NULL;
	if (!st || !p || !b64) {
		snprintf(err, errlen, "audit signature: out of memory");
		goto out;
	}
	snprintf(hdr, sizeof(hdr), "%zu\n", s->key.len);
	in = memfd_of((const void *const[]){hdr, s->key.data, p},
		      (const size_t[]){strlen(hdr), s->key.len, plen}, 3);
	if (in < 0) {
		snprintf(err, errlen, "audit signature: %s", strerror(-in));
		goto out;
	}
	rr = run_helper(s->helper, argv, in, res_out, sizeof(res_out), &len,
			&res);
	if (rr < 0 || res.status != 0 ||
	    !line_val(res_out, "sig", sig, sizeof(sig))) {
		snprintf(err, errlen, "audit signature: %s",
			 res.errline[0] ? res.errline : "the helper failed");
		goto out;
	}
	PUTS(&e, "{\"mediaType\":\"" NONO_BUNDLE_V03 "\"");
	PUTS(&e, ",\"verificationMaterial\":{\"publicKey\":{\"hint\":\"");
	nono_ev_put(&e, s->keyid, strlen(s->keyid));
	PUTS(&e, "\"},\"tlogEntries\":[],\"timestampVerificationData\":"
		 "{\"rfc3161Timestamps\":[]}}");
	PUTS(&e, ",\"dsseEnvelope\":{\"payload\":\"");
	nono_ev_put(&e, b64, strlen(b64));
	PUTS(&e, "\",\"payloadType\":\"" NONO_DSSE_INTOTO "\"");
	PUTS(&e, ",\"signatures\":[{\"sig\":\"");
	nono_ev_put(&e, sig, strlen(sig));
	PUTS(&e, "\",\"keyid\":\"\"}]}}\n");
	if (e.oom) {
		snprintf(err, errlen, "audit signature: out of memory");
		nono_ev_free(&e);
		goto out;
	}
	*out = e.buf;
	*outlen = e.len;
	ret = 0;
out:
	if (in >= 0)
		close(in);
	free(st);
	free(p);
	free(b64);
	return ret;
}

static const char *jstr(const struct nono_json *o, const char *k)
{
	const struct nono_json *v = o ? nono_json_get(o, k) : NULL;

	return v && v->type == NONO_JSON_STRING ? v->str : NULL;
}

static const struct nono_json *jobj(const struct nono_json *o, const char *k)
{
	const struct nono_json *v = o ? nono_json_get(o, k) : NULL;

	return v && v->type == NONO_JSON_OBJECT ? v : NULL;
}

static bool jint_eq(const struct nono_json *o, const char *k, long long want)
{
	const struct nono_json *v = o ? nono_json_get(o, k) : NULL;

	return v && v->type == NONO_JSON_NUMBER && v->is_int &&
	       v->integer == want;
}

/*
 * The statement says what the verified log, record and ledger say: every
 * field it signs is compared (the record is otherwise bound only by the
 * ledger, which anyone who can write ~/.nono/audit can rewrite).
 */
static bool statement_ok(const struct nono_json *st,
			 const struct nono_json *rec,
			 const struct nono_audit_report *r, char *why,
			 size_t len)
{
	static const struct {
		const char *pred, *rec;
	} same[] = {
	    {"session_id", "id"},
	    {"started", "started"},
	    {"ended", "ended"},
	    {"command", "command"},
	    {"executable", "executable"},
	    {"policy_sha256", "policy_sha256"},
	    {"exit_code", "exit_code"},
	    {"events", "events"},
	    {"chain_head", "chain_head"},
	    {"merkle_root", "merkle_root"},
	    {"fs_integrity", "fs_integrity"},
	    {"redaction", "redaction"},
	};
	const struct nono_json *sub = st ? nono_json_get(st, "subject") : NULL;
	const struct nono_json *pred = jobj(st, "predicate");
	const struct nono_json *lg = jobj(pred, "ledger");
	const char *s;

	if (!st || st->type != NONO_JSON_OBJECT || !(s = jstr(st, "_type")) ||
	    strcmp(s, NONO_INTOTO_STATEMENT) != 0 ||
	    !(s = jstr(st, "predicateType")) ||
	    strcmp(s, NONO_AUDIT_PREDICATE) != 0 || !pred) {
		snprintf(why, len, "the payload is not a nono audit statement");
		return false;
	}
	if (!sub || sub->type != NONO_JSON_ARRAY || sub->len != 1 ||
	    !(s = jstr(jobj(sub->items[0], "digest"), "sha256")) ||
	    strcmp(s, r->merkle_root) != 0) {
		snprintf(why, len,
			 "the signed subject digest is not the log's Merkle "
			 "root");
		return false;
	}
	if (!(s = jstr(pred, "session_id")) || strcmp(s, r->id) != 0 ||
	    !jint_eq(pred, "events", (long long)r->events) ||
	    !(s = jstr(pred, "chain_head")) || strcmp(s, r->chain_head) != 0) {
		snprintf(why, len,
			 "the signed session id, event count or chain head "
			 "is not this session's");
		return false;
	}
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++)
		if (!rec || !nono_json_equal(nono_json_get(pred, same[i].pred),
					     nono_json_get(rec, same[i].rec))) {
			snprintf(why, len,
				 "session.json's \"%s\" is not what was "
				 "signed: the record was changed",
				 same[i].rec);
			return false;
		}
	if (!jint_eq(lg, "index", r->ledger_index) ||
	    !r->ledger_root_before[0] || !(s = jstr(lg, "root_before")) ||
	    strcmp(s, r->ledger_root_before) != 0) {
		snprintf(why, len,
			 "the signed ledger position is not the ledger's: the "
			 "ledger before this session was rewritten");
		return false;
	}
	return true;
}

void nono_audit_verify_signature(struct nono_audit_report *r,
				 const char *pubkey_file)
{
	char root[PATH_MAX], helper[PATH_MAX], why[200], out[1024];
	char keyid[NONO_SHA256_HEX] = "", rec_keyid[NONO_SHA256_HEX] = "";
	char spki[300] = "", bundle_sha[NONO_SHA256_HEX] = "";
	char *text = NULL, *rtext = NULL, *pl = NULL, *p = NULL;
	struct nono_json *b = NULL, *rec = NULL, *st = NULL;
	const struct nono_json *env, *sigs, *att;
	struct nono_json_error je;
	struct nono_spawn_result res;
	uint8_t d[NONO_SHA256_LEN];
	size_t len = 0, rlen = 0, pllen = 0, plen = 0, olen = 0;
	const char *hint, *payload, *sig, *type, *s;
	int dfd, in = -1, rr;

	if (nono_audit_dir(root, sizeof(root)) < 0)
		return;
	strncat(root, "/", sizeof(root) - strlen(root) - 1);
	strncat(root, r->id, sizeof(root) - strlen(root) - 1);
	dfd = open(root, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return;
	/* What the record (covered by the ledger) says of the bundle. */
	if (nono_audit_read_file(dfd, r->record_name, 1u << 20, &rtext,
				 &rlen) == 0 &&
	    nono_json_parse(rtext, rlen, &rec, &je) == 0 &&
	    (att = jobj(rec, "attestation")) != NULL) {
		if ((s = jstr(att, "bundle_sha256")))
			snprintf(bundle_sha, sizeof(bundle_sha), "%s", s);
		if ((s = jstr(att, "key_id")))
			snprintf(rec_keyid, sizeof(rec_keyid), "%s", s);
		if ((s = jstr(att, "public_key")))
			snprintf(spki, sizeof(spki), "%s", s);
	}
	rr =
	    nono_audit_read_file(dfd, NONO_AUDIT_BUNDLE, 1u << 20, &text, &len);
	close(dfd);
	if (rr == -ENOENT) {
		if (bundle_sha[0])
			nono_audit_report_add(r, "signature", false,
					      "the record names a signed "
					      "attestation, but %s is gone",
					      NONO_AUDIT_BUNDLE);
		else if (pubkey_file)
			nono_audit_report_add(r, "signature", false,
					      "--public-key-file was given but "
					      "the session has no %s (it was "
					      "not run with --audit-sign-key)",
					      NONO_AUDIT_BUNDLE);
		goto done;
	}
	if (rr < 0) {
		nono_audit_report_add(r, "signature", false, "%s: %s",
				      NONO_AUDIT_BUNDLE, strerror(-rr));
		goto done;
	}
	nono_sha256(text, len, d);
	nono_hex(d, sizeof(d), why);
	if (!bundle_sha[0] || strcmp(why, bundle_sha) != 0) {
		nono_audit_report_add(r, "signature", false,
				      "%s is not the bundle the session wrote "
				      "(its SHA-256 differs from the record's)",
				      NONO_AUDIT_BUNDLE);
		goto done;
	}
	if (nono_json_parse(text, len, &b, &je) < 0 ||
	    !(s = jstr(b, "mediaType")) || strcmp(s, NONO_BUNDLE_V03) != 0 ||
	    !(hint = jstr(jobj(jobj(b, "verificationMaterial"), "publicKey"),
			  "hint")) ||
	    !(env = jobj(b, "dsseEnvelope")) ||
	    !(payload = jstr(env, "payload")) ||
	    !(type = jstr(env, "payloadType")) ||
	    strcmp(type, NONO_DSSE_INTOTO) != 0 ||
	    !(sigs = nono_json_get(env, "signatures")) ||
	    sigs->type != NONO_JSON_ARRAY || sigs->len != 1 ||
	    !(sig = jstr(sigs->items[0], "sig"))) {
		nono_audit_report_add(r, "signature", false,
				      "%s is not a Sigstore bundle v0.3 with "
				      "one DSSE signature",
				      NONO_AUDIT_BUNDLE);
		goto done;
	}
	pl = (char *)nono_b64_decode(payload, strlen(payload), &pllen);
	p = pl ? pae(type, pl, pllen, &plen) : NULL;
	if (!p) {
		nono_audit_report_add(r, "signature", false,
				      "the DSSE payload is not base64");
		goto done;
	}
	if (nono_helper_find(HELPER, helper, sizeof(helper)) < 0) {
		nono_audit_report_add(r, "signature", false,
				      "the signing helper %s is not installed: "
				      "the signature cannot be checked",
				      helper);
		goto done;
	}
	{
		char arg[320];
		char *const argv[] = {(char *)HELPER, (char *)"verify",
				      pubkey_file ? (char *)pubkey_file : arg,
				      (char *)sig, NULL};

		snprintf(arg, sizeof(arg), "spki:%s", spki);
		in = memfd_of((const void *const[]){p}, (const size_t[]){plen},
			      1);
		if (in < 0 || (!pubkey_file && !spki[0])) {
			nono_audit_report_add(r, "signature", false,
					      "no public key to check it with");
			goto done;
		}
		rr =
		    run_helper(helper, argv, in, out, sizeof(out), &olen, &res);
	}
	line_val(out, "keyid", keyid, sizeof(keyid));
	if (rr < 0 || res.status == 2 || res.status == 3 || !keyid[0]) {
		nono_audit_report_add(r, "signature", false, "%s",
				      res.errline[0] ? res.errline
						     : "the key is not usable");
		goto done;
	}
	if (res.status != 0) {
		nono_audit_report_add(r, "signature", false,
				      "the DSSE signature does not verify "
				      "with %s",
				      pubkey_file ? pubkey_file
						  : "the key the record names");
		goto done;
	}
	if (strcmp(hint, keyid) != 0 ||
	    (!pubkey_file && strcmp(rec_keyid, keyid) != 0)) {
		nono_audit_report_add(r, "signature", false,
				      "the bundle's key hint %.64s is not the "
				      "key %s",
				      hint, keyid);
		goto done;
	}
	if (nono_json_parse(pl, pllen, &st, &je) < 0 ||
	    !statement_ok(st, rec, r, why, sizeof(why))) {
		nono_audit_report_add(r, "signature", false, "%s",
				      st ? why : "the payload is not JSON");
		goto done;
	}
	nono_audit_report_add(r, "signature", true,
			      "ECDSA P-256 over the statement (Merkle root, "
			      "session, ledger entry); key %.16s...%s",
			      keyid,
			      pubkey_file ? ", pinned by --public-key-file"
					  : " named by the record (not pinned: "
					    "pass --public-key-file)");
done:
	if (in >= 0)
		close(in);
	nono_json_free(b);
	nono_json_free(rec);
	nono_json_free(st);
	free(text);
	free(rtext);
	free(pl);
	free(p);
}
