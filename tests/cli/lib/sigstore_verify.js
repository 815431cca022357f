// Verifies a Sigstore bundle v0.3 that nono wrote (audit-attestation.bundle)
// with the public Sigstore JavaScript verifier (sigstore from npm, its
// @sigstore/bundle and @sigstore/verify), offline: keyed verification with
// an empty trusted root and every threshold 0 (no Rekor entry, no timestamp
// authority: nono adds neither), then the statement's subject and predicate
// type checked here, as the verifier leaves them to the caller.
//
//   node sigstore_verify.js SIGSTORE_DIR BUNDLE PUBKEY_PEM MERKLE_ROOT
//
// Prints "sigstore: verified" and exits 0, or prints why and exits 1.
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');

const [dir, bundlePath, pubPath, root] = process.argv.slice(2);
const req = (m) => require(path.join(dir, 'node_modules', m));
const { bundleFromJSON } = req('@sigstore/bundle');
const { Verifier, toSignedEntity, toTrustMaterial } = req('@sigstore/verify');

try {
  const json = JSON.parse(fs.readFileSync(bundlePath, 'utf8'));
  const bundle = bundleFromJSON(json);
  const key = crypto.createPublicKey(fs.readFileSync(pubPath));
  const spki = key.export({ format: 'der', type: 'spki' });
  const hint = crypto.createHash('sha256').update(spki).digest('hex');
  const trustedRoot = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [],
    certificateAuthorities: [],
    ctlogs: [],
    timestampAuthorities: [],
  };
  const keys = {
    [hint]: {
      rawBytes: spki,
      keyDetails: 'PKIX_ECDSA_P256_SHA_256',
      validFor: { start: new Date(0) },
    },
  };
  const verifier = new Verifier(toTrustMaterial(trustedRoot, keys), {
    tlogThreshold: 0,
    ctlogThreshold: 0,
    timestampThreshold: 0,
  });
  verifier.verify(toSignedEntity(bundle), {});
  const st = JSON.parse(Buffer.from(json.dsseEnvelope.payload, 'base64'));
  if (st._type !== 'https://in-toto.io/Statement/v1') throw new Error('not an in-toto Statement v1');
  if (st.predicateType !== 'https://nono.sh/attestation/audit-session/v1') throw new Error('predicate type ' + st.predicateType);
  if (st.subject.length !== 1 || st.subject[0].digest.sha256 !== root) throw new Error('subject digest is not the Merkle root');
  console.log('sigstore: verified');
} catch (e) {
  console.log('sigstore: ' + (e && e.message ? e.message : String(e)));
  process.exit(1);
}
