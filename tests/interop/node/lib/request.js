'use strict';
// The one input every signer here takes: a JSON object on stdin describing the response an identity provider
// would post. Each signer prints the base64 SAMLResponse (the HTTP-POST form value) on stdout and nothing else,
// so a test can hand it straight to the service provider. Failures go to stderr with a non-zero exit code.

const SIGNATURE_ALGORITHMS = {
  'rsa-sha256': 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  'rsa-sha1': 'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
};

const DIGEST_ALGORITHMS = {
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
  sha1: 'http://www.w3.org/2000/09/xmldsig#sha1',
};

// Entra signs with RSA-SHA256 unless the app is switched to SHA-1, and then the digest follows (spec/saml.md 1.5).
const DIGEST_FOR = { 'rsa-sha256': 'sha256', 'rsa-sha1': 'sha1' };

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on('data', (chunk) => chunks.push(chunk));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

function requireString(input, name) {
  const value = input[name];
  if (typeof value !== 'string' || value.length === 0) {
    throw new Error(`"${name}" is required and must be a non-empty string`);
  }
  return value;
}

function optionalString(input, name) {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length === 0) {
    throw new Error(`"${name}" must be a non-empty string when given`);
  }
  return value;
}

function optionalBoolean(input, name, fallback) {
  const value = input[name];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw new Error(`"${name}" must be true or false`);
  return value;
}

function attributesOf(input) {
  const attributes = input.attributes ?? {};
  if (typeof attributes !== 'object' || Array.isArray(attributes)) {
    throw new Error('"attributes" must be an object of claim URI to a string or an array of strings');
  }
  const result = [];
  for (const [name, value] of Object.entries(attributes)) {
    const values = Array.isArray(value) ? value : [value];
    if (values.length === 0 || values.some((v) => typeof v !== 'string')) {
      throw new Error(`attribute "${name}" must be a string or a non-empty array of strings`);
    }
    result.push({ name, values });
  }
  return result;
}

/** Validates the request and fills the defaults that make the output look like what Entra posts. */
function normalize(input) {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new Error('stdin must hold one JSON object');
  }
  const signatureAlgorithm = input.signatureAlgorithm ?? 'rsa-sha256';
  if (!(signatureAlgorithm in SIGNATURE_ALGORITHMS)) {
    throw new Error(`"signatureAlgorithm" must be one of ${Object.keys(SIGNATURE_ALGORITHMS).join(', ')}`);
  }
  const digestAlgorithm = input.digestAlgorithm ?? DIGEST_FOR[signatureAlgorithm];
  if (!(digestAlgorithm in DIGEST_ALGORITHMS)) {
    throw new Error(`"digestAlgorithm" must be one of ${Object.keys(DIGEST_ALGORITHMS).join(', ')}`);
  }
  const lifetimeSeconds = input.lifetimeSeconds ?? 3600;
  if (!Number.isInteger(lifetimeSeconds) || lifetimeSeconds <= 0) {
    throw new Error('"lifetimeSeconds" must be a positive integer');
  }
  const request = {
    key: requireString(input, 'key'),
    cert: requireString(input, 'cert'),
    issuer: requireString(input, 'issuer'),
    audience: requireString(input, 'audience'),
    destination: requireString(input, 'destination'),
    inResponseTo: optionalString(input, 'inResponseTo'),
    nameId: requireString(input, 'nameId'),
    nameIdFormat: optionalString(input, 'nameIdFormat') ?? 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
    attributes: attributesOf(input),
    sessionIndex: optionalString(input, 'sessionIndex'),
    authnContextClassRef: optionalString(input, 'authnContextClassRef') ?? 'urn:oasis:names:tc:SAML:2.0:ac:classes:Password',
    lifetimeSeconds,
    // Entra's default for gallery apps is "Sign SAML assertion" only (spec/saml.md 1.5).
    signResponse: optionalBoolean(input, 'signResponse', false),
    signAssertion: optionalBoolean(input, 'signAssertion', true),
    signatureAlgorithm,
    signatureAlgorithmUri: SIGNATURE_ALGORITHMS[signatureAlgorithm],
    digestAlgorithm,
    digestAlgorithmUri: DIGEST_ALGORITHMS[digestAlgorithm],
  };
  if (!request.signResponse && !request.signAssertion) {
    throw new Error('at least one of "signResponse" and "signAssertion" must be true');
  }
  return request;
}

/** Runs a signer: parses stdin, calls sign(request) and prints the base64 it returns. */
async function run(sign) {
  // Libraries that log would otherwise corrupt the one line of stdout the caller parses.
  console.log = console.info = console.warn = console.debug = (...args) => process.stderr.write(`${args.join(' ')}\n`);
  try {
    const text = await readStdin();
    let input;
    try {
      input = JSON.parse(text);
    } catch (e) {
      throw new Error(`stdin is not JSON: ${e.message}`);
    }
    const xml = await sign(normalize(input));
    process.stdout.write(Buffer.from(xml, 'utf8').toString('base64') + '\n');
  } catch (e) {
    process.stderr.write(`${process.argv[1]}: ${e && e.stack ? e.stack : e}\n`);
    process.exitCode = 1;
  }
}

module.exports = { run, normalize, readStdin, DIGEST_FOR };
