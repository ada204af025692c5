using System.Xml;
using IdentityBridge.Saml.Xml;

namespace IdentityBridge.Saml.Messages;

/// <summary>
/// A SAML 2.0 AuthnRequest (SAML Core 3.4.1), written in the shape ServiceNow's Multi-Provider SSO sends
/// (spec/servicenow.md 5.4): <c>saml2p:</c>/<c>saml2:</c> prefixes, ACS URL and ProviderName set to the instance's
/// navpage.do, HTTP-POST protocol binding, ForceAuthn and IsPassive always written.
/// </summary>
public sealed record AuthnRequest
{
    /// <summary>The request ID, an NCName (ServiceNow: <c>SNC</c> and 32 hex digits).</summary>
    public required string Id { get; init; }

    /// <summary>When the request was issued; written in UTC to the second.</summary>
    public required DateTimeOffset IssueInstant { get; init; }

    /// <summary>The IdP's SSO URL the request is sent to.</summary>
    public string? Destination { get; init; }

    /// <summary>Where the IdP must post the response (ServiceNow: <c>https://&lt;instance&gt;/navpage.do</c>).</summary>
    public string? AssertionConsumerServiceUrl { get; init; }

    /// <summary>The binding the response must use; HTTP-POST by default.</summary>
    public string? ProtocolBinding { get; init; } = SamlNames.HttpPostBinding;

    /// <summary>A human-readable name of the requester (ServiceNow writes its navpage.do URL here).</summary>
    public string? ProviderName { get; init; }

    /// <summary>The IdP must authenticate the user afresh, even within an existing session.</summary>
    public bool ForceAuthn { get; init; }

    /// <summary>The IdP must not interact with the user.</summary>
    public bool IsPassive { get; init; }

    /// <summary>The requester's entity ID (ServiceNow: the instance URL, without trailing slash).</summary>
    public required string Issuer { get; init; }

    /// <summary>The NameID the requester wants; null to leave it to the IdP.</summary>
    public NameIdPolicy? NameIdPolicy { get; init; }

    /// <summary>The authentication context the requester wants; null for none.</summary>
    public RequestedAuthnContext? RequestedAuthnContext { get; init; }

    private static readonly ChildRule NameIdPolicyRule = new("NameIDPolicy", SamlNames.Protocol);
    private static readonly ChildRule RequestedAuthnContextRule = new("RequestedAuthnContext", SamlNames.Protocol);

    // SAML Core 3.4.1 sequence. Subject, Conditions and Scoping are allowed and ignored: they narrow what an IdP may
    // do, and ignoring them only makes the IdP less accommodating, never less strict.
    private static readonly ChildRule[] Sequence =
    [
        ChildRule.Issuer, ChildRule.Signature, ChildRule.Extensions, new("Subject", SamlNames.Assertion), NameIdPolicyRule,
        new("Conditions", SamlNames.Assertion), RequestedAuthnContextRule, new("Scoping", SamlNames.Protocol),
    ];

    /// <summary>The request as XML text, ready for the HTTP-Redirect or HTTP-POST binding.</summary>
    public string ToXml() => ToXmlDocument().OuterXml;

    /// <summary>The request as a document (for example to sign it before posting).</summary>
    public XmlDocument ToXmlDocument()
    {
        var (document, root) = MessageXml.NewMessage("AuthnRequest", Id);
        MessageXml.SetAttributes(root,
            ("AssertionConsumerServiceURL", AssertionConsumerServiceUrl),
            ("Destination", Destination),
            ("ForceAuthn", MessageXml.FormatBoolean(ForceAuthn)),
            ("ID", Id),
            ("IsPassive", MessageXml.FormatBoolean(IsPassive)),
            ("IssueInstant", MessageXml.FormatInstant(IssueInstant)),
            ("ProtocolBinding", ProtocolBinding),
            ("ProviderName", ProviderName),
            ("Version", MessageXml.Version));
        MessageXml.AddAssertion(root, "Issuer", Issuer);
        if (NameIdPolicy is { } policy)
        {
            var element = MessageXml.AddProtocol(root, "NameIDPolicy");
            MessageXml.SetAttributes(element,
                ("AllowCreate", MessageXml.FormatBoolean(policy.AllowCreate)),
                ("Format", policy.Format),
                ("SPNameQualifier", policy.SpNameQualifier));
        }

        if (RequestedAuthnContext is { } context)
        {
            if (context.ClassRefs.Count == 0)
                throw new InvalidOperationException("A RequestedAuthnContext needs at least one AuthnContextClassRef.");
            var element = MessageXml.AddProtocol(root, "RequestedAuthnContext");
            MessageXml.SetAttributes(element, ("Comparison", RequestedAuthnContext.Format(context.Comparison)));
            foreach (var classRef in context.ClassRefs)
                MessageXml.AddAssertion(element, "AuthnContextClassRef", classRef);
        }

        return document;
    }

    /// <summary>Parses and checks a request given as text, through <see cref="SafeXml"/>.</summary>
    /// <exception cref="SamlMessageException">The text is not a well-formed, valid AuthnRequest; see its Code.</exception>
    public static AuthnRequest Parse(string xml) => Parse(MessageXml.Load(xml));

