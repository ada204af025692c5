namespace IdentityBridge.Saml.Bindings;

/// <summary>Whether a bound message is a request (<c>SAMLRequest</c>) or a response (<c>SAMLResponse</c>).</summary>
public enum SamlMessageKind
{
    /// <summary>A request, carried as <c>SAMLRequest</c>.</summary>
    Request,
    /// <summary>A response, carried as <c>SAMLResponse</c>.</summary>
    Response,
}

/// <summary>The parameter names of SAML Bindings 3.4.4 and 3.5.4, spelled exactly as the spec spells them.</summary>
internal static class SamlParameters
{
    public const string Request = "SAMLRequest";
    public const string Response = "SAMLResponse";
    public const string RelayState = "RelayState";
    public const string SigAlg = "SigAlg";
    public const string Signature = "Signature";

    public static string NameOf(SamlMessageKind kind) => kind switch
    {
        SamlMessageKind.Request => Request,
        SamlMessageKind.Response => Response,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown message kind."),
    };
}
