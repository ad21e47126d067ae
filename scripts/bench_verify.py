"""Inputs and Python peers for scripts/bench-verify.sh.

  make DIR N     From DIR/template/ (a skillcert-issued token, document, QR text and status
                 lists), makes N independent credentials of each form signed by a key of this
                 script (Python `cryptography`; tokens through `joserfc`): DIR/tokens.txt,
                 DIR/documents.txt (one compact JSON document per line), DIR/qr.txt, the status
                 lists re-signed by the same key in DIR/lists/, DIR/trust.json naming the key,
                 DIR/jwk.json (its public JWK).
  joserfc DIR    Verifies DIR/tokens.txt with joserfc (one core); prints "<count> <seconds>".
  documents DIR  Verifies DIR/documents.txt with cryptography + rfc8785 (eddsa-jcs-2022, the
                 signature only); prints "<count> <seconds>".
"""
import base64
import copy
import json
import os
import sys
import time
import uuid
import warnings

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from joserfc import jwt
from joserfc.jwk import OKPKey

# base58 and the eddsa-jcs-2022 hash: the independent trust list signer's (tests/tooling).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "crates", "cli", "tests", "tooling"))
from trust_list import b58decode, b58encode, hash_data  # noqa: E402

warnings.simplefilter("ignore")  # joserfc: "EdDSA" is deprecated by RFC 9864
DOMAIN = b"skillcert-qr-v1\0"
# QR digits: chunk length in bytes -> decimal digits (docs/FORMAT.md section 2).
WIDTH = {1: 3, 2: 5, 3: 8, 4: 10, 5: 13, 6: 15, 7: 17, 8: 20, 9: 22, 10: 25, 11: 27, 12: 29}
BYTES = {w: n for n, w in WIDTH.items()}


def b64d(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))



def sign_document(key, doc: dict, vm: str, created: str) -> dict:
    doc = {k: v for k, v in doc.items() if k != "proof"}
    config = {"type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022", "created": created,
              "verificationMethod": vm, "proofPurpose": "assertionMethod"}
    if "@context" in doc:
        config["@context"] = doc["@context"]
    proof = dict(config)  # an eddsa-jcs-2022 proof keeps its @context
    proof["proofValue"] = "z" + b58encode(key.sign(hash_data(config, doc)))
    return {**doc, "proof": proof}


def qr_bytes(digits: str) -> bytes:
    out = b""
    full, rest = divmod(len(digits), 29)
    for i in range(full):
        out += int(digits[29 * i:29 * i + 29]).to_bytes(12, "big")
    if rest:
        out += int(digits[29 * full:]).to_bytes(BYTES[rest], "big")
    return out


def qr_digits(b: bytes) -> str:
    return "".join(str(int.from_bytes(b[i:i + 12], "big")).zfill(WIDTH[len(b[i:i + 12])])
                   for i in range(0, len(b), 12))


def make(d: str, n: int) -> None:
    t = os.path.join(d, "template")
    key = Ed25519PrivateKey.generate()
    raw_pub = key.public_key().public_bytes_raw()
    doc = json.load(open(os.path.join(t, "document.json")))
    issuer = doc["issuer"]["id"] if isinstance(doc["issuer"], dict) else doc["issuer"]
    vm = doc["proof"][0]["verificationMethod"] if isinstance(doc["proof"], list) else doc["proof"]["verificationMethod"]
    created = doc["validFrom"]
    # Status lists, re-signed by this key.
    os.makedirs(os.path.join(d, "lists"), exist_ok=True)
    for name in os.listdir(os.path.join(t, "lists")):
        lst = json.load(open(os.path.join(t, "lists", name)))
        lst_vm = lst["proof"]["verificationMethod"] if isinstance(lst["proof"], dict) else vm
        with open(os.path.join(d, "lists", name), "w") as f:
            json.dump(sign_document(key, lst, lst_vm, lst.get("validFrom", created)), f)
    trust = {"type": "SkillcertTrustList", "version": 1, "issuers": [{
        "id": issuer, "name": "benchmark issuer (Python key)",
        "keys": [{"id": vm, "type": "Multikey", "publicKeyMultibase": "z" + b58encode(b"\xed\x01" + raw_pub),
                  "validFrom": None, "validUntil": None, "compromisedFrom": None}]}]}
    json.dump(trust, open(os.path.join(d, "trust.json"), "w"))
    jwk = OKPKey.import_key(key)
    json.dump(jwk.as_dict(private=False), open(os.path.join(d, "jwk.json"), "w"))
    token = open(os.path.join(t, "token.txt")).read().strip()
    header = json.loads(b64d(token.split(".")[0]))
    payload = json.loads(b64d(token.split(".")[1]))
    unsecured = {k: v for k, v in doc.items() if k != "proof"}
    qr = open(os.path.join(t, "qr.txt")).read().strip()
    prefix, digits = qr[:qr.rindex("/V/") + 3], qr[qr.rindex("/V/") + 3:]
    body = qr_bytes(digits)[:-64]
    with open(os.path.join(d, "tokens.txt"), "w") as ft, \
         open(os.path.join(d, "documents.txt"), "w") as fd, \
         open(os.path.join(d, "qr.txt"), "w") as fq:
        for _ in range(n):
            u = uuid.uuid4()
            urn = f"urn:uuid:{u}"
            p = dict(payload, id=urn, jti=urn)
            ft.write(jwt.encode(header, p, jwk, algorithms=["EdDSA"]) + "\n")
            dd = copy.copy(unsecured)
            dd["id"] = urn
            fd.write(json.dumps(sign_document(key, dd, vm, created), ensure_ascii=False,
                                separators=(",", ":")) + "\n")
            b = body[:2] + u.bytes + body[18:]
            fq.write(prefix + qr_digits(b + key.sign(DOMAIN + b)) + "\n")


def peer_joserfc(d: str) -> None:
    key = OKPKey.import_key(json.load(open(os.path.join(d, "jwk.json"))))
    tokens = [line.strip() for line in open(os.path.join(d, "tokens.txt"))]
    start = time.perf_counter()
    for tok in tokens:
        t = jwt.decode(tok, key, algorithms=["EdDSA"])
        jwt.JWTClaimsRegistry().validate(t.claims)
    print(len(tokens), time.perf_counter() - start)


def peer_documents(d: str) -> None:
    trust = json.load(open(os.path.join(d, "trust.json")))
    raw = b58decode(trust["issuers"][0]["keys"][0]["publicKeyMultibase"][1:])[2:]
    pub = Ed25519PublicKey.from_public_bytes(raw)
    lines = [line for line in open(os.path.join(d, "documents.txt"))]
    start = time.perf_counter()
    for line in lines:
        doc = json.loads(line)
        proof = doc.pop("proof")
        config = {k: v for k, v in proof.items() if k != "proofValue"}
        pub.verify(b58decode(proof["proofValue"][1:]), hash_data(config, doc))
    print(len(lines), time.perf_counter() - start)


if __name__ == "__main__":
    {"make": lambda: make(sys.argv[2], int(sys.argv[3])),
     "joserfc": lambda: peer_joserfc(sys.argv[2]),
     "documents": lambda: peer_documents(sys.argv[2])}[sys.argv[1]]()
