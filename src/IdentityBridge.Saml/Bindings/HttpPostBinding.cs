using System.Net;
using System.Text;

namespace IdentityBridge.Saml.Bindings;

/// <summary>Limits applied to HTTP-POST messages before they are decoded.</summary>
public sealed record HttpPostBindingOptions
{
    /// <summary>
    /// The longest SAMLRequest/SAMLResponse form value accepted, in characters, checked before decoding. A signed
    /// Entra response with a few dozen group claims is tens of kilobytes; 512 KiB leaves room for large ones.
    /// </summary>
    public int MaxEncodedLength { get; init; } = 512 * 1024;
}

/// <summary>A message received on the HTTP-POST binding, decoded but not yet parsed or verified.</summary>
public sealed record PostMessage
{
    /// <summary>Whether the form carried SAMLRequest or SAMLResponse.</summary>
    public required SamlMessageKind Kind { get; init; }

    /// <summary>The message XML as the sender wrote it; parse it with <c>SafeXml.Load</c>.</summary>
    public required byte[] Xml { get; init; }

    /// <summary>RelayState as posted; null when absent. Untrusted: never redirect to it unchecked.</summary>
    public string? RelayState { get; init; }
}

/// <summary>
/// The SAML HTTP-POST binding (SAML Bindings 3.5): a base64-encoded message in a form that the browser posts to the
/// peer, submitted by script on load.
/// </summary>
public sealed class HttpPostBinding
{
    private readonly HttpPostBindingOptions options;

    /// <summary>A binding with the given limits, or the defaults of <see cref="HttpPostBindingOptions"/>.</summary>
    public HttpPostBinding(HttpPostBindingOptions? options = null)
    {
        this.options = options ?? new HttpPostBindingOptions();
        if (this.options.MaxEncodedLength <= 0)
            throw new ArgumentOutOfRangeException(nameof(options), "MaxEncodedLength must be positive.");
    }

    /// <summary>
    /// Builds an HTML5 page whose form posts <paramref name="messageXml"/> to <paramref name="action"/>. A small script
    /// submits it on load; without script, a notice and a visible Continue button do the same. Every value is
    /// HTML-encoded. Pass <paramref name="scriptNonce"/> when the page is served with a CSP that allows scripts by nonce.
    /// </summary>
    public string BuildPage(string action, SamlMessageKind kind, string messageXml, string? relayState = null, string? scriptNonce = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(action);
        ArgumentException.ThrowIfNullOrEmpty(messageXml);
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes(messageXml));
        var page = new StringBuilder()
            .Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"referrer\" content=\"no-referrer\">\n<title>Signing in</title>\n</head>\n<body>\n")
            .Append("<noscript><p>Script is turned off in this browser. Press Continue to carry on signing in.</p></noscript>\n")
            .Append("<form method=\"post\" action=\"").Append(Html(action)).Append("\">\n")
            .Append(Hidden(SamlParameters.NameOf(kind), encoded));
        if (relayState is not null)
            page.Append(Hidden(SamlParameters.RelayState, relayState));
        page.Append("<button type=\"submit\">Continue</button>\n</form>\n<script");
        if (!string.IsNullOrEmpty(scriptNonce))
            page.Append(" nonce=\"").Append(Html(scriptNonce)).Append('"');
        return page.Append(">document.forms[0].submit();</script>\n</body>\n</html>\n").ToString();
    }

    /// <summary>
    /// Decodes the message of a posted form, given every field as posted (a field posted twice appears twice). A SAML
    /// field posted twice, in another spelling, or both SAMLRequest and SAMLResponse are refused. Never throws for
    /// bad input.
    /// </summary>
    public BindingResult<PostMessage> Decode(IEnumerable<KeyValuePair<string, string>> formFields)
    {
        ArgumentNullException.ThrowIfNull(formFields);
        var sorted = SamlParameterSet.From(formFields.Select(f => new ReceivedParameter(f.Key, f.Key, f.Value ?? "")));
        if (!sorted.Succeeded) return BindingResult<PostMessage>.Failure(sorted.Error);

        var xml = DecodeValue(sorted.Value.Message);
        if (!xml.Succeeded) return BindingResult<PostMessage>.Failure(xml.Error);
        return BindingResult<PostMessage>.Success(new PostMessage { Kind = sorted.Value.Kind, Xml = xml.Value, RelayState = sorted.Value.RelayState });
    }

    /// <summary>
    /// Decodes one base64 SAMLRequest/SAMLResponse value: length cap first, then strict base64 in which only CR, LF,
    /// space and tab are skipped (IdPs wrap long values into lines). Never throws for bad input.
    /// </summary>
    public BindingResult<byte[]> DecodeValue(string? encoded)
    {
        if (string.IsNullOrEmpty(encoded))
            return BindingResult<byte[]>.Failure(BindingCodes.MessageMissing, "The SAML form field is empty.");
        if (encoded.Length > options.MaxEncodedLength)
            return BindingResult<byte[]>.Failure(BindingCodes.TooLarge,
                $"The SAML form field is {encoded.Length} characters, more than the {options.MaxEncodedLength} allowed.");
        return StrictBase64.TryDecode(encoded, allowLineWhitespace: true, out var bytes)
            ? BindingResult<byte[]>.Success(bytes)
            : BindingResult<byte[]>.Failure(BindingCodes.InvalidBase64, "The SAML form field is not valid base64.");
    }

    private static string Hidden(string name, string value) =>
        $"<input type=\"hidden\" name=\"{Html(name)}\" value=\"{Html(value)}\">\n";

    private static string Html(string value) => WebUtility.HtmlEncode(value);
}
