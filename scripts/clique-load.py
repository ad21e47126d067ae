#!/usr/bin/env python3
"""Issue 27, finding 9: ordinary verifications while hostile JSON-LD documents (a clique of
look-alike blank nodes, signed with a forged eddsa-rdfc-2022 proof) are verified at once.

Starts `skillcert serve` on a fresh data dir (the demo issuer), measures the latency of POST
/api/v1/verify with one of the demo tokens alone, then again while HOSTILE threads post clique
documents without pause, and prints p50/p99 of both and their ratio, and how long the hostile
requests took. A measurement, not a test (timed assertions do not belong in tests).

    scripts/clique-load.py [path/to/skillcert] [HOSTILE] [NODES] [control]

With `control`, the hostile threads send as many bytes of junk instead (refused at once): what
the load generator itself costs the ordinary requests on the same machine.
"""
import json
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

BIN = sys.argv[1] if len(sys.argv) > 1 else "target/release/skillcert"
HOSTILE = int(sys.argv[2]) if len(sys.argv) > 2 else 8
NODES = int(sys.argv[3]) if len(sys.argv) > 3 else 60
CONTROL = len(sys.argv) > 4 and sys.argv[4] == "control"
SAMPLES = 400


def clique(n):
    nodes = [
        {"@id": f"_:n{i}", "https://example.com/p": [{"@id": f"_:n{j}"} for j in range(n) if j != i]}
        for i in range(n)
    ]
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:1",
        "credentialSubject": {"https://example.com/graph": nodes},
        "proof": {
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-rdfc-2022",
            "verificationMethod": "did:example:1#key-1",
            "proofPurpose": "assertionMethod",
            "proofValue": "z" + "1" * 86,
        },
    }


def post(url, body, ctype):
    req = urllib.request.Request(url, data=body, headers={"content-type": ctype}, method="POST")
    t = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            r.read()
    except urllib.error.HTTPError as e:
        e.read()
    return time.perf_counter() - t


def percentiles(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] * 1e3, xs[int(len(xs) * 0.99)] * 1e3


def main():
    data = tempfile.mkdtemp()
    srv = subprocess.Popen(
        [BIN, "--json", "--data-dir", data, "serve", "--addr", "127.0.0.1:0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    first = json.loads(srv.stdout.readline())
    url = first["url"] + "/api/v1/verify"
    token = open(first["demo"][0]["files"]["token"], "rb").read()
    for _ in range(50):
        post(url, token, "text/plain")
    alone = [post(url, token, "text/plain") for _ in range(SAMPLES)]
    hostile_doc = json.dumps(clique(NODES)).encode()
    hostile_type = "application/json"
    if CONTROL:
        hostile_doc, hostile_type = b"x" * len(hostile_doc), "text/plain"
    stop = threading.Event()
    hostile_times = []

    def attack():
        while not stop.is_set():
            hostile_times.append(post(url, hostile_doc, hostile_type))

    threads = [threading.Thread(target=attack) for _ in range(HOSTILE)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    loaded = [post(url, token, "text/plain") for _ in range(SAMPLES)]
    stop.set()
    for t in threads:
        t.join()
    srv.terminate()
    srv.wait()
    a50, a99 = percentiles(alone)
    l50, l99 = percentiles(loaded)
    h50, h99 = percentiles(hostile_times)
    what = "junk (control)" if CONTROL else f"clique of {NODES}"
    print(f"hostile: {HOSTILE} threads, {what} ({len(hostile_doc)} bytes), "
          f"{len(hostile_times)} requests, p50 {h50:.1f} ms, p99 {h99:.1f} ms")
    print(f"ordinary token verify alone:  p50 {a50:.2f} ms, p99 {a99:.2f} ms")
    print(f"ordinary token verify loaded: p50 {l50:.2f} ms, p99 {l99:.2f} ms "
          f"(p99 ratio {l99 / a99:.2f}x)")


if __name__ == "__main__":
    main()
