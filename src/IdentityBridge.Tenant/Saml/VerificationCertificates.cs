using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml;
using IdentityBridge.Saml.Bindings;
using IdentityBridge.Saml.Validation;
using IdentityBridge.Saml.Xml;
using IdentityBridge.Tenant.SignIn;

namespace IdentityBridge.Tenant.Saml;

/// <summary>One of an app's verification certificates as an admin sees it: the certificate, its thumbprint and expiry.</summary>
public sealed record VerificationCertificate(string Key, string Thumbprint, DateTimeOffset StartDateTime, DateTimeOffset EndDateTime);

/// <summary>Why a request's signature was refused: the error page, and what the sign-in log keeps for the admin.</summary>
public sealed record VerificationRefusal(SignInError Error, string Detail);

/// <summary>
/// Entra's "Verification certificates (optional)" of a SAML app: public certificates the app signs its AuthnRequests
/// and LogoutRequests with. Once an app has any, a signed request must verify with one of them (a bad signature is
/// never waved through because signing was optional); with "Require verification certificates" an unsigned request
/// is refused too; RSA-SHA1 only with "Allow requests signed with RSA-SHA1". Signatures are checked where the binding
/// puts them: the query's SigAlg and Signature on HTTP-Redirect, the enveloped ds:Signature on HTTP-POST; a signature
/// in the other place does not count, as Entra refuses it (AADSTS76021).
/// </summary>
public static class VerificationCertificates
{
    /// <summary>The most certificates an app keeps (enough for a rollover with room to spare).</summary>
    public const int MaxCount = 10;

    /// <summary>The smallest RSA key accepted, as Entra's own signing certificates.</summary>
    public const int MinRsaBits = 2048;

