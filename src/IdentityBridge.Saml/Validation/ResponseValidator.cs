using IdentityBridge.Saml.Bindings;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Xml;
using IdentityBridge.Saml.Encryption;
using IdentityBridge.Saml.Xml;

namespace IdentityBridge.Saml.Validation;

/// <summary>
/// Validates a SAML Response posted to an assertion consumer service, in the order of spec/saml.md 2.4: size and
/// base64, one parse that refuses any DTD, structure (one Assertion in its place, signatures only right after their
/// parent's Issuer, no ID given twice in any spelling), the record selected by Issuer, the signature profile and the
/// record's pinned keys, and only then the claims, read from the very nodes that were verified. Every problem found
/// is reported, each with a code, not only the first.
/// </summary>
public sealed class ResponseValidator(IIdentityProviderResolver resolver, IReplayCache replayCache,
    IRequestTracker requests, TimeProvider time)
{
    /// <summary>The largest SAMLResponse form value accepted, in base64 characters.</summary>
    public const int MaxEncodedLength = 512 * 1024;

    private readonly PublicKeyCache _keys = new();

    /// <summary>
    /// Validates the base64 SAMLResponse value of an HTTP-POST. Never throws for bad input: every problem is in the
    /// result. <paramref name="receivedAt"/> is the absolute URL it was posted to, as this service provider names it.
    /// </summary>
    public async Task<ValidationResult> ValidateAsync(string samlResponse, string receivedAt, CancellationToken cancellationToken = default)
    {
        var run = new Run(time.GetUtcNow());
        var document = run.Decode(samlResponse);
        if (document is null) return run.Result();
        return await ValidateDocumentAsync(run, document, receivedAt, cancellationToken);
    }

    private async Task<ValidationResult> ValidateDocumentAsync(Run run, XmlDocument document, string receivedAt, CancellationToken cancellationToken)
    {
        var response = document.DocumentElement!;
        if (response.LocalName != "Response" || response.NamespaceURI != SamlNames.Protocol)
        {
            run.Fail(ValidationCodes.NotAResponse, $"The message is a {response.Name}, not a SAML 2.0 protocol Response.", response.Name);
            return run.Result();
        }
        run.ResponseId = response.GetAttribute("ID");
        if (response.GetAttribute("Version") != "2.0")
            run.Fail(ValidationCodes.UnsupportedVersion, "The response is not SAML version 2.0.", response.GetAttribute("Version"));
        if (run.ResponseId.Length == 0) run.Fail(ValidationCodes.MissingId, "The response has no ID.");
        run.Step("Parse response", true, $"Response {run.ResponseId}, issued {response.GetAttribute("IssueInstant")}");

        var structureSound = CheckStructure(run, document, response, out var assertionOrEncrypted);
        var responseIssuer = ReadIdentity(run, XmlElements.First(response, "Issuer", SamlNames.Assertion), "Response Issuer");
        run.Issuer = responseIssuer;

        // The record is chosen by Issuer, before any key is used: Response and Assertion must name the same provider.
        var issuer = responseIssuer;
        if (assertionOrEncrypted is { LocalName: "Assertion" })
        {
            var assertionIssuer = ReadIdentity(run, XmlElements.First(assertionOrEncrypted, "Issuer", SamlNames.Assertion), "Assertion Issuer");
            if (assertionIssuer is null) run.Fail(ValidationCodes.IssuerMissing, "The assertion has no Issuer.");
            else if (responseIssuer is not null && responseIssuer != assertionIssuer)
                run.Fail(ValidationCodes.IssuerMismatch,
                    $"The response and its assertion name different issuers. Response: {responseIssuer}, assertion: {assertionIssuer}", assertionIssuer);
            issuer = assertionIssuer ?? responseIssuer;
            run.Issuer = issuer;
        }
        if (issuer is null)
        {
            if (!run.Has(ValidationCodes.IssuerMissing)) run.Fail(ValidationCodes.IssuerMissing, "The response names no Issuer.");
            return run.Result();
        }
        run.Step("Issuer found in the response", true, issuer);

        var trust = await resolver.FindByIssuerAsync(issuer, cancellationToken);
        if (trust is null)
        {
            run.Fail(ValidationCodes.UnknownIssuer,
                $"Assertion issuer is invalid. No identity provider record has the Identity Provider URL '{issuer}'.", issuer);
            return run.Result();
        }
        run.RecordId = trust.RecordId;
        run.Step("IdP found based on SAML response", true, trust.RecordId);
        if (trust.SigningCertificates.Count == 0)
        {
            // Fail closed: a record without a key must never accept anything (SolarWinds WHD CVE-2026-28323).
            run.Fail(ValidationCodes.NoCertificate, "Unable to locate SAML 2.0 certificate: the identity provider record has no active certificate.");
            return run.Result();
        }

        XmlElement? assertion = null;
        var assertionWasEncrypted = false;
        if (assertionOrEncrypted is { LocalName: "EncryptedAssertion" })
        {
            assertionWasEncrypted = true;
            assertion = Decrypt(run, document, assertionOrEncrypted, trust);
            if (assertion is not null)
            {
                var assertionIssuer = ReadIdentity(run, XmlElements.First(assertion, "Issuer", SamlNames.Assertion), "Assertion Issuer");
                if (assertionIssuer != issuer)
                    run.Fail(ValidationCodes.IssuerMismatch,
                        $"The response and its encrypted assertion name different issuers. Response: {issuer}, assertion: {assertionIssuer}", assertionIssuer);
                structureSound &= CheckDecryptedAssertion(run, document, assertion);
            }
        }
        else assertion = assertionOrEncrypted;

        // Signatures: only when the structure is sound, because a signature over an ambiguous document proves nothing.
        var responseSigned = false;
        var assertionSigned = false;
        System.Security.Cryptography.X509Certificates.X509Certificate2? verifiedWith = null;
        if (structureSound)
        {
            var responseSignature = XmlElements.First(response, "Signature", SamlNames.DSig);
            var assertionSignature = assertion is null ? null : XmlElements.First(assertion, "Signature", SamlNames.DSig);
            if (responseSignature is null && assertionSignature is null)
                run.Fail(ValidationCodes.SignatureMissing,
                    "Could not find a digital signature: neither the response nor the assertion is signed.");
            if (responseSignature is not null)
            {
                var outcome = SignatureCheck.Check(responseSignature, response, trust, _keys);
                run.AddAll(outcome.Problems);
                responseSigned = outcome.Verified;
                verifiedWith ??= outcome.Certificate;
                run.Step("Response signature", outcome.Verified, outcome.Verified ? Thumbprint(outcome.Certificate!) : "did not verify");
            }
            if (assertionSignature is not null)
            {
                var outcome = SignatureCheck.Check(assertionSignature, assertion!, trust, _keys);
                run.AddAll(outcome.Problems);
                assertionSigned = outcome.Verified;
                verifiedWith = outcome.Certificate ?? verifiedWith;
                run.Step("Assertion signature", outcome.Verified, outcome.Verified ? Thumbprint(outcome.Certificate!) : "did not verify");
            }
            if (assertion is not null && trust.RequireSignedAssertion && assertionSignature is null && responseSignature is not null)
                run.Fail(ValidationCodes.AssertionNotSigned, "The identity provider record requires a signed assertion; only the response is signed.");
        }
        var verified = structureSound && (responseSigned || assertionSigned) && !run.Problems.Any(p => SignatureCodes.Contains(p.Code));

        // Claims and conditions are read only from the verified nodes (the Assertion element located structurally,
        // which the verified reference resolved to, or which the verified Response contains).
        var now = run.Now;
        CheckStatus(run, response);
        var signedResponseOrAssertion = responseSigned || assertionWasEncrypted;
        CheckDestination(run, response, trust, receivedAt, signedResponseOrAssertion);
        var inResponseTo = response.GetAttributeNode("InResponseTo")?.Value;
        if (assertion is null)
        {
            if (!run.HasAny(ValidationCodes.AssertionCount, ValidationCodes.DecryptionFailed, ValidationCodes.StatusNotSuccess))
                run.Fail(ValidationCodes.AssertionCount, "The response carries no assertion.");
            return run.Result();
        }

        var assertionId = assertion.GetAttribute("ID");
        if (assertionId.Length == 0) run.Fail(ValidationCodes.MissingId, "The assertion has no ID.");
        var subject = XmlElements.First(assertion, "Subject", SamlNames.Assertion);
        var nameIdElement = subject is null ? null : XmlElements.First(subject, "NameID", SamlNames.Assertion);
        var nameId = ReadIdentity(run, nameIdElement, "NameID");
        if (string.IsNullOrWhiteSpace(nameId))
            run.Fail(ValidationCodes.NameIdMissing, "The assertion's Subject has no NameID.");

        var subjectInResponseTo = CheckSubjectConfirmation(run, subject, trust, receivedAt, now, out var subjectNotOnOrAfter);
        if (inResponseTo is not null && subjectInResponseTo is not null && inResponseTo != subjectInResponseTo)
            run.Fail(ValidationCodes.InResponseToMismatch,
                $"InResponseTo attribute in SubjectConfirmationData mismatch. Expect: {inResponseTo}, actual: {subjectInResponseTo}", subjectInResponseTo);
        inResponseTo ??= subjectInResponseTo;
        run.InResponseTo = inResponseTo;

        var notOnOrAfter = CheckConditions(run, assertion, trust, now);
        var authn = XmlElements.First(assertion, "AuthnStatement", SamlNames.Assertion);
        if (authn is null) run.Fail(ValidationCodes.AuthnStatementMissing, "The assertion has no AuthnStatement.");
        var attributes = ReadAttributes(run, assertion);
        run.Step("Conditions, audience and subject confirmation", !run.HasAny(ValidationCodes.AudienceMismatch, ValidationCodes.Expired,
            ValidationCodes.NotYetValid, ValidationCodes.NoBearerConfirmation, ValidationCodes.RecipientMismatch,
            ValidationCodes.SubjectExpired, ValidationCodes.SubjectNotYetValid, ValidationCodes.LifetimeTooLong), "checked");

        if (!verified)
        {
            if (!run.Problems.Any(p => SignatureCodes.Contains(p.Code)) && structureSound)
                run.Fail(ValidationCodes.SignatureInvalid, "The signature did not validate.");
            return run.Result();
        }
        run.NameId = nameId;

        // The request is consumed only once the signature verified: a forgery must not be able to use up the ids
        // of requests in flight. A response to a request sent to another record is refused (CVE-2023-41890).
        if (inResponseTo is not null)
        {
            var request = await requests.TakeAsync(inResponseTo, cancellationToken);
            if (request is null)
                run.Fail(ValidationCodes.InResponseToMismatch,
                    $"InResponseTo attribute in SubjectConfirmationData mismatch. Expect: a request this instance sent and has not yet seen answered, actual: {inResponseTo}",
                    inResponseTo);
            else if (request.RecordId != trust.RecordId)
                run.Fail(ValidationCodes.InResponseToMismatch,
                    $"InResponseTo names a request sent to another identity provider (record {request.RecordId}), not to {trust.EntityId}.",
                    inResponseTo);
            else run.Step("InResponseTo matches a request this instance sent", true, inResponseTo);
        }
        else if (!trust.AllowUnsolicited)
            run.Fail(ValidationCodes.UnsolicitedNotAllowed, "The response answers no request, and the identity provider record does not accept unsolicited responses.");

        if (run.Problems.Count > 0) return run.Result();

        // Last, the atomic replay check: everything else holds, so this response would be accepted if new.
        var expires = (notOnOrAfter ?? subjectNotOnOrAfter ?? now.AddMinutes(5)) + trust.ClockSkew;
        var key = ReplayKey(trust.EntityId, assertionId);
        if (!await replayCache.TryAddAsync(key, expires, cancellationToken))
        {
            run.Fail(ValidationCodes.Replayed, $"The assertion {assertionId} was already used to sign in; a response can be used once.", assertionId);
            return run.Result();
        }
        run.Step("Replay check", true, assertionId);

        var sessionIndex = authn?.GetAttributeNode("SessionIndex")?.Value;
        var classRef = authn is null ? null
            : (XmlElements.First(authn, "AuthnContext", SamlNames.Assertion) is { } context
                ? XmlElements.First(context, "AuthnContextClassRef", SamlNames.Assertion)?.InnerText.Trim() : null);
        return run.Result(new ValidatedAssertion
        {
            RecordId = trust.RecordId,
            Issuer = issuer,
            ResponseId = run.ResponseId,
            AssertionId = assertionId,
            InResponseTo = inResponseTo,
            NameId = nameId!,
            NameIdFormat = nameIdElement?.GetAttributeNode("Format")?.Value,
            SessionIndex = sessionIndex,
            AuthnInstant = ParseTime(authn?.GetAttributeNode("AuthnInstant")?.Value),
            AuthnContextClassRef = classRef,
            NotOnOrAfter = notOnOrAfter ?? subjectNotOnOrAfter,
            Attributes = attributes,
            SigningCertificateThumbprint = Thumbprint(verifiedWith!),
        });
    }

    /// <summary>The problems that mean the signatures do not vouch for the assertion.</summary>
    private static readonly HashSet<string> SignatureCodes =
    [
        ValidationCodes.SignatureInvalid, ValidationCodes.SignatureProfile, ValidationCodes.ReferenceUri,
        ValidationCodes.TransformForbidden, ValidationCodes.AlgorithmForbidden, ValidationCodes.CertificateMismatch,
        ValidationCodes.AssertionNotSigned, ValidationCodes.SignatureMissing,
    ];

    /// <summary>The replay key: fixed length whatever the IDs sent, and scoped to the provider that issued them.</summary>
    public static string ReplayKey(string issuer, string assertionId) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(issuer + "\n" + assertionId)));

    private static string Thumbprint(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate) =>
        certificate.GetCertHashString(HashAlgorithmName.SHA256);

    /// <summary>
    /// The structural rules: exactly one Assertion (or EncryptedAssertion), a direct child of the Response, and no
    /// other anywhere (XSW3 to XSW8, assertions hidden in Extensions, Advice, StatusDetail or ds:Object); signatures
    /// only directly after their parent's Issuer (XSW1, XSW2, moved signatures); no ID value carried twice by any
    /// attribute spelled ID, Id or id (SignedXml resolves all three, so a wrapper's Id could win).
    /// </summary>
    private static bool CheckStructure(Run run, XmlDocument document, XmlElement response, out XmlElement? assertion)
    {
        var sound = true;
        assertion = null;
        var direct = XmlElements.Children(response)
            .Where(e => e.NamespaceURI == SamlNames.Assertion && e.LocalName is "Assertion" or "EncryptedAssertion").ToList();
        if (direct.Count > 1)
        {
            run.Fail(ValidationCodes.AssertionCount, $"The response carries {direct.Count} assertions; exactly one is accepted.", direct.Count.ToString(CultureInfo.InvariantCulture));
            sound = false;
        }
        else if (direct.Count == 1) assertion = direct[0];

        var walk = DocumentWalk.Of(document.DocumentElement!);
        foreach (var misplaced in walk.Assertions.Where(a => a.ParentNode != response))
        {
            run.Fail(ValidationCodes.AssertionMisplaced,
                $"An assertion appears inside {((XmlElement)misplaced.ParentNode!).Name}; only one assertion, directly in the response, is accepted.",
                Path(misplaced));
            sound = false;
        }

        foreach (var signature in walk.Signatures)
            if (!InItsPlace(signature, response, assertion))
            {
                run.Fail(ValidationCodes.SignatureMisplaced,
                    "Failure to validate signature profile: a signature may only follow the Issuer of the response or of the assertion.",
                    Path(signature));
                sound = false;
            }

        foreach (var id in walk.DuplicateIds)
        {
            run.Fail(ValidationCodes.DuplicateId, $"The ID '{id}' appears more than once (as ID, Id or id).", id);
            sound = false;
        }
        return sound;
    }
    private static bool InItsPlace(XmlElement signature, XmlElement response, XmlElement? assertion)
    {
        if (signature.ParentNode is not XmlElement parent || (parent != response && parent != assertion)) return false;
        if (XmlElements.First(parent, "Signature", SamlNames.DSig) != signature) return false;
        XmlElement? previous = null;
        for (var node = signature.PreviousSibling; node is not null; node = node.PreviousSibling)
            if (node is XmlElement e) { previous = e; break; }
        var issuer = XmlElements.First(parent, "Issuer", SamlNames.Assertion);
        return issuer is null ? previous is null : previous == issuer;
    }

    private static bool CheckDecryptedAssertion(Run run, XmlDocument document, XmlElement assertion)
    {
        var sound = true;
        var inner = DocumentWalk.Of(assertion);
        if (inner.Assertions.Count > 1)
        {
            run.Fail(ValidationCodes.AssertionMisplaced, "The decrypted assertion contains another assertion.");
            sound = false;
        }
        if (inner.Signatures.Any(s => s.ParentNode != assertion || XmlElements.First(assertion, "Signature", SamlNames.DSig) != s))
        {
            run.Fail(ValidationCodes.SignatureMisplaced, "A signature inside the decrypted assertion is out of place.");
            sound = false;
        }
        foreach (var id in DocumentWalk.Of(document.DocumentElement!).DuplicateIds)
        {
            run.Fail(ValidationCodes.DuplicateId, $"The ID '{id}' appears more than once (as ID, Id or id).", id);
            sound = false;
        }
        return sound;
    }

    private static XmlElement? Decrypt(Run run, XmlDocument document, XmlElement encrypted, IdentityProviderTrust trust)
    {
        if (trust.DecryptionCertificate is null)
        {
            run.Fail(ValidationCodes.DecryptionFailed,
                "Could not validate SAMLResponse: the assertion is encrypted (xenc:CipherData) and no encryption key is configured for this identity provider.");
            return null;
        }
        var outcome = AssertionDecryptor.Decrypt(encrypted, trust.DecryptionCertificate);
        if (outcome.Error is not null)
        {
            run.Fail(ValidationCodes.DecryptionFailed, $"The encrypted assertion did not decrypt with our key: {outcome.Error}");
            return null;
        }
        XmlDocument plain;
        try
        {
            plain = SafeXml.Load(outcome.Plaintext!);
        }
        catch (SamlXmlException e)
        {
            run.Fail(e.Code, $"The decrypted assertion: {e.Message}");
            return null;
        }
        var root = plain.DocumentElement!;
        if (root.LocalName != "Assertion" || root.NamespaceURI != SamlNames.Assertion)
        {
            run.Fail(ValidationCodes.DecryptionFailed, "The encrypted content is not an Assertion.", root.Name);
            return null;
        }
        var imported = (XmlElement)document.ImportNode(root, deep: true);
        encrypted.ParentNode!.ReplaceChild(imported, encrypted);
        run.Step("Decrypt assertion", true, "decrypted with our key");
        return imported;
    }

    private static void CheckStatus(Run run, XmlElement response)
    {
        var status = XmlElements.First(response, "Status", SamlNames.Protocol);
        var code = status is null ? null : XmlElements.First(status, "StatusCode", SamlNames.Protocol);
        var value = code?.GetAttribute("Value");
        if (value == SamlNames.StatusSuccess)
        {
            run.Step("Status code", true, value);
            return;
        }
        var nested = code is null ? null : XmlElements.First(code, "StatusCode", SamlNames.Protocol)?.GetAttribute("Value");
        var message = status is null ? null : XmlElements.First(status, "StatusMessage", SamlNames.Protocol)?.InnerText.Trim();
        run.Fail(ValidationCodes.StatusNotSuccess,
            $"SAML2Error: SAML failed to login, Status code is {value ?? "(missing)"}{(nested is null ? "" : " / " + nested)}. When it is supposed to be {SamlNames.StatusSuccess}" +
            (string.IsNullOrEmpty(message) ? "" : $". The identity provider said: {message}"), value);
    }

    private static void CheckDestination(Run run, XmlElement response, IdentityProviderTrust trust, string receivedAt, bool responseSigned)
    {
        var destination = response.GetAttributeNode("Destination")?.Value;
        if (destination is null)
        {
            // SAML bindings 3.5.5.2: a signed message must say where it is going; an unsigned one may not.
            if (responseSigned)
                run.Fail(ValidationCodes.DestinationMismatch, "The response is signed but has no Destination.");
            return;
        }
        if (!IsOurEndpoint(destination, trust, receivedAt))
            run.Fail(ValidationCodes.DestinationMismatch,
                $"Destination mismatch. Expect: {receivedAt}, actual: {destination}", destination);
    }

    private static bool IsOurEndpoint(string url, IdentityProviderTrust trust, string receivedAt) =>
        string.Equals(url, receivedAt, StringComparison.OrdinalIgnoreCase) &&
        trust.AssertionConsumerServiceUrls.Any(u => string.Equals(u, url, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// At least one bearer SubjectConfirmation whose data is for us, now; holder-of-key and sender-vouches are
    /// refused (Sustainsys CVE-2020-5268 treated every method as bearer). Returns its InResponseTo.
    /// </summary>
    private static string? CheckSubjectConfirmation(Run run, XmlElement? subject, IdentityProviderTrust trust, string receivedAt,
        DateTimeOffset now, out DateTimeOffset? notOnOrAfter)
    {
        notOnOrAfter = null;
        var confirmations = subject is null ? [] : XmlElements.Children(subject, "SubjectConfirmation", SamlNames.Assertion).ToList();
        var bearers = confirmations.Where(c => c.GetAttribute("Method") == SamlNames.BearerConfirmation).ToList();
        if (bearers.Count == 0)
        {
            run.Fail(ValidationCodes.NoBearerConfirmation, "No valid SubjectConfirmation found. A bearer confirmation is required.",
                string.Join(", ", confirmations.Select(c => c.GetAttribute("Method"))));
            return null;
        }
        var failures = new List<ValidationProblem>();
        foreach (var bearer in bearers)
        {
            var data = XmlElements.First(bearer, "SubjectConfirmationData", SamlNames.Assertion);
            var local = new List<ValidationProblem>();
            var recipient = data?.GetAttributeNode("Recipient")?.Value;
            if (recipient is null || !IsOurEndpoint(recipient, trust, receivedAt))
                local.Add(new(ValidationCodes.RecipientMismatch, $"Recipient mismatch. Expect: {receivedAt}, actual: {recipient ?? "(none)"}", recipient));
            var noa = ParseTime(data?.GetAttributeNode("NotOnOrAfter")?.Value);
            if (noa is null)
                local.Add(new(ValidationCodes.SubjectExpired, "The bearer SubjectConfirmationData has no NotOnOrAfter."));
            else if (now >= noa.Value + trust.ClockSkew)
                local.Add(new(ValidationCodes.SubjectExpired, $"Subject is expired. Now: {Format(now)}, NotOnOrAfter: {Format(noa.Value)}", Format(noa.Value)));
            var nb = ParseTime(data?.GetAttributeNode("NotBefore")?.Value);
            if (nb is not null && now < nb.Value - trust.ClockSkew)
                local.Add(new(ValidationCodes.SubjectNotYetValid, $"Subject is valid in the future. Now: {Format(now)}, NotBefore: {Format(nb.Value)}", Format(nb.Value)));
            if (local.Count == 0)
            {
                notOnOrAfter = noa;
                run.Step("Subject confirmation", true, recipient!);
                return data?.GetAttributeNode("InResponseTo")?.Value;
            }
            failures.AddRange(local);
        }
        run.AddAll(failures);
        return bearers.Select(b => XmlElements.First(b, "SubjectConfirmationData", SamlNames.Assertion)?.GetAttributeNode("InResponseTo")?.Value)
            .FirstOrDefault(v => v is not null);
    }

    private static DateTimeOffset? CheckConditions(Run run, XmlElement assertion, IdentityProviderTrust trust, DateTimeOffset now)
    {
        var conditions = XmlElements.First(assertion, "Conditions", SamlNames.Assertion);
        if (conditions is null)
        {
            run.Fail(ValidationCodes.AudienceMismatch, "AudienceRestriction validation failed. No matching audience found: the assertion has no Conditions.");
            return null;
        }
        var notBefore = ParseTime(conditions.GetAttributeNode("NotBefore")?.Value);
        var notOnOrAfter = ParseTime(conditions.GetAttributeNode("NotOnOrAfter")?.Value);
        if (notBefore is not null && now < notBefore.Value - trust.ClockSkew)
            run.Fail(ValidationCodes.NotYetValid, $"Assertion is valid in the future, now: {Format(now)}, notBefore: {Format(notBefore.Value)}", Format(notBefore.Value));
        if (notOnOrAfter is null)
            run.Fail(ValidationCodes.Expired, "The assertion's Conditions have no NotOnOrAfter.");
        else if (now >= notOnOrAfter.Value + trust.ClockSkew)
            run.Fail(ValidationCodes.Expired, $"Assertion is expired, now: {Format(now)}, notOnOrAfter: {Format(notOnOrAfter.Value)}", Format(notOnOrAfter.Value));
        var issueInstant = ParseTime(assertion.GetAttributeNode("IssueInstant")?.Value);
        var start = notBefore ?? issueInstant;
        if (start is not null && notOnOrAfter is not null && notOnOrAfter.Value - start.Value > trust.MaxAssertionLifetime)
            run.Fail(ValidationCodes.LifetimeTooLong,
                $"The assertion is valid for {(notOnOrAfter.Value - start.Value).TotalHours:0.#} hours, longer than the {trust.MaxAssertionLifetime.TotalHours:0.#} accepted.");

        var restrictions = XmlElements.Children(conditions, "AudienceRestriction", SamlNames.Assertion).ToList();
        if (restrictions.Count == 0)
            run.Fail(ValidationCodes.AudienceMismatch, "AudienceRestriction validation failed. No matching audience found.");
        // Every restriction must admit us: they are ANDed (SAML core 2.5.1.4).
        foreach (var restriction in restrictions)
        {
            var audiences = XmlElements.Children(restriction, "Audience", SamlNames.Assertion).Select(e => e.InnerText.Trim()).ToList();
            if (!audiences.Contains(trust.Audience, StringComparer.Ordinal))
                run.Fail(ValidationCodes.AudienceMismatch,
                    $"Assertion audience mismatch. Expect: {trust.Audience}, actual: {string.Join(", ", audiences)}", string.Join(", ", audiences));
        }
        return notOnOrAfter;
    }

    private static IReadOnlyDictionary<string, IReadOnlyList<string>> ReadAttributes(Run run, XmlElement assertion)
    {
        var attributes = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var statement in XmlElements.Children(assertion, "AttributeStatement", SamlNames.Assertion))
            foreach (var attribute in XmlElements.Children(statement, "Attribute", SamlNames.Assertion))
            {
                var name = attribute.GetAttribute("Name");
                if (name.Length == 0) continue;
                var values = XmlElements.Children(attribute, "AttributeValue", SamlNames.Assertion)
                    .Select(e => e.InnerText).ToList();
                attributes[name] = attributes.TryGetValue(name, out var earlier) ? [.. earlier, .. values] : values;
            }
        _ = run;
        return attributes;
    }

    /// <summary>
    /// An identity value read as the element's whole text. A comment splits the text into two nodes that exclusive
    /// C14N joins back for the digest; reading only the first node is the classic truncation bug
    /// (CVE-2017-11427 and siblings). An element inside an identity field is refused outright.
    /// </summary>
    private static string? ReadIdentity(Run run, XmlElement? element, string what)
    {
        if (element is null) return null;
        if (element.ChildNodes.Cast<XmlNode>().Any(n => n.NodeType == XmlNodeType.Element))
        {
            run.Fail(ValidationCodes.IdentityFieldStructure, $"The {what} contains markup; an identity value must be plain text.");
            return null;
        }
        return element.InnerText.Trim();
    }

    internal static DateTimeOffset? ParseTime(string? value) =>
        value is not null && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed) ? parsed : null;

    private static string Format(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Path(XmlElement element)
    {
        var parts = new List<string>();
        for (XmlNode? node = element; node is XmlElement e; node = node.ParentNode) parts.Add(e.LocalName);
        parts.Reverse();
        return "/" + string.Join("/", parts);
    }

    /// <summary>The state of one validation: what it found so far.</summary>
    private sealed class Run(DateTimeOffset now)
    {
        private readonly List<ValidationProblem> _problems = [];
        private readonly List<ValidationStep> _steps = [];
        public DateTimeOffset Now { get; } = now;
        public string ResponseId { get; set; } = "";
        public string? Issuer { get; set; }
        public string? RecordId { get; set; }
        public string? InResponseTo { get; set; }
        public string? NameId { get; set; }
        public IReadOnlyList<ValidationProblem> Problems => _problems;

        public void Fail(string code, string message, string? evidence = null)
        {
            _problems.Add(new ValidationProblem(code, message, evidence));
            _steps.Add(new ValidationStep(code, false, message));
        }

        public void AddAll(IEnumerable<ValidationProblem> problems)
        {
            foreach (var p in problems) Fail(p.Code, p.Message, p.Evidence);
        }

        public void Step(string name, bool passed, string detail) => _steps.Add(new ValidationStep(name, passed, detail));
        public bool Has(string code) => _problems.Any(p => p.Code == code);
        public bool HasAny(params string[] codes) => _problems.Any(p => codes.Contains(p.Code));

        public XmlDocument? Decode(string? encoded)
        {
            if (string.IsNullOrWhiteSpace(encoded))
            {
                Fail(ValidationCodes.InvalidBase64, "The SAMLResponse is empty.");
                return null;
            }
            if (encoded.Length > MaxEncodedLength)
            {
                Fail(ValidationCodes.TooLarge, $"The SAMLResponse is {encoded.Length} characters, more than the {MaxEncodedLength} accepted.");
                return null;
            }
            // IdPs may wrap the base64 in lines; nothing else but those blanks is tolerated (the HTTP-POST binding's rule).
            if (!StrictBase64.TryDecode(encoded, allowLineWhitespace: true, out var bytes))
            {
                Fail(ValidationCodes.InvalidBase64, "The SAMLResponse is not valid base64.");
                return null;
            }
            try
            {
                return SafeXml.Load(bytes);
            }
            catch (SamlXmlException e)
            {
                Fail(e.Code, e.Message);
                return null;
            }
        }

        public ValidationResult Result(ValidatedAssertion? assertion = null) => new()
        {
            Problems = _problems.ToList(),
            Steps = _steps.ToList(),
            Issuer = Issuer,
            RecordId = RecordId,
            InResponseTo = InResponseTo,
            NameId = NameId,
            Assertion = _problems.Count == 0 ? assertion : null,
        };
    }
}
