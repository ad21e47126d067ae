"""Signs and verifies vc+jwt tokens with Python's joserfc (an independent JOSE library).

  python3 joserfc_interop.py sign    stdin {"payload": {...}, "kid": "...", "iat"?, "nbf"?, "exp"?}
                                     stdout {"token": "...", "publicJwk": {...}}
  python3 joserfc_interop.py verify  stdin {"token": "...", "jwks": {"keys": [...]}}
                                     stdout {"header": {...}, "payload": {...}}; exit 1 if bad
"""

import json
import sys
import warnings

from joserfc import jwt
from joserfc.jwk import KeySet, OKPKey

ALGS = ["EdDSA"]
# joserfc warns that "EdDSA" is deprecated by RFC 9864 (in favour of "Ed25519"); VC-JOSE-COSE
# tokens and the JOSE libraries in use still write "EdDSA", which is what is tested here.
warnings.simplefilter("ignore")


def sign(req):
    key = OKPKey.generate_key("Ed25519")
    claims = dict(req["payload"])
    for c in ("iat", "nbf", "exp"):
        if c in req:
            claims[c] = req[c]
    header = {"alg": "EdDSA", "typ": "vc+jwt", "kid": req["kid"]}
    token = jwt.encode(header, claims, key, algorithms=ALGS)
    return {"token": token, "publicJwk": key.as_dict(private=False)}


def verify(req):
    keys = KeySet.import_key_set(req["jwks"])
    tok = jwt.decode(req["token"], keys, algorithms=ALGS)
    if tok.header.get("typ") != "vc+jwt":
        raise ValueError(f"typ is {tok.header.get('typ')!r}, not vc+jwt")
    jwt.JWTClaimsRegistry().validate(tok.claims)  # exp, nbf, iat against the clock
    return {"header": tok.header, "payload": tok.claims}


def main():
    req = json.load(sys.stdin)
    out = {"sign": sign, "verify": verify}[sys.argv[1]](req)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
