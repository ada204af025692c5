using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IdentityBridge.Saml.Xml;

namespace IdentityBridge.Saml.Bindings;

/// <summary>Limits applied to HTTP-Redirect messages before and while they are decoded.</summary>
public sealed record HttpRedirectBindingOptions
{
    /// <summary>
    /// The longest raw query string accepted, in characters, checked before anything else. AuthnRequests and logout
    /// messages are a few hundred bytes deflated; web servers cap request lines near 8 KB anyway.
    /// </summary>
    public int MaxEncodedLength { get; init; } = 16 * 1024;

    /// <summary>The most bytes a message may inflate to; inflating stops there.</summary>
    public int MaxInflatedBytes { get; init; } = 128 * 1024;
}

/// <summary>
/// The SAML HTTP-Redirect binding (SAML Bindings 3.4): a message deflated, base64-encoded and carried in the query
/// string, optionally signed over the query parameters.
/// </summary>
public sealed class HttpRedirectBinding
{
    private readonly HttpRedirectBindingOptions options;

    /// <summary>A binding with the given limits, or the defaults of <see cref="HttpRedirectBindingOptions"/>.</summary>
    public HttpRedirectBinding(HttpRedirectBindingOptions? options = null)
    {
        this.options = options ?? new HttpRedirectBindingOptions();
        if (this.options.MaxEncodedLength <= 0 || this.options.MaxInflatedBytes <= 0)
            throw new ArgumentOutOfRangeException(nameof(options), "MaxEncodedLength and MaxInflatedBytes must be positive.");
    }

    /// <summary>
    /// Builds the URL that sends <paramref name="messageXml"/> to <paramref name="destination"/>. A query already on the
    /// destination (such as ServiceNow's <c>?glide_sso_id=</c>) is kept and the SAML parameters follow it.
    /// </summary>
    public string BuildUrl(string destination, SamlMessageKind kind, string messageXml, string? relayState = null, RedirectSigning? signing = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(destination);
        var query = EncodeQuery(kind, messageXml, relayState, signing);
        var fragmentAt = destination.IndexOf('#');
        var (beforeFragment, fragment) = fragmentAt < 0 ? (destination, "") : (destination[..fragmentAt], destination[fragmentAt..]);
        var separator = !beforeFragment.Contains('?') ? "?" : beforeFragment.EndsWith('?') || beforeFragment.EndsWith('&') ? "" : "&";
        return beforeFragment + separator + query + fragment;
    }

    /// <summary>
    /// Encodes the SAML query parameters (without a leading '?'): the message raw-DEFLATEd and base64-encoded,
    /// RelayState when given, and when signing, SigAlg and a PKCS#1 v1.5 Signature over
    /// <c>SAMLRequest=..&amp;RelayState=..&amp;SigAlg=..</c> exactly as written into the query.
    /// </summary>
    public string EncodeQuery(SamlMessageKind kind, string messageXml, string? relayState = null, RedirectSigning? signing = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(messageXml);
        var deflated = RawDeflate.Compress(Encoding.UTF8.GetBytes(messageXml));
        var query = new StringBuilder()
            .Append(SamlParameters.NameOf(kind)).Append('=').Append(QueryEncoding.Encode(Convert.ToBase64String(deflated)));
        if (relayState is not null)
            query.Append('&').Append(SamlParameters.RelayState).Append('=').Append(QueryEncoding.Encode(relayState));
        if (signing is null)
            return query.ToString();

        var hash = SamlNames.HashOf(signing.Algorithm)
            ?? throw new ArgumentException($"'{signing.Algorithm}' is not an RSA signature algorithm this binding signs with.", nameof(signing));
        using var key = signing.Certificate.GetRSAPrivateKey()
            ?? throw new ArgumentException("The signing certificate has no RSA private key.", nameof(signing));
        query.Append('&').Append(SamlParameters.SigAlg).Append('=').Append(QueryEncoding.Encode(signing.Algorithm));
        var signature = key.SignData(Encoding.ASCII.GetBytes(query.ToString()), hash, RSASignaturePadding.Pkcs1);
        return query.Append('&').Append(SamlParameters.Signature).Append('=').Append(QueryEncoding.Encode(Convert.ToBase64String(signature))).ToString();
    }

