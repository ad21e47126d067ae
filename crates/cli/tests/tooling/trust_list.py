"""An independent signer and verifier of skillcert scheme trust lists (PRODUCT.md, "Schemes and
accreditation"), written from the format alone with Python `cryptography` and `rfc8785`:

    sign:   {"list": {...unsigned list...}, "seed_hex": "...", "verification_method": "...",
             "created": "2026-12-01T00:00:00Z"}  ->  the signed list
    verify: {"list": {...signed list...}, "public_key_multibase": "z6Mk..."}
            ->  {"verified": true|false, "reason": "..."}

eddsa-jcs-2022: proofConfig = the proof without proofValue (no @context: the list has none);
hashData = SHA-256(JCS(proofConfig)) || SHA-256(JCS(list without proof)); the signature is
Ed25519 over hashData; proofValue = "z" + base58btc(signature).
"""
import hashlib
import json
import sys

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives import serialization

B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58encode(b: bytes) -> str:
    n = int.from_bytes(b, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = B58[r] + out
    return "1" * (len(b) - len(b.lstrip(b"\0"))) + out


def b58decode(s: str) -> bytes:
    n = 0
    for c in s:
        n = n * 58 + B58.index(c)
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * (len(s) - len(s.lstrip("1"))) + body


def hash_data(config: dict, doc: dict) -> bytes:
    return hashlib.sha256(rfc8785.dumps(config)).digest() + hashlib.sha256(
        rfc8785.dumps(doc)
    ).digest()


def sign(req: dict) -> dict:
    doc = req["list"]
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(req["seed_hex"]))
    config = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "created": req["created"],
        "verificationMethod": req["verification_method"],
        "proofPurpose": "assertionMethod",
    }
    sig = key.sign(hash_data(config, doc))
    signed = dict(doc)
    signed["proof"] = dict(config, proofValue="z" + b58encode(sig))
    return signed


def public_multibase(seed_hex: str) -> str:
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(seed_hex))
    raw = key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return "z" + b58encode(b"\xed\x01" + raw)


def verify(req: dict) -> dict:
    signed = dict(req["list"])
    proof = signed.pop("proof", None)
    if not isinstance(proof, dict):
        return {"verified": False, "reason": "no proof"}
    if proof.get("cryptosuite") != "eddsa-jcs-2022" or "@context" in proof:
        return {"verified": False, "reason": "not an eddsa-jcs-2022 proof without @context"}
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    mb = req["public_key_multibase"]
    raw = b58decode(mb[1:])
    if raw[:2] != b"\xed\x01" or len(raw) != 34:
        return {"verified": False, "reason": "not an Ed25519 multikey"}
    key = Ed25519PublicKey.from_public_bytes(raw[2:])
    try:
        key.verify(b58decode(proof["proofValue"][1:]), hash_data(config, signed))
    except InvalidSignature:
        return {"verified": False, "reason": "signature does not verify"}
    return {"verified": True, "reason": "ok"}


if __name__ == "__main__":
    request = json.load(sys.stdin)
    command = sys.argv[1]
    if command == "sign":
        answer = sign(request)
    elif command == "verify":
        answer = verify(request)
    elif command == "public":
        answer = {"public_key_multibase": public_multibase(request["seed_hex"])}
    else:
        sys.exit(f"unknown command {command}")
    json.dump(answer, sys.stdout, ensure_ascii=False)
