using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityBridge.Storage.Schema;

namespace IdentityBridge.Instance.Sso;

/// <summary>One X.509 certificate read from the text an admin pastes into sys_certificate.pem_certificate.</summary>
internal sealed record ParsedCertificate(X509Certificate2 Certificate, string Pem)
{
    /// <summary>The columns of sys_certificate derived from the certificate, as wire values.</summary>
    public IReadOnlyDictionary<string, string?> DerivedFields => new Dictionary<string, string?>(StringComparer.Ordinal)
    {
        ["pem_certificate"] = Pem,
        ["valid_from"] = GlideDateTimes.Format(new DateTimeOffset(Certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero)),
        ["expires"] = GlideDateTimes.Format(new DateTimeOffset(Certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero)),
        ["subject"] = Truncate(Certificate.Subject, 1000),
        ["issuer"] = Truncate(Certificate.Issuer, 1000),
        ["serial_number"] = Truncate(Certificate.SerialNumber, 100),
        ["sha1_fingerprint"] = Convert.ToHexString(SHA1.HashData(Certificate.RawData)),
        ["sha256_fingerprint"] = Convert.ToHexString(SHA256.HashData(Certificate.RawData)),
    };

    private static string Truncate(string value, int max) => value.Length > max ? value[..max] : value;
}

/// <summary>
/// Reads PEM text: exactly one <c>CERTIFICATE</c> block, or the bare base64 of one (Entra's "Certificate (Base64)"
/// download is PEM, but admins also paste the base64 alone). Anything else is refused with a reason: a second
/// certificate would be silently ignored, and a private key has no business in a trust store.
/// </summary>
internal static class CertificateText
{
    public const int MaxLength = 64 * 1024;

    public static (ParsedCertificate? Certificate, string? Error) Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return (null, "the PEM certificate is empty");
        if (text.Length > MaxLength) return (null, $"the text is longer than {MaxLength} characters");
        byte[] der;
        if (text.Contains("-----BEGIN", StringComparison.Ordinal))
        {
            var blocks = new List<(string Label, byte[] Data)>();
            var rest = text.AsSpan();
            while (PemEncoding.TryFind(rest, out var fields))
            {
                var label = rest[fields.Label].ToString();
                var data = new byte[fields.DecodedDataLength];
                if (!Convert.TryFromBase64Chars(rest[fields.Base64Data], data, out _))
                    return (null, $"the {label} block is not valid base64");
                blocks.Add((label, data));
                rest = rest[fields.Location.End.GetOffset(rest.Length)..];
            }
            if (blocks.Count == 0) return (null, "no complete -----BEGIN CERTIFICATE----- ... -----END CERTIFICATE----- block");
            if (blocks.Any(b => b.Label != "CERTIFICATE"))
                return (null, $"the text holds a {blocks.First(b => b.Label != "CERTIFICATE").Label} block; paste one certificate and nothing else");
            if (blocks.Count > 1) return (null, $"the text holds {blocks.Count} certificates; add each as its own record");
            der = blocks[0].Data;
        }
        else
        {
            var compact = string.Concat(text.Where(c => !char.IsWhiteSpace(c)));
            der = new byte[compact.Length];
            if (!Convert.TryFromBase64String(compact, der, out var written))
                return (null, "the text is neither PEM nor base64");
            der = der[..written];
        }
        try
        {
            var certificate = X509CertificateLoader.LoadCertificate(der);
            var pem = PemEncoding.WriteString("CERTIFICATE", certificate.RawData);
            return (new ParsedCertificate(certificate, pem), null);
        }
        catch (CryptographicException e)
        {
            return (null, "the data is not an X.509 certificate (" + e.Message.TrimEnd('.') + ")");
        }
    }

    /// <summary>Whether a certificate may be trusted at <paramref name="now"/>, and why not.</summary>
    public static string? Unusable(X509Certificate2 certificate, DateTimeOffset now)
    {
        var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        var notBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero);
        if (now >= notAfter) return "NotAfter: " + notAfter.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        if (now < notBefore) return "NotBefore: " + notBefore.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        return null;
    }
}