    /// <summary>
    /// Reads an AuthnRequest strictly: root <c>samlp:AuthnRequest</c>, Version 2.0, an NCName ID, IssueInstant, an
    /// Issuer, children in schema order. Does not verify an enveloped signature.
    /// </summary>
    /// <exception cref="SamlMessageException">The document is not a valid AuthnRequest; see its Code.</exception>
    public static AuthnRequest Parse(XmlDocument document)
    {
        var root = MessageXml.Root(document, "AuthnRequest");
        var id = MessageXml.Id(root);
        var children = MessageXml.Children(root, Sequence);
        NameIdPolicy? policy = null;
        RequestedAuthnContext? context = null;
        foreach (var (element, rule) in children)
        {
            if (rule == NameIdPolicyRule) policy = ReadPolicy(element);
            else if (rule == RequestedAuthnContextRule) context = RequestedAuthnContext.Read(element);
        }

        return new AuthnRequest
        {
            Id = id,
            IssueInstant = MessageXml.RequiredInstant(root, "IssueInstant"),
            Destination = MessageXml.Uri(root, "Destination"),
            AssertionConsumerServiceUrl = MessageXml.Uri(root, "AssertionConsumerServiceURL"),
            ProtocolBinding = MessageXml.Uri(root, "ProtocolBinding"),
            ProviderName = MessageXml.Attribute(root, "ProviderName"),
            ForceAuthn = MessageXml.Boolean(root, "ForceAuthn"),
            IsPassive = MessageXml.Boolean(root, "IsPassive"),
            Issuer = MessageXml.Issuer(root, children),
            NameIdPolicy = policy,
            RequestedAuthnContext = context,
        };
    }

    private static NameIdPolicy ReadPolicy(XmlElement element)
    {
        MessageXml.Children(element);
        return new NameIdPolicy
        {
            Format = MessageXml.Uri(element, "Format"),
            SpNameQualifier = MessageXml.Attribute(element, "SPNameQualifier"),
            AllowCreate = MessageXml.Boolean(element, "AllowCreate"),
        };
    }
}

/// <summary>The NameIDPolicy of an AuthnRequest.</summary>
public sealed record NameIdPolicy
{
    /// <summary>The NameID format wanted (ServiceNow: the record's NameID Policy, e.g. <see cref="SamlNames.NameIdUnspecified"/>).</summary>
    public string? Format { get; init; }

    /// <summary>The affiliation the NameID is for; rarely used.</summary>
    public string? SpNameQualifier { get; init; }

    /// <summary>Whether the IdP may create a new identifier for the user (ServiceNow: true).</summary>
    public bool AllowCreate { get; init; }
}

/// <summary>How a RequestedAuthnContext compares the IdP's authentication with the classes listed (SAML Core 3.3.2.2.1).</summary>
public enum AuthnContextComparison
{
    /// <summary>One of the classes listed, exactly.</summary>
    Exact,
    /// <summary>At least as strong as one of the classes listed.</summary>
    Minimum,
    /// <summary>As strong as possible but no stronger than the classes listed.</summary>
    Maximum,
    /// <summary>Stronger than any of the classes listed.</summary>
    Better,
}

/// <summary>The RequestedAuthnContext of an AuthnRequest: the authentication context classes the requester accepts.</summary>
public sealed record RequestedAuthnContext
{
    /// <summary>The comparison; null when absent, which SAML reads as exact.</summary>
    public AuthnContextComparison? Comparison { get; init; }

    /// <summary>The AuthnContextClassRef URIs, at least one, in order of preference.</summary>
    public required IReadOnlyList<string> ClassRefs { get; init; }

    private static readonly ChildRule ClassRefRule = new("AuthnContextClassRef", SamlNames.Assertion, Repeats: true);

    internal static string? Format(AuthnContextComparison? comparison) => comparison switch
    {
        null => null,
        AuthnContextComparison.Exact => "exact",
        AuthnContextComparison.Minimum => "minimum",
        AuthnContextComparison.Maximum => "maximum",
        AuthnContextComparison.Better => "better",
        _ => throw new ArgumentOutOfRangeException(nameof(comparison), comparison, "Unknown comparison."),
    };

    internal static RequestedAuthnContext Read(XmlElement element)
    {
        var comparison = MessageXml.Attribute(element, "Comparison") switch
        {
            null => (AuthnContextComparison?)null,
            "exact" => AuthnContextComparison.Exact,
            "minimum" => AuthnContextComparison.Minimum,
            "maximum" => AuthnContextComparison.Maximum,
            "better" => AuthnContextComparison.Better,
            var other => throw new SamlMessageException(MessageCodes.InvalidAttribute,
                $"The RequestedAuthnContext Comparison \"{MessageXml.Shorten(other)}\" is not exact, minimum, maximum or better."),
        };
        var classRefs = MessageXml.Children(element, ClassRefRule,
                new ChildRule("AuthnContextDeclRef", SamlNames.Assertion, Repeats: true, Unsupported: "request context classes with AuthnContextClassRef."))
            .Select(child => MessageXml.IdentityText(child.Element))
            .ToList();
        if (classRefs.Count == 0)
            throw new SamlMessageException(MessageCodes.UnexpectedElement, "The RequestedAuthnContext lists no AuthnContextClassRef.");
        return new RequestedAuthnContext { Comparison = comparison, ClassRefs = classRefs };
    }
}
