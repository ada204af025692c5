using System.Security.Cryptography.X509Certificates;
using System.Xml;

namespace IdentityBridge.Saml.Tests.Metadata;

/// <summary>
/// Builds a tenant's federation metadata in the shape Entra ID publishes (spec/saml.md 1.8): ID and entityID on the
/// EntityDescriptor, an enveloped signature first, two WS-Federation RoleDescriptors, then the IDPSSODescriptor.
/// </summary>
internal sealed record EntraFederationMetadata
{
    public required string TenantId { get; init; }
    public required IReadOnlyList<X509Certificate2> SigningCertificates { get; init; }
    /// <summary>The certificates the WS-Federation RoleDescriptors list; Entra lists the same ones.</summary>
    public IReadOnlyList<X509Certificate2>? WsFederationCertificates { get; init; }
    /// <summary>The certificate that signs the document; unsigned when null.</summary>
    public X509Certificate2? DocumentSigner { get; init; }

    public string EntityId => $"https://sts.windows.net/{TenantId}/";
    public string SamlEndpoint => $"https://login.microsoftonline.com/{TenantId}/saml2";

    public string Build()
    {
        var idpKeys = string.Concat(SigningCertificates.Select(Key));
        var wsFedKeys = string.Concat((WsFederationCertificates ?? SigningCertificates).Select(Key));
        var wsFed = $"https://login.microsoftonline.com/{TenantId}/wsfed";
        var xml =
            $"""<?xml version="1.0" encoding="utf-8"?><EntityDescriptor ID="_{Guid.NewGuid()}" entityID="{EntityId}" xmlns="urn:oasis:names:tc:SAML:2.0:metadata">""" +
            $"""<RoleDescriptor xsi:type="fed:SecurityTokenServiceType" protocolSupportEnumeration="http://docs.oasis-open.org/wsfed/federation/200706" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:fed="http://docs.oasis-open.org/wsfed/federation/200706">""" +
            wsFedKeys +
            """<fed:ClaimTypesOffered><auth:ClaimType Uri="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name" xmlns:auth="http://docs.oasis-open.org/wsfed/authorization/200706"><auth:DisplayName>Name</auth:DisplayName><auth:Description>The mutable display name of the user.</auth:Description></auth:ClaimType></fed:ClaimTypesOffered>""" +
            $"""<fed:SecurityTokenServiceEndpoint><wsa:EndpointReference xmlns:wsa="http://www.w3.org/2005/08/addressing"><wsa:Address>{wsFed}</wsa:Address></wsa:EndpointReference></fed:SecurityTokenServiceEndpoint>""" +
            $"""<fed:PassiveRequestorEndpoint><wsa:EndpointReference xmlns:wsa="http://www.w3.org/2005/08/addressing"><wsa:Address>{wsFed}</wsa:Address></wsa:EndpointReference></fed:PassiveRequestorEndpoint></RoleDescriptor>""" +
            $"""<RoleDescriptor xsi:type="fed:ApplicationServiceType" protocolSupportEnumeration="http://docs.oasis-open.org/wsfed/federation/200706" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:fed="http://docs.oasis-open.org/wsfed/federation/200706">""" +
            wsFedKeys +
            $"""<fed:TargetScopes><wsa:EndpointReference xmlns:wsa="http://www.w3.org/2005/08/addressing"><wsa:Address>{EntityId}</wsa:Address></wsa:EndpointReference></fed:TargetScopes>""" +
            $"""<fed:ApplicationServiceEndpoint><wsa:EndpointReference xmlns:wsa="http://www.w3.org/2005/08/addressing"><wsa:Address>{wsFed}</wsa:Address></wsa:EndpointReference></fed:ApplicationServiceEndpoint>""" +
            $"""<fed:PassiveRequestorEndpoint><wsa:EndpointReference xmlns:wsa="http://www.w3.org/2005/08/addressing"><wsa:Address>{wsFed}</wsa:Address></wsa:EndpointReference></fed:PassiveRequestorEndpoint></RoleDescriptor>""" +
            """<IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">""" +
            idpKeys +
            $"""<SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{SamlEndpoint}" />""" +
            $"""<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{SamlEndpoint}" />""" +
            $"""<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{SamlEndpoint}" />""" +
            "</IDPSSODescriptor></EntityDescriptor>";

        if (DocumentSigner is null) return xml;
        var document = new XmlDocument { PreserveWhitespace = true };
        document.LoadXml(xml);
        MetadataSigning.SignEnveloped(document.DocumentElement!, DocumentSigner);
        return document.OuterXml;
    }

    private static string Key(X509Certificate2 certificate) =>
        $"""<KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>{TestCertificates.Base64(certificate)}</X509Certificate></X509Data></KeyInfo></KeyDescriptor>""";
}
