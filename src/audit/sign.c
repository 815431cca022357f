// SPDX-License-Identifier: Apache-2.0
/* Signed audit sessions (see sign.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/event.h"
#include "audit/record.h"
#include "audit/sign.h"
#include "audit/verify.h"
#include "policy/json.h"
#include "util/base64.h"

/* A string literal, its length counted by the compiler. */
#define PUTS(e, lit) nono_ev_put((e), (lit), sizeof(lit) - 1)

int nono_audit_signer_load(const char *ref, struct nono_signer *s, char *err,
			   size_t errlen)
{
	return nono_signer_load(ref, "--audit-sign-key", s, err, errlen);
}

void nono_audit_signer_clear(struct nono_signer *s)
{
	nono_signer_clear(s);
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

int nono_audit_sign(const struct nono_signer *s, const struct nono_audit_rec *r,
		    char **out, size_t *outlen, char *err, size_t errlen)
{
	char *st = NULL, why[200];
	size_t stlen = 0;
	int ret = -1;

	*out = NULL;
	st = statement(r, &stlen);
	if (!st) {
		snprintf(err, errlen, "audit signature: out of memory");
		return -1;
	}
	if (nono_trust_bundle_seal(s, st, stlen, out, outlen, why,
				   sizeof(why)) < 0)
		snprintf(err, errlen, "audit signature: %s", why);
	else
		ret = 0;
	free(st);
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
	char root[PATH_MAX], why[200], arg[320];
	char keyid[NONO_SHA256_HEX] = "", rec_keyid[NONO_SHA256_HEX] = "";
	char spki[300] = "", bundle_sha[NONO_SHA256_HEX] = "";
	char *text = NULL, *rtext = NULL, *pl = NULL, *p = NULL;
	struct nono_json *b = NULL, *rec = NULL, *st = NULL;
	const struct nono_json *env, *sigs, *att;
	struct nono_json_error je;
	uint8_t d[NONO_SHA256_LEN];
	size_t len = 0, rlen = 0, pllen = 0, plen = 0;
	const char *hint, *payload, *sig, *type, *s;
	int dfd, rr;

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
	p = pl ? nono_dsse_pae(type, pl, pllen, &plen) : NULL;
	if (!p) {
		nono_audit_report_add(r, "signature", false,
				      "the DSSE payload is not base64");
		goto done;
	}
	if (!pubkey_file && !spki[0]) {
		nono_audit_report_add(r, "signature", false,
				      "no public key to check it with");
		goto done;
	}
	snprintf(arg, sizeof(arg), "spki:%s", spki);
	rr = nono_sig_verify(pubkey_file ? pubkey_file : arg, p, plen, sig,
			     keyid, why, sizeof(why));
	if (rr < 0) {
		nono_audit_report_add(r, "signature", false, "%s", why);
		goto done;
	}
	if (rr == 0) {
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
	nono_json_free(b);
	nono_json_free(rec);
	nono_json_free(st);
	free(text);
	free(rtext);
	free(pl);
	free(p);
}
