# Runs pyspf (Debian python3-spf) against a DNS server on loopback, for the
# cross-check in pyspf_test.go. Usage: pyspf_check.py HOST PORT TIMEOUT
# Reads one JSON object per line {"ip","sender","helo"} on stdin and writes
# one JSON object per line {"result","explanation"}; the explanation is ""
# when pyspf used its built-in default.
import json
import sys

import dns.resolver
import spf

host, port, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
res = dns.resolver.Resolver(configure=False)
res.nameservers = [host]
res.port = port
res.lifetime = timeout
res.timeout = timeout
dns.resolver.default_resolver = res

defaults = set(spf.EXPLANATIONS.values())
for line in sys.stdin:
    case = json.loads(line)
    try:
        result, exp = spf.check2(i=case["ip"], s=case["sender"], h=case["helo"],
                                 timeout=timeout, querytime=0)
    except Exception as e:  # pyspf bug on hostile input: report, not crash
        result, exp = "exception", repr(e)
    if exp in defaults or result != "fail":
        exp = ""
    print(json.dumps({"result": result, "explanation": exp}), flush=True)
