#!/usr/bin/env node
'use strict';
// A service provider built on @node-saml/node-saml (the SAML core of passport-saml) that judges one SAMLResponse.
//
//   node sp-node-saml.js <config.json>  < base64 SAMLResponse
//
// The config (a JSON file) says whom to trust and who the service provider is:
//   idpCert              PEM of the identity provider's signing certificate, or
//   idpMetadataFile      path of the identity provider's metadata; every signing certificate of its
//                        IDPSSODescriptor is trusted and its entityID becomes the expected Issuer
//   idpEntityId          the expected Issuer (optional; overrides the metadata's entityID)
//   spEntityId           the service provider's entity id: the Audience node-saml requires
//   acsUrl               the Assertion Consumer Service URL (node-saml's callbackUrl)
//   requestId            the ID of the AuthnRequest this response must answer (optional; without it the
//                        response is taken as unsolicited and InResponseTo is not checked)
//   wantAssertionsSigned default true; wantResponseSigned default false (Entra's default signs the assertion only)
//   now                  ignored within a minute of the real clock, refused otherwise: node-saml reads the system
//                        clock and has no option to move it, so responses for this peer must be issued at real now
//
// Prints one JSON verdict on stdout and exits 0 whether the response was accepted or refused:
//   {"ok":true,"nameId":"..","nameIdFormat":"..","attributes":{"<claim>":["v",..]},"error":null}
//   {"ok":false,"nameId":null,"nameIdFormat":null,"attributes":{},"error":"<node-saml's reason>"}
// A broken call (unreadable config, no trust given) exits 2 with the reason on stderr, so that a harness problem is
// never mistaken for a refusal.
const fs = require('fs');
const { SAML, ValidateInResponseTo } = require('@node-saml/node-saml');
const { DOMParser } = require('@xmldom/xmldom');
const { readStdin } = require('./lib/request');

const METADATA = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DSIG = 'http://www.w3.org/2000/09/xmldsig#';

class UsageError extends Error {}

function readConfig(path) {
  if (!path) throw new UsageError('usage: node sp-node-saml.js <config.json> < base64 SAMLResponse');
  try {
    return JSON.parse(fs.readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`cannot read the config ${path}: ${e.message}`);
  }
}

/** The signing certificates (base64 DER) and entityID of the identity provider a metadata file describes. */
function readMetadata(path) {
  const document = new DOMParser().parseFromString(fs.readFileSync(path, 'utf8'), 'text/xml');
  const entity = document.getElementsByTagNameNS(METADATA, 'EntityDescriptor')[0];
  const role = entity && entity.getElementsByTagNameNS(METADATA, 'IDPSSODescriptor')[0];
  if (!role) throw new UsageError(`${path} holds no EntityDescriptor with an IDPSSODescriptor`);
  const certs = [];
  for (const descriptor of Array.from(role.getElementsByTagNameNS(METADATA, 'KeyDescriptor'))) {
    const use = descriptor.getAttribute('use');
    if (use && use !== 'signing') continue;
    for (const cert of Array.from(descriptor.getElementsByTagNameNS(DSIG, 'X509Certificate'))) {
      certs.push(cert.textContent.replace(/\s+/g, ''));
    }
  }
  if (certs.length === 0) throw new UsageError(`${path} lists no signing certificate`);
  return { entityId: entity.getAttribute('entityID'), certs };
}

function requireString(config, name) {
  const value = config[name];
  if (typeof value !== 'string' || value.length === 0) throw new UsageError(`"${name}" is required in the config`);
  return value;
}

function attributesOf(profile) {
  const attributes = {};
  for (const [name, value] of Object.entries(profile.attributes ?? {})) {
    attributes[name] = (Array.isArray(value) ? value : [value]).map(String);
  }
  return attributes;
}

async function judge(config, samlResponse) {
  if (config.now !== undefined && config.now !== null) {
    const drift = Math.abs(Date.parse(config.now) - Date.now());
    if (!(drift <= 60000)) {
      throw new UsageError(`node-saml reads the system clock and cannot be told "now" (${config.now}); issue the response at the real time instead`);
    }
  }
  let idpCert = config.idpCert;
  let idpIssuer = config.idpEntityId;
  if (config.idpMetadataFile) {
    const metadata = readMetadata(config.idpMetadataFile);
    idpCert = metadata.certs;
    idpIssuer = idpIssuer ?? metadata.entityId;
  }
  if (!idpCert) throw new UsageError('the config needs "idpCert" or "idpMetadataFile"');

  const requestId = config.requestId ?? undefined;
  const saml = new SAML({
    idpCert,
    idpIssuer,
    issuer: requireString(config, 'spEntityId'),
    audience: requireString(config, 'spEntityId'),
    callbackUrl: requireString(config, 'acsUrl'),
    wantAssertionsSigned: config.wantAssertionsSigned ?? true,
    wantAuthnResponseSigned: config.wantResponseSigned ?? false,
    // An unsolicited response must carry no InResponseTo; a solicited one must answer the request sent.
    validateInResponseTo: requestId ? ValidateInResponseTo.always : ValidateInResponseTo.never,
  });
  if (requestId) await saml.cacheProvider.saveAsync(requestId, new Date().toISOString());

  try {
    const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: samlResponse });
    if (!profile) return { ok: false, nameId: null, nameIdFormat: null, attributes: {}, error: 'no sign-in profile in the response' };
    return { ok: true, nameId: profile.nameID, nameIdFormat: profile.nameIDFormat ?? null, attributes: attributesOf(profile), error: null };
  } catch (e) {
    return { ok: false, nameId: null, nameIdFormat: null, attributes: {}, error: String(e && e.message ? e.message : e) };
  }
}

(async () => {
  // Libraries that log would otherwise corrupt the one line of stdout the caller parses.
  console.log = console.info = console.warn = console.debug = (...args) => process.stderr.write(`${args.join(' ')}\n`);
  try {
    const config = readConfig(process.argv[2]);
    const samlResponse = (await readStdin()).trim();
    if (samlResponse.length === 0) throw new UsageError('no base64 SAMLResponse on stdin');
    process.stdout.write(JSON.stringify(await judge(config, samlResponse)) + '\n');
  } catch (e) {
    const reason = e instanceof UsageError ? e.message : (e && e.stack) || String(e);
    process.stderr.write(`${process.argv[1]}: ${reason}\n`);
    process.exitCode = 2;
  }
})();
