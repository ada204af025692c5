#!/usr/bin/env node
'use strict';
// Signs an Entra-shaped SAML Response with samlify: an IdentityProvider answers a ServiceProvider through
// createLoginResponse over HTTP-POST, signing with xml-crypto 6.x. Input and output: see lib/request.js.
//
// Where samlify decides rather than the request:
// - What is signed follows the ServiceProvider's wishes: wantAssertionsSigned signs the Assertion,
//   wantMessageSigned (or an SP that does not want signed assertions) signs the Response.
// - The digest is tied to the signature algorithm (SHA-256 with RSA-SHA256, SHA-1 with RSA-SHA1).
// - Signatures carry the ds: prefix; the Response carries xmlns:saml and the Assertion xmlns:xs/xsi.
// - InResponseTo: samlify's login response template writes InResponseTo="{InResponseTo}" on the Response and on
//   SubjectConfirmationData unconditionally, and samlify fills it with the request id or, when there is no
//   request, with '' (binding-post.js base64LoginResponse). An unsolicited (IdP-initiated) samlify response
//   therefore carries InResponseTo="" - not an NCName, so schema-invalid (spec/saml.md 3.3). This signer fills
//   the template the same way on purpose so the quirk stays visible to the service provider under test.
const samlify = require('samlify');
const { run, DIGEST_FOR } = require('./lib/request');

// samlify refuses to work without a schema validator. This signer never parses what it signs, so a validator
// that accepts everything is enough here; it must never be used by a verifier.
samlify.setSchemaValidator({ validate: () => Promise.resolve('not validated: signing only') });

const { SamlLib } = samlify;

function authnStatement() {
  return '<saml:AuthnStatement AuthnInstant="{AuthnInstant}" SessionIndex="{SessionIndex}"><saml:AuthnContext>'
    + '<saml:AuthnContextClassRef>{AuthnContextClassRef}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>';
}

// Entra's attributes carry no NameFormat and untyped values (spec/saml.md 1.2), so samlify's default attribute
// template (NameFormat + xsi:type) is not used. Values become tags that samlify's replaceTagsByValue escapes.
function attributeStatement(attributes, tags) {
  if (attributes.length === 0) return '';
  const lines = attributes.map((attribute, i) => {
    const values = attribute.values.map((value, j) => {
      const tag = `AttrValue${i}x${j}`;
      tags[tag] = value;
      return `<saml:AttributeValue>{${tag}}</saml:AttributeValue>`;
    }).join('');
    tags[`AttrName${i}`] = attribute.name;
    return `<saml:Attribute Name="{AttrName${i}}">${values}</saml:Attribute>`;
  });
  return `<saml:AttributeStatement>${lines.join('')}</saml:AttributeStatement>`;
}

run(async (request) => {
  if (request.digestAlgorithm !== DIGEST_FOR[request.signatureAlgorithm]) {
    throw new Error(`samlify derives the digest from the signature algorithm; ${request.signatureAlgorithm} with ${request.digestAlgorithm} cannot be produced`);
  }
  const idp = samlify.IdentityProvider({
    entityID: request.issuer,
    signingCert: request.cert,
    privateKey: request.key,
    nameIDFormat: [request.nameIdFormat],
    requestSignatureAlgorithm: request.signatureAlgorithmUri,
    // samlify insists on (and warns about missing) endpoints in IdP metadata; none appears in a login response.
    singleSignOnService: [{ Binding: samlify.Constants.namespace.binding.redirect, Location: request.issuer }],
    singleLogoutService: [{ Binding: samlify.Constants.namespace.binding.redirect, Location: request.issuer }],
  });
  const sp = samlify.ServiceProvider({
    entityID: request.audience,
    assertionConsumerService: [{ Binding: samlify.Constants.namespace.binding.post, Location: request.destination }],
    wantAssertionsSigned: request.signAssertion,
    wantMessageSigned: request.signResponse,
  });
  // What samlify's IdP sees of an SP-initiated AuthnRequest once parsed; absent for an unsolicited response.
  const requestInfo = request.inResponseTo ? { extract: { request: { id: request.inResponseTo } } } : {};

  const now = new Date();
  const notOnOrAfter = new Date(now.getTime() + request.lifetimeSeconds * 1000).toISOString();
  const responseId = idp.entitySetting.generateID();
  const assertionId = idp.entitySetting.generateID();

  const fillTemplate = (template) => {
    const tags = {
      ID: responseId,
      AssertionID: assertionId,
      Destination: request.destination,
      Audience: request.audience,
      SubjectRecipient: request.destination,
      Issuer: request.issuer,
      IssueInstant: now.toISOString(),
      StatusCode: samlify.Constants.StatusCode.Success,
      ConditionsNotBefore: now.toISOString(),
      ConditionsNotOnOrAfter: notOnOrAfter,
      SubjectConfirmationDataNotOnOrAfter: notOnOrAfter,
      NameIDFormat: request.nameIdFormat,
      NameID: request.nameId,
      // As samlify's own fill-in does (see the header): the request id, or '' when there was no request.
      InResponseTo: requestInfo.extract ? requestInfo.extract.request.id : '',
      AuthnInstant: now.toISOString(),
      SessionIndex: request.sessionIndex ?? assertionId,
      AuthnContextClassRef: request.authnContextClassRef,
    };
    const expanded = template
      .replace('{AuthnStatement}', authnStatement())
      .replace('{AttributeStatement}', attributeStatement(request.attributes, tags));
    return { id: responseId, context: SamlLib.replaceTagsByValue(expanded, tags) };
  };

  const { context } = await idp.createLoginResponse(sp, requestInfo, 'post', { email: request.nameId },
    { customTagReplacement: fillTemplate });
  return Buffer.from(context, 'base64').toString('utf8');
});
