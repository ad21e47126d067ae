// Signs a credential with an eddsa-jcs-2022 Data Integrity proof made by Digital Bazaar's
// @digitalbazaar/vc + data-integrity + eddsa-jcs-2022-cryptosuite, as a did:key issuer whose
// key it generates itself. The request's credential gets `issuer.id` = that did:key.
// stdin: {"credential": {...}, "created": true|false, "obContextPath": "..."}
// stdout: {"document": {...}, "issuer": "did:key:...", "verificationMethod": "...",
//          "publicKeyMultibase": "z6Mk..."}
import * as vc from '@digitalbazaar/vc';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {createSignCryptosuite} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import {answer, makeLoader, readRequest, run} from './common.mjs';

run(async () => {
  const req = readRequest();
  const key = await Ed25519Multikey.generate();
  const did = `did:key:${key.publicKeyMultibase}`;
  key.controller = did;
  key.id = `${did}#${key.publicKeyMultibase}`;
  const credential = structuredClone(req.credential);
  credential.issuer = {...(credential.issuer ?? {}), id: did};
  const suite = new DataIntegrityProof({
    signer: key.signer(),
    cryptosuite: createSignCryptosuite(),
    ...(req.created ? {} : {date: null})
  });
  const document = await vc.issue({
    credential, suite, documentLoader: makeLoader(req)
  });
  answer({
    document, issuer: did, verificationMethod: key.id,
    publicKeyMultibase: key.publicKeyMultibase
  });
});
