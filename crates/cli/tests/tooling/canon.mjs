// Canonical N-Quads (RDFC-1.0) of JSON-LD documents by jsonld.js (Digital Bazaar), in safe mode,
// offline: only skillcert's bundled contexts (src/rdfc/contexts) are served.
// Usage: node canon.mjs DOCS.json  (an array of documents). Prints a JSON array: for each
// document its canonical N-Quads, or {"error": message}.
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import jsonld from 'jsonld';

const here = path.dirname(fileURLToPath(import.meta.url));
const ctxDir = path.join(here, '../../../canon/src/rdfc/contexts');
const contexts = {
  'https://www.w3.org/ns/credentials/v2': 'credentials-v2.jsonld',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json': 'ob-context-3.0.3.jsonld',
  'https://www.w3.org/ns/credentials/examples/v2': 'credentials-examples-v2.jsonld',
  'https://w3id.org/citizenship/v4rc1': 'citizenship-v4rc1.jsonld',
};
async function documentLoader(url) {
  if (!contexts[url]) throw new Error(`refused to load ${url} (offline loader)`);
  const document = JSON.parse(fs.readFileSync(path.join(ctxDir, contexts[url]), 'utf8'));
  return {contextUrl: null, documentUrl: url, document};
}
const docs = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const out = [];
for (const doc of docs) {
  try {
    out.push(await jsonld.canonize(doc, {
      algorithm: 'RDFC-1.0', format: 'application/n-quads', safe: true, documentLoader,
    }));
  } catch (e) {
    out.push({error: String(e && e.message)});
  }
}
console.log(JSON.stringify(out));
