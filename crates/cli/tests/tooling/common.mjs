// Shared helpers of the interop scripts: read the JSON request on stdin, print the JSON answer,
// and a document loader that never touches the network (contexts and DID documents from memory).
import {readFileSync} from 'node:fs';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {contexts as vcContexts} from '@digitalbazaar/credentials-context';

export const OB_CONTEXT = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json';

export function readRequest() {
  return JSON.parse(readFileSync(0, 'utf8'));
}

export function answer(value) {
  process.stdout.write(JSON.stringify(value) + '\n');
}

// Run `main`, printing any error on stderr with exit code 1.
export function run(main) {
  main().catch(e => {
    process.stderr.write(`${e?.stack ?? e}\n${JSON.stringify(e?.details ?? e, null, 1)}\n`);
    process.exit(1);
  });
}

// A document loader for: the VC 2.0 contexts, the OB 3.0 context (read from `obContextPath`),
// the given DID documents (by DID and by verification method id), and did:key (derived from the
// key itself). Anything else is refused: no network.
export function makeLoader({obContextPath, didDocuments = []}) {
  const docs = new Map(vcContexts);
  docs.set(OB_CONTEXT, JSON.parse(readFileSync(obContextPath, 'utf8')));
  for(const d of didDocuments) {
    docs.set(d.id, d);
    for(const vm of d.verificationMethod ?? []) {
      docs.set(vm.id, {'@context': 'https://w3id.org/security/multikey/v1', ...vm});
    }
  }
  return async url => {
    if(docs.has(url)) {
      return {contextUrl: null, documentUrl: url, document: docs.get(url)};
    }
    if(url.startsWith('did:key:')) {
      const did = url.split('#')[0];
      const mb = did.slice('did:key:'.length);
      const key = await Ed25519Multikey.from({
        publicKeyMultibase: mb, controller: did, id: `${did}#${mb}`
      });
      const vm = await key.export({publicKey: true, includeContext: true});
      const document = url.includes('#') ? vm : {
        '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
        id: did, verificationMethod: [vm], assertionMethod: [vm.id]
      };
      return {contextUrl: null, documentUrl: url, document};
    }
    throw new Error(`document loader: ${url} is not known locally (no network loading)`);
  };
}
