// Verifies a skillcert document with Digital Bazaar's libraries (@digitalbazaar/vc, data-integrity,
// eddsa-rdfc-2022 and eddsa-jcs-2022 cryptosuites), offline: the document loader serves the
// contexts bundled in skillcert (src/rdfc/contexts) and the issuer's DID document built from the
// input; any other URL is refused.
// Usage: node verify_di.mjs INPUT.json  (INPUT: {document, issuer, verificationMethod, publicKeyMultibase})
// Prints one JSON line: {"rdfc": bool, "jcs": bool, "both": bool, "errors": [...]}.
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as rdfcSuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {createVerifyCryptosuite} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
const jcsSuite = createVerifyCryptosuite();

const here = path.dirname(fileURLToPath(import.meta.url));
const ctxDir = path.join(here, '../../../canon/src/rdfc/contexts');
const input = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const contexts = {
  'https://www.w3.org/ns/credentials/v2': 'credentials-v2.jsonld',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json': 'ob-context-3.0.3.jsonld',
  'https://www.w3.org/ns/credentials/examples/v2': 'credentials-examples-v2.jsonld',
};
const MULTIKEY_V1 = 'https://w3id.org/security/multikey/v1';
const DID_V1 = 'https://www.w3.org/ns/did/v1';
const vm = {
  '@context': MULTIKEY_V1,
  id: input.verificationMethod,
  type: 'Multikey',
  controller: input.issuer,
  publicKeyMultibase: input.publicKeyMultibase,
};
const controller = {
  '@context': [DID_V1, MULTIKEY_V1],
  id: input.issuer,
  verificationMethod: [vm],
  assertionMethod: [input.verificationMethod],
};
// Minimal term definitions for the two contexts of the issuer's DID document (framing only).
const minimal = {
  [MULTIKEY_V1]: {'@context': {'@protected': true, id: '@id', type: '@type',
    Multikey: {'@id': 'https://w3id.org/security#Multikey', '@context': {'@protected': true,
      id: '@id', type: '@type',
      controller: {'@id': 'https://w3id.org/security#controller', '@type': '@id'},
      publicKeyMultibase: {'@id': 'https://w3id.org/security#publicKeyMultibase',
        '@type': 'https://w3id.org/security#multibase'}}}}},
  [DID_V1]: {'@context': {'@protected': true, id: '@id', type: '@type',
    verificationMethod: {'@id': 'https://w3id.org/security#verificationMethod', '@type': '@id'},
    assertionMethod: {'@id': 'https://w3id.org/security#assertionMethod', '@type': '@id',
      '@container': '@set'}}},
};
async function documentLoader(url) {
  if (contexts[url]) {
    const document = JSON.parse(fs.readFileSync(path.join(ctxDir, contexts[url]), 'utf8'));
    return {contextUrl: null, documentUrl: url, document};
  }
  if (minimal[url]) return {contextUrl: null, documentUrl: url, document: minimal[url]};
  if (url === input.verificationMethod) return {contextUrl: null, documentUrl: url, document: vm};
  if (url === input.issuer) return {contextUrl: null, documentUrl: url, document: controller};
  throw new Error(`refused to load ${url} (offline loader)`);
}

const errors = [];
async function check(suites, name) {
  try {
    const suite = suites.map(cryptosuite => new DataIntegrityProof({cryptosuite}));
    // Status lists are not this test's subject: the status check answers "not revoked".
    const checkStatus = async () => ({verified: true});
    const r = await vc.verifyCredential({credential: input.document, suite, documentLoader, checkStatus});
    if (!r.verified) errors.push({[name]: String(r.error && (r.error.errors || [r.error]).map(e => e.message))});
    return r.verified === true;
  } catch (e) {
    errors.push({[name]: String(e && e.message)});
    return false;
  }
}
const rdfc = await check([rdfcSuite], 'rdfc');
const jcs = await check([jcsSuite], 'jcs');
const both = await check([rdfcSuite, jcsSuite], 'both');
console.log(JSON.stringify({rdfc, jcs, both, errors}));
