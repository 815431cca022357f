// The public Sigstore JavaScript library (sigstore from npm: @sigstore/sign,
// @sigstore/bundle, @sigstore/verify), offline and keyed, against the
// bundles of nono trust:
//
//   node sigstore_trust.js verify SIGSTORE_DIR BUNDLE PUBKEY_PEM PREDICATE NAME=SHA256...
//     verifies a bundle nono wrote (empty trusted root, thresholds 0), then
//     checks the statement's predicate type and its subjects (exactly the
//     NAME=SHA256 given), which the verifier leaves to the caller.
//     Prints "sigstore: verified" and exits 0, or why and exits 1.
//   node sigstore_trust.js sign SIGSTORE_DIR KEY_PEM PREDICATE OUT NAME=SHA256...
//     writes OUT: a bundle made by the library's DSSE bundle builder with a
//     keyed signer (ECDSA P-256, SHA-256) over an in-toto Statement v1.
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');

const [mode, dir] = process.argv.slice(2, 4);
const req = (m) => require(path.join(dir, 'node_modules', m));

function subjects(list) {
  return list.map((s) => {
    const i = s.lastIndexOf('=');
    return { name: s.slice(0, i), digest: { sha256: s.slice(i + 1) } };
  });
}

async function sign() {
  const [keyPath, pred, out, ...subs] = process.argv.slice(4);
  const { DSSEBundleBuilder } = req('@sigstore/sign');
  const { bundleToJSON } = req('@sigstore/bundle');
  const key = crypto.createPrivateKey(fs.readFileSync(keyPath));
  const pub = crypto.createPublicKey(key);
  const spki = pub.export({ format: 'der', type: 'spki' });
  const hint = crypto.createHash('sha256').update(spki).digest('hex');
  const statement = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: subjects(subs),
    predicateType: pred,
    predicate: { version: 1, signer: { kind: 'keyed', key_id: 'js' } },
  };
  const signer = {
    sign: async (data) => ({
      signature: crypto.sign('sha256', data, key),
      key: { $case: 'publicKey', publicKey: pub.export({ format: 'pem', type: 'spki' }), hint },
    }),
  };
  const b = new DSSEBundleBuilder({ signer, witnesses: [] });
  const bundle = await b.create({
    data: Buffer.from(JSON.stringify(statement)),
    type: 'application/vnd.in-toto+json',
  });
  fs.writeFileSync(out, JSON.stringify(bundleToJSON(bundle)) + '\n');
  console.log('sigstore: signed');
}

function verify() {
  const [bundlePath, pubPath, pred, ...subs] = process.argv.slice(4);
  const { bundleFromJSON } = req('@sigstore/bundle');
  const { Verifier, toSignedEntity, toTrustMaterial } = req('@sigstore/verify');
  const json = JSON.parse(fs.readFileSync(bundlePath, 'utf8'));
  const bundle = bundleFromJSON(json);
  const key = crypto.createPublicKey(fs.readFileSync(pubPath));
  const spki = key.export({ format: 'der', type: 'spki' });
  const hint = crypto.createHash('sha256').update(spki).digest('hex');
  const trustedRoot = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [],
  };
  const keys = {
    [hint]: { rawBytes: spki, keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: new Date(0) } },
  };
  const verifier = new Verifier(toTrustMaterial(trustedRoot, keys), {
    tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0,
  });
  verifier.verify(toSignedEntity(bundle), {});
  const b64 = json.dsseEnvelope.payload.replace(/-/g, '+').replace(/_/g, '/');
  const st = JSON.parse(Buffer.from(b64, 'base64'));
  if (st._type !== 'https://in-toto.io/Statement/v1') throw new Error('not an in-toto Statement v1');
  if (st.predicateType !== pred) throw new Error('predicate type ' + st.predicateType);
  const want = subjects(subs);
  if (st.subject.length !== want.length) throw new Error('subjects: ' + JSON.stringify(st.subject));
  for (const w of want) {
    const s = st.subject.find((x) => x.name === w.name);
    if (!s || s.digest.sha256 !== w.digest.sha256) throw new Error('subject ' + w.name + ' is not as expected');
  }
  console.log('sigstore: verified');
}

(async () => {
  try {
    if (mode === 'sign') await sign();
    else verify();
  } catch (e) {
    console.log('sigstore: ' + (e && e.message ? e.message : String(e)));
    process.exit(1);
  }
})();
