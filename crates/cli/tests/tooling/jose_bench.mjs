// Verifies every token of a file with `jose` (one core) and prints "<count> <seconds>", timing
// only the verification loop: node jose_bench.mjs TOKENS.txt JWK.json (scripts/bench-verify.sh).
import {readFileSync} from 'node:fs';
import {importJWK, jwtVerify} from 'jose';

const tokens = readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean);
const key = await importJWK(JSON.parse(readFileSync(process.argv[3], 'utf8')), 'EdDSA');
const start = process.hrtime.bigint();
for(const t of tokens) {
  await jwtVerify(t, key, {algorithms: ['EdDSA'], typ: 'vc+jwt'});
}
const secs = Number(process.hrtime.bigint() - start) / 1e9;
console.log(`${tokens.length} ${secs}`);
