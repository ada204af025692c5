using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Xml;
using IdentityBridge.Saml.Xml;

namespace IdentityBridge.Saml.Metadata;

/// <summary>
/// Writes SAML 2.0 metadata documents. Elements follow the schema's order and sit in the default namespace, as both
/// ServiceNow and Entra ID write them. The document is laid out before the optional signing delegate runs and is
/// never reformatted afterwards, so an enveloped signature the delegate adds stays valid.
/// </summary>
public static class MetadataWriter
{
    /// <summary>Writes service provider metadata as ServiceNow's "Generate Metadata" does.</summary>
    /// <param name="description">What to write.</param>
    /// <param name="sign">
    /// Applied to the EntityDescriptor once the document is complete, to add an enveloped ds:Signature as its first child.
    /// </param>
    /// <exception cref="ArgumentException">An entity id is empty, a URL is not absolute http(s), or no ACS is given.</exception>
    public static string WriteServiceProvider(ServiceProviderDescription description, Action<XmlElement>? sign = null)
    {
        ArgumentNullException.ThrowIfNull(description);
        RequireEntityId(description.EntityId);
        if (description.AssertionConsumerServiceUrls.Count == 0)
            throw new ArgumentException("At least one AssertionConsumerService URL is required.", nameof(description));

        var (document, entity) = StartEntity(description.EntityId, description.Id, description.ValidUntil);
        var role = Add(entity, "SPSSODescriptor");
        role.SetAttribute("AuthnRequestsSigned", XmlConvert.ToString(description.AuthnRequestsSigned));
        role.SetAttribute("WantAssertionsSigned", XmlConvert.ToString(description.WantAssertionsSigned));
        role.SetAttribute("protocolSupportEnumeration", SamlNames.Protocol);

        if (description.SigningCertificate is { } signing) AddKey(role, "signing", signing);
        if (description.EncryptionCertificate is { } encryption) AddKey(role, "encryption", encryption);
        if (description.SingleLogoutServiceUrl is { } logout) AddEndpoint(role, "SingleLogoutService", SamlNames.HttpRedirectBinding, logout);
        foreach (var format in description.NameIdFormats) Add(role, "NameIDFormat").InnerText = format;
        for (var index = 0; index < description.AssertionConsumerServiceUrls.Count; index++)
        {
            var acs = AddEndpoint(role, "AssertionConsumerService", SamlNames.HttpPostBinding, description.AssertionConsumerServiceUrls[index]);
            acs.SetAttribute("index", index.ToString(CultureInfo.InvariantCulture));
            if (index == 0) acs.SetAttribute("isDefault", "true");
        }
        return Finish(document, entity, sign);
    }

    /// <summary>Writes identity provider metadata shaped like an Entra ID tenant's.</summary>
    /// <param name="description">What to write.</param>
    /// <param name="sign">
    /// Applied to the EntityDescriptor once the document is complete, to add an enveloped ds:Signature as its first
    /// child, referencing the EntityDescriptor's ID.
    /// </param>
    /// <exception cref="ArgumentException">An entity id is empty, a URL is not absolute http(s), or no certificate is given.</exception>
    public static string WriteIdentityProvider(IdentityProviderDescription description, Action<XmlElement>? sign = null)
    {
        ArgumentNullException.ThrowIfNull(description);
        RequireEntityId(description.EntityId);
        if (description.SigningCertificates.Count == 0)
            throw new ArgumentException("At least one signing certificate is required: without one no response could be verified.", nameof(description));

        var (document, entity) = StartEntity(description.EntityId, description.Id ?? "_" + Guid.NewGuid().ToString("D"), description.ValidUntil);
        var role = Add(entity, "IDPSSODescriptor");
        if (description.WantAuthnRequestsSigned is { } wantSigned)
            role.SetAttribute("WantAuthnRequestsSigned", XmlConvert.ToString(wantSigned));
        role.SetAttribute("protocolSupportEnumeration", SamlNames.Protocol);

        foreach (var certificate in description.SigningCertificates) AddKey(role, "signing", certificate);
        if (description.SingleLogoutServiceUrl is { } logout) AddEndpoint(role, "SingleLogoutService", SamlNames.HttpRedirectBinding, logout);
        foreach (var format in description.NameIdFormats) Add(role, "NameIDFormat").InnerText = format;
        AddEndpoint(role, "SingleSignOnService", SamlNames.HttpRedirectBinding, description.SingleSignOnServiceUrl);
        AddEndpoint(role, "SingleSignOnService", SamlNames.HttpPostBinding, description.SingleSignOnServiceUrl);
        return Finish(document, entity, sign);
    }

