#!/usr/bin/python3
"""A service provider built on OneLogin's python3-saml (onelogin.saml2) that judges one SAMLResponse.

    /usr/bin/python3 sp_onelogin.py <config.json>  < base64 SAMLResponse

The config (a JSON file):
    idpCert              PEM of the identity provider's signing certificate, or
    idpMetadataFile      path of the identity provider's metadata, read by OneLogin_Saml2_IdPMetadataParser
    idpEntityId          the expected Issuer (required with idpCert; overrides the metadata's entityID)
    spEntityId           the service provider's entity id, the Audience the assertion must name
    acsUrl               the Assertion Consumer Service URL the response is posted to (its Destination)
    requestId            the ID of the AuthnRequest the response must answer (optional; without it the response
                         must be unsolicited, and one carrying an InResponseTo is refused)
    wantAssertionsSigned default true; wantResponseSigned default false
    now                  optional ISO 8601 time the library takes as the current time

Strict mode is on, as in production: the schema, Destination, Audience, Issuer, time window and signatures are all
checked. The request the response arrives in is faked from acsUrl (scheme, host, port and path). Output and exit
codes: see sp_common.py.
"""

from urllib.parse import urlsplit

import sp_common
from onelogin.saml2.constants import OneLogin_Saml2_Constants
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser
from onelogin.saml2.response import OneLogin_Saml2_Response
from onelogin.saml2.settings import OneLogin_Saml2_Settings
from onelogin.saml2.utils import OneLogin_Saml2_Utils


def pem_body(pem):
    return "".join(line for line in pem.splitlines() if line and not line.startswith("-----"))


def idp_settings(config):
    if config.get("idpMetadataFile"):
        parsed = OneLogin_Saml2_IdPMetadataParser.parse(sp_common.read_file(config["idpMetadataFile"]))
        idp = parsed.get("idp")
        if not idp:
            raise sp_common.UsageError("%s describes no identity provider" % config["idpMetadataFile"])
        if config.get("idpEntityId"):
            idp["entityId"] = config["idpEntityId"]
        return idp
    return {
        "entityId": sp_common.require(config, "idpEntityId"),
        # Never used to judge a response; the settings merely insist on one.
        "singleSignOnService": {"url": "https://idp.invalid/saml2", "binding": OneLogin_Saml2_Constants.BINDING_HTTP_REDIRECT},
        "x509cert": pem_body(sp_common.require(config, "idpCert")),
    }


def request_data(acs_url, saml_response):
    """The $_SERVER-like dictionary python3-saml reads the current URL from, for a POST to the ACS URL."""
    url = urlsplit(acs_url)
    https = url.scheme == "https"
    port = url.port or (443 if https else 80)
    return {
        "https": "on" if https else "off",
        "http_host": url.hostname,
        "server_port": str(port),
        "script_name": url.path or "/",
        "get_data": {},
        "post_data": {"SAMLResponse": saml_response},
    }


def judge(config, saml_response):
    acs_url = sp_common.require(config, "acsUrl")
    try:
        settings = OneLogin_Saml2_Settings({
            "strict": True,
            "debug": False,
            "sp": {
                "entityId": sp_common.require(config, "spEntityId"),
                "assertionConsumerService": {"url": acs_url, "binding": OneLogin_Saml2_Constants.BINDING_HTTP_POST},
                "NameIDFormat": OneLogin_Saml2_Constants.NAMEID_UNSPECIFIED,
            },
            "idp": idp_settings(config),
            "security": {
                "wantAssertionsSigned": config.get("wantAssertionsSigned", True),
                "wantMessagesSigned": config.get("wantResponseSigned", False),
                "rejectUnsolicitedResponsesWithInResponseTo": not config.get("requestId"),
            },
        }, sp_validation_only=True)
    except sp_common.UsageError:
        raise
    except Exception as error:
        raise sp_common.UsageError("python3-saml refused the settings: %s" % error)

    try:
        response = OneLogin_Saml2_Response(settings, saml_response)
        if not response.is_valid(request_data(acs_url, saml_response), config.get("requestId"), raise_exceptions=True):
            return sp_common.refused(response.get_error() or "invalid response")
        return sp_common.accepted(response.get_nameid(), response.get_nameid_format(),
                                  {name: [str(v) for v in values] for name, values in response.get_attributes().items()})
    except Exception as error:
        return sp_common.refused(error)


if __name__ == "__main__":
    sp_common.run(judge, ["onelogin"])