    /// <summary>
    /// The stored spelling of a certificate an admin gives: base64 of its DER bytes, from PEM or base64 (with or
    /// without line breaks). Text that is neither is returned as it is, for <see cref="Problem"/> to name.
    /// </summary>
    public static string Canonical(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.Contains("-----BEGIN", StringComparison.Ordinal))
        {
            if (!PemEncoding.TryFind(trimmed, out var fields) || !trimmed[fields.Label].Equals("CERTIFICATE", StringComparison.Ordinal))
                return trimmed;
            var data = trimmed[fields.Base64Data];
            var bytes = new byte[fields.DecodedDataLength];
            return Convert.TryFromBase64Chars(data, bytes, out var written) ? Convert.ToBase64String(bytes, 0, written) : trimmed;
        }
        var compact = string.Concat(trimmed.Where(c => !char.IsWhiteSpace(c)));
        var buffer = new byte[compact.Length];
        return Convert.TryFromBase64String(compact, buffer, out var length) ? Convert.ToBase64String(buffer, 0, length) : trimmed;
    }

    /// <summary>What is wrong with the settings' certificates, for any clock: shape, key and count.</summary>
    public static string? Problem(SamlSettings settings)
    {
        var list = settings.VerificationCertificates;
        if (list.Count > MaxCount) return $"An application can have at most {MaxCount} verification certificates; remove one first.";
        var thumbprints = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < list.Count; i++)
        {
            using var certificate = Load(list[i]);
            // The value is never echoed: what was pasted by mistake may be a private key.
            if (certificate is null)
                return list[i].Contains("PRIVATE KEY", StringComparison.Ordinal)
                    ? $"Certificate {i + 1} is a private key; give only the public certificate (.cer or .pem), and keep the key with the application."
                    : $"Certificate {i + 1} is not an X.509 certificate; give the public certificate (.cer or .pem, base64 of its DER bytes).";
            using (var rsa = certificate.GetRSAPublicKey())
            {
                if (rsa is null)
                    return $"The certificate '{certificate.Subject}' has no RSA key; SAML requests are verified with RSA, so give an RSA certificate of {MinRsaBits} bits or more.";
                if (rsa.KeySize < MinRsaBits)
                    return $"The certificate '{certificate.Subject}' has a {rsa.KeySize}-bit RSA key; verification certificates need {MinRsaBits} bits or more.";
            }
            if (!thumbprints.Add(certificate.Thumbprint)) return $"The certificate {certificate.Thumbprint} is listed twice.";
        }
        if (settings.RequireVerificationCertificates && list.Count == 0)
            return "Requiring verification certificates needs at least one: upload the certificate the application signs its requests with first.";
        return null;
    }

    /// <summary>A certificate newly given that is already expired (or not yet valid) is refused; ones kept from before may age.</summary>
    public static string? FreshnessProblem(SamlSettings settings, SamlSettings current, DateTimeOffset now)
    {
        foreach (var key in settings.VerificationCertificates.Except(current.VerificationCertificates, StringComparer.Ordinal))
        {
            using var certificate = Load(key);
            if (certificate is null) continue;
            if (certificate.NotAfter.ToUniversalTime() <= now.UtcDateTime)
                return $"The certificate '{certificate.Subject}' ({certificate.Thumbprint}) expired on {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}; upload a current one.";
            if (certificate.NotBefore.ToUniversalTime() > now.UtcDateTime)
                return $"The certificate '{certificate.Subject}' ({certificate.Thumbprint}) is not valid before {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm} UTC.";
        }
        return null;
    }

    /// <summary>The app's certificates for display (Graph and the command line); one that does not parse is left out.</summary>
    public static IReadOnlyList<VerificationCertificate> Describe(SamlSettings settings)
    {
        var described = new List<VerificationCertificate>();
        foreach (var key in settings.VerificationCertificates)
        {
            using var certificate = Load(key);
            if (certificate is not null)
                described.Add(new(key, certificate.Thumbprint, certificate.NotBefore.ToUniversalTime(), certificate.NotAfter.ToUniversalTime()));
        }
        return described;
    }

    /// <summary>
    /// Checks a request's signature against the app's settings; null lets it through. <paramref name="redirect"/> is
    /// the message as the HTTP-Redirect binding decoded it, null on HTTP-POST.
    /// </summary>
    public static VerificationRefusal? Check(SamlApplication app, XmlDocument document, RedirectMessage? redirect, DateTimeOffset now)
    {
        var settings = app.Settings;
        var what = document.DocumentElement!.LocalName;
        var issuer = document.DocumentElement!.ChildNodes.OfType<XmlElement>()
            .FirstOrDefault(e => e.LocalName == "Issuer" && e.NamespaceURI == SamlNames.Assertion)?.InnerText ?? "";
        var all = Load(settings.VerificationCertificates);
        try
        {
            var current = all.Where(c => c.NotBefore.ToUniversalTime() <= now.UtcDateTime && c.NotAfter.ToUniversalTime() > now.UtcDateTime).ToList();
            var tried = all.Count == 0 ? "none" : string.Join(", ", all.Select(c => c.Thumbprint + (current.Contains(c) ? "" : " (expired)")));
            string Detail(string outcome) => $"Issuer: {issuer}; binding: {(redirect is null ? "HTTP-POST" : "HTTP-Redirect")}; " +
                                             $"verification certificates: {tried}; {outcome}";

            var signed = redirect is not null ? redirect.Signature is not null || redirect.SigAlg is not null : HasSignature(document);
            if (!signed)
            {
                if (!settings.RequireVerificationCertificates) return null;
                var misplaced = redirect is not null && HasSignature(document)
                    ? " The message carries an XML signature, but on the HTTP-Redirect binding the signature belongs in the query (SigAlg and Signature)."
                    : "";
                return new(IdentityProviderErrors.RequestNotSigned(what, app.AppId, misplaced), Detail("unsigned"));
            }
            // Without certificates there is nothing to check with; Entra then accepts a signed request as it is.
            if (all.Count == 0) return null;
            if (current.Count == 0)
                return new(IdentityProviderErrors.RequestSignatureUntrusted(what, app.AppId,
                    "every verification certificate of the application has expired; upload the current one"), Detail("no current certificate"));

            if (redirect is not null)
            {
                var verified = new HttpRedirectBinding().VerifySignature(redirect, current, settings.AllowSha1RequestSignatures);
                if (verified.Succeeded) return null;
                var error = verified.Code == BindingCodes.AlgorithmForbidden
                    ? Algorithm(what, app, redirect.SigAlg)
                    : IdentityProviderErrors.RequestSignatureInvalid(what, app.AppId, verified.Error!.Message);
                return new(error, Detail($"{verified.Code}: {verified.Error!.Message}"));
            }

            var outcome = EnvelopedRequestSignature.Check(document, current, settings.AllowSha1RequestSignatures);
            if (outcome.Verified) return null;
            var problem = outcome.Problems.FirstOrDefault(p => p.Code == ValidationCodes.AlgorithmForbidden)
                          ?? outcome.Problems.FirstOrDefault(p => p.Code == ValidationCodes.CertificateMismatch)
                          ?? outcome.Problems.FirstOrDefault()
                          ?? new ValidationProblem(ValidationCodes.SignatureInvalid, "The signature did not verify.");
            var refusal = problem.Code switch
            {
                ValidationCodes.AlgorithmForbidden => Algorithm(what, app, problem.Evidence),
                ValidationCodes.CertificateMismatch => IdentityProviderErrors.RequestSignatureUntrusted(what, app.AppId,
                    "it carries a certificate that is not one of the application's verification certificates (" + problem.Message + ")"),
                _ => IdentityProviderErrors.RequestSignatureInvalid(what, app.AppId, problem.Message),
            };
            return new(refusal, Detail(string.Join(" | ", outcome.Problems.Select(p => $"{p.Code}: {p.Message}"))));
        }
        finally
        {
            foreach (var certificate in all) certificate.Dispose();
        }
    }

    private static SignInError Algorithm(string what, SamlApplication app, string? algorithm) =>
        algorithm is not null && SamlNames.IsSha1(algorithm)
            ? IdentityProviderErrors.RequestSignedWithSha1(what, app.AppId)
            : IdentityProviderErrors.RequestSignatureInvalid(what, app.AppId,
                $"the algorithm '{algorithm}' is not accepted; sign with {SamlNames.RsaSha256}.");

    private static bool HasSignature(XmlDocument document) =>
        document.GetElementsByTagName("Signature", SamlNames.DSig).Count > 0;

    private static List<X509Certificate2> Load(IReadOnlyList<string> keys) => keys.Select(Load).OfType<X509Certificate2>().ToList();

    private static X509Certificate2? Load(string key)
    {
        var bytes = new byte[key.Length];
        if (!Convert.TryFromBase64String(key, bytes, out var length) || length == 0) return null;
        try
        {
            return X509CertificateLoader.LoadCertificate(bytes.AsSpan(0, length));
        }
        catch (CryptographicException)
        {
            return null;
        }
    }
}