    private static (XmlDocument Document, XmlElement Entity) StartEntity(string entityId, string? id, DateTimeOffset? validUntil)
    {
        var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        document.AppendChild(document.CreateXmlDeclaration("1.0", "utf-8", null));
        var entity = document.CreateElement("EntityDescriptor", SamlNames.Metadata);
        document.AppendChild(entity);
        if (id is not null)
        {
            if (!IsNcName(id))
                throw new ArgumentException($"The ID '{id}' is not an XML ID (it must start with a letter or '_' and hold no spaces or colons).", "description");
            entity.SetAttribute("ID", id);
        }
        entity.SetAttribute("entityID", entityId);
        if (validUntil is { } until)
            entity.SetAttribute("validUntil", until.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture));
        return (document, entity);
    }

    private static string Finish(XmlDocument document, XmlElement entity, Action<XmlElement>? sign)
    {
        Indent(entity, 0);
        sign?.Invoke(entity);
        // OuterXml writes the nodes exactly as they are: the whitespace laid out above is part of what was signed.
        return document.OuterXml;
    }

    private static XmlElement Add(XmlElement parent, string name)
    {
        var element = parent.OwnerDocument.CreateElement(name, SamlNames.Metadata);
        parent.AppendChild(element);
        return element;
    }

    private static void AddKey(XmlElement role, string use, X509Certificate2 certificate)
    {
        var descriptor = Add(role, "KeyDescriptor");
        descriptor.SetAttribute("use", use);
        var document = role.OwnerDocument;
        var keyInfo = descriptor.AppendChild(document.CreateElement("KeyInfo", SamlNames.DSig))!;
        var data = keyInfo.AppendChild(document.CreateElement("X509Data", SamlNames.DSig))!;
        data.AppendChild(document.CreateElement("X509Certificate", SamlNames.DSig))!.InnerText = Convert.ToBase64String(certificate.RawData);
    }

    private static XmlElement AddEndpoint(XmlElement role, string name, string binding, string location)
    {
        if (!Uri.TryCreate(location, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            throw new ArgumentException($"The {name} URL '{location}' is not an absolute http or https URL.", "description");
        var endpoint = Add(role, name);
        endpoint.SetAttribute("Binding", binding);
        endpoint.SetAttribute("Location", location);
        return endpoint;
    }

    private static void RequireEntityId(string entityId)
    {
        if (string.IsNullOrWhiteSpace(entityId))
            throw new ArgumentException("The entity id must not be empty.", "description");
    }

    private static bool IsNcName(string id)
    {
        try
        {
            XmlConvert.VerifyNCName(id);
            return true;
        }
        catch (XmlException)
        {
            return false;
        }
    }

    // Line breaks and indentation between elements, never inside text, so certificates and URLs stay exact.
    private static void Indent(XmlElement element, int depth)
    {
        var children = element.ChildNodes.OfType<XmlElement>().ToList();
        if (children.Count == 0) return;
        var document = element.OwnerDocument;
        foreach (var child in children)
        {
            element.InsertBefore(document.CreateWhitespace("\n" + new string(' ', 2 * (depth + 1))), child);
            Indent(child, depth + 1);
        }
        element.AppendChild(document.CreateWhitespace("\n" + new string(' ', 2 * depth)));
    }
}
