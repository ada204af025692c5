#!/usr/bin/python3
"""A service provider built on pysaml2 (Saml2Client) that judges one SAMLResponse.

    /usr/bin/python3 sp_pysaml2.py <config.json>  < base64 SAMLResponse

pysaml2 trusts an identity provider only through its metadata: the config names the metadata file, which the client
loads as "local" metadata (every signing KeyDescriptor of the IDPSSODescriptor is trusted, the entityID is the
Issuer it accepts). pysaml2 does not check a signature on local metadata; it verifies the response's signatures
with xmlsec1 (/usr/bin/xmlsec1).

The config (a JSON file):
    idpMetadataFile      path of the identity provider's metadata (required)
    spEntityId           the service provider's entity id, the Audience the assertion must name
    acsUrl               the Assertion Consumer Service URL (HTTP-POST), which the Destination must name
    requestId            the ID of the AuthnRequest the response must answer (optional; without it unsolicited
                         responses are allowed, as for an IdP-initiated sign-in)
    wantAssertionsSigned default true; wantResponseSigned default false
    now                  optional ISO 8601 time the library takes as the current time

Output and exit codes: see sp_common.py.
"""

import os
import tempfile

import sp_common
from saml2 import BINDING_HTTP_POST
from saml2.client import Saml2Client
from saml2.config import SPConfig

XMLSEC1 = "/usr/bin/xmlsec1"


def client_for(config, work_directory):
    metadata_file = sp_common.require(config, "idpMetadataFile")
    if not os.path.isfile(metadata_file):
        raise sp_common.UsageError("the metadata file %s does not exist" % metadata_file)
    request_id = config.get("requestId")
    sp_config = SPConfig()
    try:
        sp_config.load({
            "entityid": sp_common.require(config, "spEntityId"),
            "service": {
                "sp": {
                    "endpoints": {"assertion_consumer_service": [(sp_common.require(config, "acsUrl"), BINDING_HTTP_POST)]},
                    # IdP-initiated sign-on is unsolicited; with a request id only its answer is taken.
                    "allow_unsolicited": not request_id,
                    "want_assertions_signed": config.get("wantAssertionsSigned", True),
                    "want_response_signed": config.get("wantResponseSigned", False),
                    "authn_requests_signed": False,
                },
            },
            "metadata": {"local": [metadata_file]},
            "xmlsec_binary": XMLSEC1,
            "allow_unknown_attributes": True,
            "tmp_path": work_directory,
        })
    except Exception as error:
        raise sp_common.UsageError("pysaml2 refused the configuration or the metadata: %s" % error)
    return Saml2Client(config=sp_config), request_id


def raw_attributes(assertion):
    """The claims as sent, by Name: pysaml2's ava would rename them through its attribute maps."""
    attributes = {}
    for statement in assertion.attribute_statement or []:
        for attribute in statement.attribute:
            attributes.setdefault(attribute.name, []).extend(value.text or "" for value in attribute.attribute_value)
    return attributes


def judge(config, saml_response):
    with tempfile.TemporaryDirectory(prefix="identitybridge-pysaml2-") as work_directory:
        client, request_id = client_for(config, work_directory)
        outstanding = {request_id: "/"} if request_id else {}
        try:
            response = client.parse_authn_request_response(saml_response, BINDING_HTTP_POST, outstanding)
        except Exception as error:
            return sp_common.refused("%s: %s" % (type(error).__name__, error))
        if response is None or response.assertion is None:
            return sp_common.refused("pysaml2 found no assertion in the response")
        name_id = response.assertion.subject.name_id
        return sp_common.accepted(name_id.text, name_id.format, raw_attributes(response.assertion))


if __name__ == "__main__":
    sp_common.run(judge, ["saml2"])
