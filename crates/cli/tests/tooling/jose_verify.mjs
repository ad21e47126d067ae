// Verifies a vc+jwt with `jose`, with the key the JWKS lists under the token's kid.
// stdin: {"token": "...", "jwks": {"keys": [...]}}
// stdout: {"header": {...}, "payload": {...}}; exit code 1 when it does not verify.
import {createLocalJWKSet, jwtVerify} from 'jose';
import {answer, readRequest, run} from './common.mjs';

run(async () => {
  const req = readRequest();
  const {payload, protectedHeader} = await jwtVerify(
    req.token, createLocalJWKSet(req.jwks), {algorithms: ['EdDSA'], typ: 'vc+jwt'});
  answer({header: protectedHeader, payload});
});
