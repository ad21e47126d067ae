"""Makes the hostile variants of tests/hostile_contexts.rs from one issued document:
python3 make_hostile.py ISSUED.credential.json OUT.tsv (lines: name TAB compact JSON); the
names are then prefixed with the verdict `skillcert verify --batch` of the release before
gives each (verified with --trust trust.json and the status lists, no issuer database)."""
import copy, json, sys
src, out = sys.argv[1], sys.argv[2]
doc = json.load(open(src))
V2 = "https://www.w3.org/ns/credentials/v2"
OB = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"

def m(f):
    d = copy.deepcopy(doc); f(d); return d

def ctx(c):
    return lambda d: d.__setitem__("@context", c)

def sub(k, v):
    return lambda d: d["credentialSubject"].__setitem__(k, v)

def nest(depth):
    def f(d):
        x = {"name": "deep"}
        for _ in range(depth):
            x = {"type": "Achievement", "name": "n", "achievement": x}
        d["credentialSubject"]["achievement"] = x
    return f

def blanks(n):
    return lambda d: d["credentialSubject"].__setitem__("result", [{"type": "Result", "value": str(i)} for i in range(n)])

cases = {
    "as_issued": lambda d: None,
    "key_order_changed": lambda d: d.update(dict(reversed(list(d.items())))),
    "unbundled_context_appended": ctx([V2, OB, "https://example.com/contexts/extra.jsonld"]),
    "remote_context_instead_of_ob": ctx([V2, "https://evil.example/ob/context.json"]),
    "context_as_http_url": ctx(["http://www.w3.org/ns/credentials/v2", OB]),
    "contexts_swapped": ctx([OB, V2]),
    "ob_context_missing": ctx([V2]),
    "context_as_string": ctx(V2),
    "inline_context_new_term": lambda d: (d.__setitem__("@context", [V2, OB, {"extra": "https://example.com/extra"}]), d.__setitem__("extra", "x")),
    "inline_context_unused_term": ctx([V2, OB, {"unused": "https://example.com/unused"}]),
    "inline_redefines_protected_name": ctx([V2, OB, {"name": "https://evil.example/name"}]),
    "inline_redefines_protected_identically": ctx([V2, OB, {"id": "@id"}]),
    "inline_unprotects_then_redefines": ctx([V2, OB, {"@protected": False, "name": "https://evil.example/name"}]),
    "inline_vocab_catches_undefined": lambda d: (d.__setitem__("@context", [V2, OB, {"@vocab": "https://evil.example/#"}]), d.__setitem__("notInAnyContext", "x")),
    "nested_context_redefines_protected": sub("@context", {"name": "https://evil.example/name"}),
    "nested_context_null": sub("@context", None),
    "nested_context_remote": sub("@context", "https://evil.example/ctx.json"),
    "nested_context_bundled_again": sub("@context", OB),
    "altered_type_scoped_context": lambda d: d["type"].append("EndorsementCredential"),
    "undefined_property": sub("favouriteColour", "blue"),
    "at_index_added": sub("@index", "x"),
    "blank_node_label": sub("id", "_:holder"),
    "deep_nesting_70": nest(70),
    "seven_hundred_results": blanks(700),
    "context_import": ctx([V2, OB, {"@import": "https://evil.example/ctx.json"}]),
    "context_version_1_0": ctx([V2, OB, {"@version": 1.0}]),
}
lines = []
for name, f in cases.items():
    d = m(f)
    lines.append((name, d))
    if isinstance(d.get("proof"), list):
        r = copy.deepcopy(d)
        r["proof"] = [p for p in r["proof"] if p["cryptosuite"] == "eddsa-rdfc-2022"][0]
        lines.append((name + "_rdfc_only", r))
with open(out, "w") as f:
    for name, d in lines:
        f.write(name + "\t" + json.dumps(d, ensure_ascii=False, separators=(",", ":")) + "\n")
print(len(lines))
