#!/usr/bin/env node
'use strict';
// A second signature oracle: checks every XML signature in a SAML message with xml-crypto, against the given
// certificate only (the KeyInfo certificate is ignored, so an attacker's key cannot vouch for itself).
//
// stdin: one JSON object { "samlResponse": "<base64>" } or { "xml": "<document>" }, plus "cert" (PEM).
// stdout: one JSON line { "valid": bool, "signatures": [{ "signs": "Assertion", "reference": "#_id", "valid": bool,
//         "error": "..." }] }; valid is true only when there is at least one signature and every one verifies.
// Exit code: 0 valid, 2 invalid or no signature, 1 when the input could not be used.
//
// Cryptographic validity is all this says: whether the element a service provider reads is the one that was
// signed (XSW3, spec/saml.md 2.1) is for the service provider to decide.
const { DOMParser } = require('@xmldom/xmldom');
const { SignedXml } = require('xml-crypto');
const { readStdin } = require('./lib/request');

const DSIG = 'http://www.w3.org/2000/09/xmldsig#';

function check(xml, cert, signatureNode) {
  const signedXml = new SignedXml({ publicCert: cert, getCertFromKeyInfo: () => null });
  const parent = signatureNode.parentNode;
  const reference = signatureNode.getElementsByTagNameNS(DSIG, 'Reference')[0];
  const outcome = {
    signs: parent && parent.localName,
    reference: reference ? reference.getAttribute('URI') : null,
    valid: false,
  };
  try {
    signedXml.loadSignature(signatureNode);
    outcome.valid = signedXml.checkSignature(xml) === true;
  } catch (e) {
    outcome.error = e.message;
  }
  return outcome;
}

(async () => {
  let input;
  try {
    input = JSON.parse(await readStdin());
    if (typeof input.cert !== 'string') throw new Error('"cert" (PEM) is required');
    if (typeof input.xml !== 'string' && typeof input.samlResponse !== 'string') {
      throw new Error('"xml" or "samlResponse" (base64) is required');
    }
  } catch (e) {
    process.stderr.write(`${process.argv[1]}: ${e.message}\n`);
    process.exit(1);
  }
  const xml = typeof input.xml === 'string' ? input.xml : Buffer.from(input.samlResponse, 'base64').toString('utf8');
  let document;
  try {
    document = new DOMParser({ onError: (level, message) => { if (level !== 'warning') throw new Error(message); } })
      .parseFromString(xml, 'text/xml');
  } catch (e) {
    process.stdout.write(`${JSON.stringify({ valid: false, error: `not well-formed: ${e.message}`, signatures: [] })}\n`);
    process.exit(2);
  }
  const signatures = Array.from(document.getElementsByTagNameNS(DSIG, 'Signature')).map((node) => check(xml, input.cert, node));
  const valid = signatures.length > 0 && signatures.every((s) => s.valid);
  process.stdout.write(`${JSON.stringify({ valid, signatures })}\n`);
  process.exit(valid ? 0 : 2);
})();
