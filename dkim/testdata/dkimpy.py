# Interop helper for interop_test.go (dkimpy, Debian python3-dkim).
# Reads a JSON list of jobs on stdin and writes a JSON list of answers:
#   {"op": "verify", "msg": M, "record": R}             -> "pass" or "fail"
#   {"op": "sign", "msg": M, "algo": A, "canon": "h/b", "key": K} -> the field
# Messages, records and keys are strings (latin-1 mapped to bytes).
import json
import sys

import dkim


def b(s):
    return s.encode("latin-1")


def run(job):
    msg = b(job["msg"])
    if job["op"] == "verify":
        record = b(job["record"])
        ok = dkim.verify(msg, dnsfunc=lambda name, timeout=5: record, minkey=1024)
        return "pass" if ok else "fail"
    hc, bc = job["canon"].split("/")
    sig = dkim.sign(msg, b"py", b"example.org", b(job["key"]),
                    canonicalize=(b(hc), b(bc)),
                    signature_algorithm=b(job["algo"]),
                    include_headers=[b"from", b"to", b"subject", b"date"])
    return sig.decode("latin-1")


jobs = json.load(sys.stdin)
json.dump([run(j) for j in jobs], sys.stdout)
