// Verifies a credential's eddsa-jcs-2022 proof with Digital Bazaar's @digitalbazaar/vc and
// eddsa-jcs-2022-cryptosuite; contexts and the issuer's DID document from memory (no network).
// stdin: {"document": {...}, "didDocuments": [...], "obContextPath": "..."}
// stdout: {"verified": true|false, ...}; exit code 1 unless verified.
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {createVerifyCryptosuite} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import {answer, makeLoader, readRequest, run} from './common.mjs';

run(async () => {
  const req = readRequest();
  const suite = new DataIntegrityProof({cryptosuite: createVerifyCryptosuite()});
  const result = await vc.verifyCredential({
    credential: req.document,
    suite,
    documentLoader: makeLoader(req),
    // Status is the verifier's business, not the proof's: these tests check the proof.
    checkStatus: async () => ({verified: true})
  });
  answer({
    verified: result.verified,
    errors: (result.results ?? []).map(r => String(r.error ?? '')).filter(Boolean),
    error: result.error ? String(result.error) : undefined
  });
  if(!result.verified) process.exit(1);
});
