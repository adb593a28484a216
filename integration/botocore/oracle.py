"""The botocore oracle of the differential test (integration/botocore_diff_test.go).

Run as /usr/bin/python3 oracle.py. It reads one JSON batch on stdin:

    [{"id": "...", "files": {"relative/path": "<base64>"}, "env": {"K": "V"},
      "profiles": ["a", "b"], "all": true}, ...]

and writes one JSON list on stdout, one entry per case:

    {"id": "...", "profiles": {"a": RESULT, ...}, "error": "..." (listing failed)}

For each case it writes the files under a fresh temporary HOME, replaces
"@HOME@" in the env values with that directory, clears every other AWS_*
variable, and resolves each profile (the given ones, plus every profile
botocore lists when "all" is true) with botocore.session.Session(profile=P),
the way the AWS CLI does with --profile P. STS never sees the network: a
before-send handler records each STS request and answers with canned XML
whose issued access key is unique per call (ASIAORACLE0000000001, ...), so a
chain shows which key signed which call. The assume-role provider's MFA
prompter returns 123456. RESULT is

    {"error": "ClassName: short message"}
    {"none": true}                       botocore found no credentials
    {"calls": [CALL...], "final_key": "...", "method": "...",
     "sources": [{"method": "...", "key": "..."}]}

where CALL is {"action", "host", "region", "key", "params"}: the URL host,
the signing region and access key id from the Authorization header's
Credential scope, and the form parameters without TokenCode's value (only
its presence: "TokenCode": "set"). sources lists the credentials each
AssumeRole level was given to start from (static keys, credential_process,
environment, or another role), innermost first.

It never prints secret values: the canned secrets are fake and fixed, and
the MFA code is replaced by "set".
"""

import awscli  # noqa: F401  (first: the AWS CLI v2's own botocore)

import base64
import datetime
import json
import os
import re
import sys
import tempfile
import urllib.parse

import botocore
import botocore.awsrequest
import botocore.credentials
import botocore.session

MFA_CODE = "123456"
KEEP_ENV = ("PATH", "LANG", "LC_ALL", "TZ", "SYSTEMROOT")

XML = """<?xml version="1.0" encoding="UTF-8"?>
<{action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <{action}Result>
    <Credentials>
      <AccessKeyId>{key}</AccessKeyId>
      <SecretAccessKey>oracle-secret-{n}</SecretAccessKey>
      <SessionToken>oracle-token-{n}</SessionToken>
      <Expiration>{exp}</Expiration>
    </Credentials>{extra}
  </{action}Result>
  <ResponseMetadata><RequestId>00000000-0000-0000-0000-{n:012d}</RequestId></ResponseMetadata>
</{action}Response>
"""

CRED_RE = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")


class Raw:
    def __init__(self, body):
        self._body = body

    def stream(self, **kwargs):
        yield self._body


class Recorder:
    """Records STS requests of one resolution and answers them."""

    def __init__(self):
        self.calls = []

    def before_send(self, request, **kwargs):
        url = urllib.parse.urlsplit(request.url)
        body = request.body or b""
        if hasattr(body, "read"):
            body = body.read()
        if isinstance(body, str):
            body = body.encode("utf-8")
        params = dict(urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        if "TokenCode" in params:
            params["TokenCode"] = "set"
        auth = request.headers.get("Authorization", b"")
        if isinstance(auth, bytes):
            auth = auth.decode("utf-8", "replace")
        m = CRED_RE.search(auth)
        action = params.get("Action", "")
        n = len(self.calls) + 1
        key = "ASIAORACLE%010d" % n
        self.calls.append({
            "action": action,
            "host": url.hostname or "",
            "region": m.group(2) if m else "",
            "key": m.group(1) if m else "",
            "params": {k: v for k, v in params.items() if k not in ("Action", "Version")},
            "issued": key,
        })
        exp = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        extra = ""
        if action == "AssumeRole":
            arn = params.get("RoleArn", "")
            extra = ("\n    <AssumedRoleUser><AssumedRoleId>AROAORACLE:{s}</AssumedRoleId>"
                     "<Arn>{a}</Arn></AssumedRoleUser>").format(
                s=_xml(params.get("RoleSessionName", "")), a=_xml(arn))
        body = XML.format(action=action or "Unknown", key=key, n=n, exp=exp, extra=extra).encode("utf-8")
        return botocore.awsrequest.AWSResponse(request.url, 200, {"Content-Type": "text/xml"}, Raw(body))


def _xml(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def short(e):
    msg = " ".join(str(e).split())
    if len(msg) > 300:
        msg = msg[:300] + "..."
    return "%s: %s" % (type(e).__name__, msg)


def set_env(home, env):
    for k in list(os.environ):
        if k not in KEEP_ENV:
            del os.environ[k]
    os.environ["HOME"] = home
    # Never reach for the instance metadata service.
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    for k, v in env.items():
        os.environ[k] = v.replace("@HOME@", home)


def resolve(profile):
    rec = Recorder()
    sources = []
    try:
        session = botocore.session.Session(profile=profile)
        session.register("before-send.sts", rec.before_send)
        provider = session.get_component("credential_provider").get_provider("assume-role")
        provider._prompter = lambda prompt: MFA_CODE
        original = provider._resolve_source_credentials

        def record_source(role_config, profile_name):
            creds = original(role_config, profile_name)
            entry = {"method": getattr(creds, "method", "") or ""}
            if entry["method"] != "assume-role" and creds is not None:
                entry["key"] = creds.get_frozen_credentials().access_key
            sources.append(entry)
            return creds

        provider._resolve_source_credentials = record_source
        creds = session.get_credentials()
        if creds is None:
            return {"none": True, "calls": rec.calls}
        frozen = creds.get_frozen_credentials()
    except Exception as e:  # every botocore failure is a result
        return {"error": short(e), "calls": rec.calls}
    return {"calls": rec.calls, "final_key": frozen.access_key,
            "method": getattr(creds, "method", "") or "", "sources": sources}


def run_case(case):
    out = {"id": case.get("id", ""), "profiles": {}}
    with tempfile.TemporaryDirectory(prefix="oracle-") as home:
        for rel, b64 in case.get("files", {}).items():
            path = os.path.join(home, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(base64.b64decode(b64))
        set_env(home, case.get("env", {}))
        names = list(case.get("profiles") or [])
        if case.get("all"):
            try:
                for p in botocore.session.Session().available_profiles:
                    if p not in names:
                        names.append(p)
            except Exception as e:
                out["error"] = short(e)
        for p in names:
            out["profiles"][p] = resolve(p)
    return out


def main():
    cases = json.load(sys.stdin)
    results = [run_case(c) for c in cases]
    json.dump({"botocore": botocore.__version__, "results": results}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
