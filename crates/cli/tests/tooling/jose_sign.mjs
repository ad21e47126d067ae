// Signs a credential as a vc+jwt with `jose` (EdDSA, a key it generates itself).
// stdin: {"payload": {...credential}, "kid": "...", "iat": n?, "nbf": n?, "exp": n?}
// stdout: {"token": "...", "publicJwk": {...}}
import {exportJWK, generateKeyPair, SignJWT} from 'jose';
import {answer, readRequest, run} from './common.mjs';

run(async () => {
  const req = readRequest();
  const {publicKey, privateKey} = await generateKeyPair('EdDSA', {crv: 'Ed25519'});
  const jwt = new SignJWT(req.payload)
    .setProtectedHeader({alg: 'EdDSA', typ: 'vc+jwt', kid: req.kid});
  if(req.iat !== undefined) jwt.setIssuedAt(req.iat);
  if(req.nbf !== undefined) jwt.setNotBefore(req.nbf);
  if(req.exp !== undefined) jwt.setExpirationTime(req.exp);
  const token = await jwt.sign(privateKey);
  answer({token, publicJwk: await exportJWK(publicKey)});
});
