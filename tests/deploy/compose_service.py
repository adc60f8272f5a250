#!/usr/bin/env python3
"""compose_service.py COMPOSE_FILE SERVICE — one service of compose.yaml as
bash assignments (for eval), the way compose would run it: the merged keys
(YAML anchors and <<), the environment as NAME=VALUE, the secrets as
NAME=HOST_FILE (mounted at /run/secrets/NAME), the health check as a
command line (CMD: its words; CMD-SHELL: /bin/sh -c), read_only, tmpfs,
cap_drop, cap_add and no-new-privileges. Used by tests/deploy/run.sh to
run the services' images with exactly these settings.
"""
import os
import shlex
import sys

import yaml


def arr(name, items):
    return "%s=(%s)" % (name, " ".join(shlex.quote(str(i)) for i in items))


def listify(v):
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def main():
    path, name = sys.argv[1], sys.argv[2]
    with open(path) as f:
        c = yaml.safe_load(f)
    s = c["services"][name]
    base = os.path.dirname(os.path.abspath(path))
    out = []
    env = s.get("environment") or {}
    if isinstance(env, dict):
        env = ["%s=%s" % (k, "" if v is None else v) for k, v in env.items()]
    out.append(arr("CS_ENV", env))
    secrets = []
    for sec in listify(s.get("secrets")):
        sname = sec if isinstance(sec, str) else sec["source"]
        f = c["secrets"][sname]["file"]
        secrets.append("%s=%s" % (sname, os.path.normpath(os.path.join(base, f))))
    out.append(arr("CS_SECRETS", secrets))
    hc = (s.get("healthcheck") or {}).get("test") or []
    if isinstance(hc, str):
        hc = ["CMD-SHELL", hc]
    if hc and hc[0] == "CMD":
        hc = hc[1:]
    elif hc and hc[0] == "CMD-SHELL":
        hc = ["/bin/sh", "-c", hc[1]]
    else:
        hc = []
    out.append(arr("CS_HEALTH", hc))
    out.append(arr("CS_COMMAND", listify(s.get("command"))))
    out.append("CS_READ_ONLY=%s" % ("1" if s.get("read_only") else ""))
    out.append(arr("CS_TMPFS", [t.split(":")[0] for t in listify(s.get("tmpfs"))]))
    out.append(arr("CS_CAP_DROP", [x.upper() for x in listify(s.get("cap_drop"))]))
    out.append(arr("CS_CAP_ADD", [x.upper() for x in listify(s.get("cap_add"))]))
    nnp = any(o.replace("=", ":") in ("no-new-privileges", "no-new-privileges:true")
              for o in listify(s.get("security_opt")))
    out.append("CS_NNP=%s" % ("1" if nnp else ""))
    print("\n".join(out))


main()
