"""What the python service providers here share: the command line, the verdict they print, and a moved clock.

Each service provider is run as

    /usr/bin/python3 sp_<name>.py <config.json>  < base64 SAMLResponse

with Debian's own python3, where apt installs python3-onelogin-saml2 and python3-pysaml2 (.ci/install-saml-peers).
It prints one JSON verdict on stdout and exits 0 whether the response was accepted or refused:

    {"ok": true, "nameId": "..", "nameIdFormat": "..", "attributes": {"<claim>": ["v", ..]}, "error": null}
    {"ok": false, "nameId": null, "nameIdFormat": null, "attributes": {}, "error": "<the library's reason>"}

A broken call (unreadable config, missing setting) exits 2 with the reason on stderr, so that a problem of the
harness is never mistaken for a refusal.

The config's optional "now" (ISO 8601, e.g. 2030-01-01T00:00:00Z) moves the clock the library reads, for
responses issued on a fixed test clock far from the real time.
"""

import datetime as _datetime
import json
import sys
import time as _time
import types


class UsageError(Exception):
    """The call itself is wrong: exit 2 rather than print a refusal."""


def refused(error):
    return {"ok": False, "nameId": None, "nameIdFormat": None, "attributes": {}, "error": str(error)}


def accepted(name_id, name_id_format, attributes):
    return {"ok": True, "nameId": name_id, "nameIdFormat": name_id_format, "attributes": attributes, "error": None}


def require(config, name):
    value = config.get(name)
    if not isinstance(value, str) or not value:
        raise UsageError('"%s" is required in the config' % name)
    return value


def read_file(path):
    with open(path, "r", encoding="utf-8") as handle:
        return handle.read()


def parse_now(value):
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        moment = _datetime.datetime.fromisoformat(text)
    except ValueError as error:
        raise UsageError('"now" is not an ISO 8601 time: %s' % error)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_datetime.timezone.utc)
    return moment.timestamp()


def move_clock(now, module_prefixes):
    """Makes the already imported modules under module_prefixes read the time as if it were now (a unix time).

    The libraries read the clock through time.time, time.gmtime, datetime.utcnow and datetime.now, some by module
    attribute and some imported by name; every such reference in their modules is replaced by a shifted one.
    """
    offset = now - _time.time()
    real_time, real_gmtime, real_localtime = _time.time, _time.gmtime, _time.localtime
    real_datetime = _datetime.datetime

    def shifted_time():
        return real_time() + offset

    def shifted_gmtime(seconds=None):
        return real_gmtime(shifted_time() if seconds is None else seconds)

    def shifted_localtime(seconds=None):
        return real_localtime(shifted_time() if seconds is None else seconds)

    class ShiftedDatetime(real_datetime):
        @classmethod
        def utcnow(cls):
            return real_datetime.utcfromtimestamp(shifted_time())

        @classmethod
        def now(cls, tz=None):
            return real_datetime.fromtimestamp(shifted_time(), tz)

    shifted_datetime_module = types.SimpleNamespace(**vars(_datetime))
    shifted_datetime_module.datetime = ShiftedDatetime
    shifted_time_module = types.SimpleNamespace(**vars(_time))
    shifted_time_module.time = shifted_time
    shifted_time_module.gmtime = shifted_gmtime
    shifted_time_module.localtime = shifted_localtime
    replacements = {
        id(_datetime): shifted_datetime_module,
        id(real_datetime): ShiftedDatetime,
        id(_time): shifted_time_module,
        id(real_time): shifted_time,
        id(real_gmtime): shifted_gmtime,
        id(real_localtime): shifted_localtime,
    }
    for name, module in list(sys.modules.items()):
        if module is None or not name.startswith(tuple(module_prefixes)):
            continue
        for attribute, value in list(vars(module).items()):
            replacement = replacements.get(id(value))
            if replacement is not None:
                setattr(module, attribute, replacement)


def run(judge, module_prefixes):
    """Reads the config named on the command line and the SAMLResponse on stdin, prints judge's verdict."""
    try:
        if len(sys.argv) != 2:
            raise UsageError("usage: %s <config.json> < base64 SAMLResponse" % sys.argv[0])
        try:
            config = json.loads(read_file(sys.argv[1]))
        except (OSError, ValueError) as error:
            raise UsageError("cannot read the config %s: %s" % (sys.argv[1], error))
        if not isinstance(config, dict):
            raise UsageError("the config must hold one JSON object")
        saml_response = sys.stdin.read().strip()
        if not saml_response:
            raise UsageError("no base64 SAMLResponse on stdin")
        if config.get("now"):
            move_clock(parse_now(config["now"]), module_prefixes)
        verdict = judge(config, saml_response)
    except UsageError as error:
        sys.stderr.write("%s: %s\n" % (sys.argv[0], error))
        sys.exit(2)
    sys.stdout.write(json.dumps(verdict) + "\n")