    /// <summary>
    /// Decodes a message from the raw query string, exactly as received (still percent-encoded, with or without the
    /// leading '?'); in ASP.NET Core that is <c>Request.QueryString.Value</c>, not the parsed <c>Request.Query</c>.
    /// Never throws for bad input. Does not verify the signature: call <see cref="VerifySignature"/>.
    /// </summary>
    public BindingResult<RedirectMessage> Decode(string? rawQuery)
    {
        var query = rawQuery ?? "";
        // The cap comes first, so no work at all is spent on an oversized query.
        if (query.Length > options.MaxEncodedLength)
            return BindingResult<RedirectMessage>.Failure(BindingCodes.TooLarge,
                $"The query string is {query.Length} characters, more than the {options.MaxEncodedLength} allowed.");
        if (query.StartsWith('?')) query = query[1..];

        var sorted = SamlParameterSet.From(SplitQuery(query));
        if (!sorted.Succeeded) return BindingResult<RedirectMessage>.Failure(sorted.Error);
        var raw = sorted.Value;
        var messageName = SamlParameters.NameOf(raw.Kind);

        if (!QueryEncoding.TryDecode(raw.Message, out var messageBase64))
            return InvalidEncoding(messageName);
        if (!StrictBase64.TryDecode(messageBase64, allowLineWhitespace: false, out var deflated))
            return BindingResult<RedirectMessage>.Failure(BindingCodes.InvalidBase64, $"{messageName} is not valid base64.");
        using var compressed = new MemoryStream(deflated, writable: false);
        var inflated = RawDeflate.Inflate(compressed, options.MaxInflatedBytes);
        if (!inflated.Succeeded) return BindingResult<RedirectMessage>.Failure(inflated.Error);

        string? relayState = null, sigAlg = null;
        byte[]? signature = null;
        if (raw.RelayState is not null && !QueryEncoding.TryDecode(raw.RelayState, out relayState))
            return InvalidEncoding(SamlParameters.RelayState);
        if (raw.SigAlg is not null && !QueryEncoding.TryDecode(raw.SigAlg, out sigAlg))
            return InvalidEncoding(SamlParameters.SigAlg);
        if (raw.Signature is not null)
        {
            if (!QueryEncoding.TryDecode(raw.Signature, out var signatureBase64))
                return InvalidEncoding(SamlParameters.Signature);
            if (!StrictBase64.TryDecode(signatureBase64, allowLineWhitespace: false, out var signatureBytes))
                return BindingResult<RedirectMessage>.Failure(BindingCodes.InvalidBase64, "Signature is not valid base64.");
            signature = signatureBytes;
        }

        // SAML Bindings 3.4.4.1: the signed octets are the parameters in this order, as they appear in the query.
        var signed = new StringBuilder(messageName).Append('=').Append(raw.Message);
        if (raw.RelayState is not null) signed.Append('&').Append(SamlParameters.RelayState).Append('=').Append(raw.RelayState);
        if (raw.SigAlg is not null) signed.Append('&').Append(SamlParameters.SigAlg).Append('=').Append(raw.SigAlg);

        return BindingResult<RedirectMessage>.Success(new RedirectMessage
        {
            Kind = raw.Kind,
            Xml = inflated.Value,
            RelayState = relayState,
            SigAlg = sigAlg,
            Signature = signature,
            SignedOctets = signed.ToString(),
        });
    }

    /// <summary>
    /// Verifies the query signature with the keys of <paramref name="trustedCertificates"/> only (never a key the
    /// message names). Allowed algorithms: RSA-SHA256, RSA-SHA384, RSA-SHA512, and RSA-SHA1 only when
    /// <paramref name="allowSha1"/> (an IdP record set to SHA-1). On success the value is the certificate whose key
    /// verified. Codes: <see cref="BindingCodes.SignatureMissing"/>, <see cref="BindingCodes.AlgorithmForbidden"/>,
    /// <see cref="BindingCodes.SignatureInvalid"/>, <see cref="BindingCodes.NoCertificate"/>.
    /// </summary>
    public BindingResult<X509Certificate2> VerifySignature(RedirectMessage message, IEnumerable<X509Certificate2> trustedCertificates, bool allowSha1 = false)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(trustedCertificates);
        if (message.Signature is null || message.SigAlg is null)
            return BindingResult<X509Certificate2>.Failure(BindingCodes.SignatureMissing, message.Signature is null
                ? "The message is not signed: the query has no Signature parameter."
                : "The query has a Signature but no SigAlg, so the signature cannot be checked.");

        var hash = SamlNames.HashOf(message.SigAlg);
        if (hash is null)
            return BindingResult<X509Certificate2>.Failure(BindingCodes.AlgorithmForbidden,
                $"SigAlg '{SamlParameterSet.Shorten(message.SigAlg)}' is not allowed; use {SamlNames.RsaSha256}.");
        if (hash == HashAlgorithmName.SHA1 && !allowSha1)
            return BindingResult<X509Certificate2>.Failure(BindingCodes.AlgorithmForbidden,
                $"The message is signed with RSA-SHA1, which is refused unless the identity provider record allows SHA-1; sign with {SamlNames.RsaSha256}.");

        var certificates = trustedCertificates.ToList();
        if (certificates.Count == 0)
            return BindingResult<X509Certificate2>.Failure(BindingCodes.NoCertificate,
                "No trusted certificate is configured, so no signature can be accepted; add the peer's signing certificate.");

        var signedOctets = Encoding.ASCII.GetBytes(message.SignedOctets);
        foreach (var certificate in certificates)
        {
            using var key = certificate.GetRSAPublicKey();
            if (key is null) continue;
            try
            {
                if (key.VerifyData(signedOctets, message.Signature, hash.Value, RSASignaturePadding.Pkcs1))
                    return BindingResult<X509Certificate2>.Success(certificate);
            }
            catch (CryptographicException)
            {
                // A signature of the wrong length for this key is simply not a match; try the next certificate.
            }
        }

        return BindingResult<X509Certificate2>.Failure(BindingCodes.SignatureInvalid,
            $"The query signature does not verify with any of the {certificates.Count} trusted certificate(s).");
    }

    /// <summary>Splits on '&amp;', then each parameter on its first '=' (a value may contain more, as RelayState does).</summary>
    private static IEnumerable<ReceivedParameter> SplitQuery(string query)
    {
        foreach (var segment in query.Split('&'))
        {
            if (segment.Length == 0) continue;
            var equals = segment.IndexOf('=');
            var rawName = equals < 0 ? segment : segment[..equals];
            // A name is compared decoded, so 'SAML%52equest' is seen for what a form parser would make of it.
            var name = QueryEncoding.TryDecode(rawName, out var decoded) ? decoded : rawName;
            yield return new ReceivedParameter(rawName, name, equals < 0 ? "" : segment[(equals + 1)..], HasValue: equals >= 0);
        }
    }

    private static BindingResult<RedirectMessage> InvalidEncoding(string parameter) =>
        BindingResult<RedirectMessage>.Failure(BindingCodes.InvalidEncoding,
            $"{parameter} has a broken percent-escape or is not UTF-8 text.");
}
