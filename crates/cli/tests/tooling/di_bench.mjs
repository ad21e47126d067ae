// The independent peer of scripts/bench-verify.sh for Data Integrity documents: Digital Bazaar's
// @digitalbazaar/vc with data-integrity and the eddsa-rdfc-2022 (and eddsa-jcs-2022)
// cryptosuites, one core, contexts and the issuer's key from memory (no network).
//
//   node di_bench.mjs verify DOCS.txt TRUST.json OB_CONTEXT [rdfc|set]
//     Verifies every document of DOCS.txt (one JSON document a line) and prints
//     "<count> <seconds> <cpu seconds>" of the verification loop (wall time, and the process's
//     user + system time, which a loaded machine changes less); exits 1 if any is not verified.
//     The issuer's keys come from TRUST.json (a skillcert trust list). `set` (the default)
//     verifies a proof set of eddsa-jcs-2022 + eddsa-rdfc-2022, `rdfc` an RDFC proof alone.
//   node di_bench.mjs sign TEMPLATE.json OUT.txt N OB_CONTEXT KEYID
//     Signs N copies of TEMPLATE.json (its proof removed; each copy its own `id`) with an
//     eddsa-rdfc-2022 proof by a key it generates, as verification method KEYID (which must
//     belong to the template's issuer), writes them a line each to OUT.txt and prints that
//     key's publicKeyMultibase (for the trust list).
import {readFileSync, writeFileSync} from 'node:fs';
import {randomUUID} from 'node:crypto';
import * as vc from '@digitalbazaar/vc';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import * as rdfc from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as jcs from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import {makeLoader} from './common.mjs';

// The DID documents of a skillcert trust list: every issuer with its keys as Multikeys.
function didDocuments(trust) {
  return trust.issuers.map(i => ({
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: i.id,
    verificationMethod: i.keys.map(k => ({
      id: k.id, type: 'Multikey', controller: i.id, publicKeyMultibase: k.publicKeyMultibase
    })),
    assertionMethod: i.keys.map(k => k.id)
  }));
}

async function verify([docsPath, trustPath, obContextPath, form = 'set']) {
  const docs = readFileSync(docsPath, 'utf8').split('\n').filter(Boolean);
  const trust = JSON.parse(readFileSync(trustPath, 'utf8'));
  const documentLoader = makeLoader({obContextPath, didDocuments: didDocuments(trust)});
  const suites = [new DataIntegrityProof({cryptosuite: rdfc.cryptosuite})];
  if(form === 'set') {
    suites.push(new DataIntegrityProof({cryptosuite: jcs.createVerifyCryptosuite()}));
  }
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  for(const line of docs) {
    // Parsing is part of verifying a document, as it is for `skillcert verify --batch`.
    const credential = JSON.parse(line);
    const result = await vc.verifyCredential({
      credential, suite: suites, documentLoader,
      // Status is checked by skillcert against the lists given; here only the proofs.
      checkStatus: async () => ({verified: true})
    });
    const proofs = result.results ?? [];
    const wanted = form === 'set' ? 2 : 1;
    if(!result.verified || proofs.filter(r => r.verified).length !== wanted) {
      throw new Error(`not verified: ${result.error ?? JSON.stringify(proofs.map(r => r.error))}`);
    }
  }
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  console.log(`${docs.length} ${secs} ${(used.user + used.system) / 1e6}`);
}

async function sign([templatePath, outPath, n, obContextPath, keyId]) {
  const template = JSON.parse(readFileSync(templatePath, 'utf8'));
  delete template.proof;
  const issuer = typeof template.issuer === 'string' ? template.issuer : template.issuer.id;
  const key = await Ed25519Multikey.generate({controller: issuer, id: keyId});
  const didDocument = {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: issuer,
    verificationMethod: [await key.export({publicKey: true})],
    assertionMethod: [keyId]
  };
  const documentLoader = makeLoader({obContextPath, didDocuments: [didDocument]});
  const suite = new DataIntegrityProof({
    signer: key.signer(), cryptosuite: rdfc.cryptosuite, date: template.validFrom
  });
  const lines = [];
  for(let i = 0; i < Number(n); i++) {
    const credential = {...structuredClone(template), id: `urn:uuid:${randomUUID()}`};
    lines.push(JSON.stringify(await vc.issue({credential, suite, documentLoader})));
  }
  writeFileSync(outPath, lines.join('\n') + '\n');
  console.log(key.publicKeyMultibase);
}

const [mode, ...args] = process.argv.slice(2);
const modes = {verify, sign};
if(!modes[mode]) {
  process.stderr.write('usage: di_bench.mjs verify|sign ...\n');
  process.exit(2);
}
modes[mode](args).catch(e => {
  process.stderr.write(`${e?.stack ?? e}\n`);
  process.exit(1);
});
