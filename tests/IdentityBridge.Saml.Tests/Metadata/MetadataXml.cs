using System.Security.Cryptography.X509Certificates;
using IdentityBridge.Saml.Xml;

namespace IdentityBridge.Saml.Tests.Metadata;

/// <summary>Small builders for metadata documents, so each test shows only the part it is about.</summary>
internal static class MetadataXml
{
    public const string Md = SamlNames.Metadata;

    public static string Entity(string entityId, string roles, string attributes = "") =>
        $"""<EntityDescriptor xmlns="{Md}" entityID="{entityId}" {attributes}>{roles}</EntityDescriptor>""";

    public static string Entities(string entities, string attributes = "") =>
        $"""<EntitiesDescriptor xmlns="{Md}" {attributes}>{entities}</EntitiesDescriptor>""";

    public static string IdpRole(string contents, string protocols = SamlNames.Protocol, string attributes = "") =>
        $"""<IDPSSODescriptor protocolSupportEnumeration="{protocols}" {attributes}>{contents}</IDPSSODescriptor>""";

    public static string SpRole(string contents, string attributes = "") =>
        $"""<SPSSODescriptor protocolSupportEnumeration="{SamlNames.Protocol}" {attributes}>{contents}</SPSSODescriptor>""";

    public static string Key(X509Certificate2 certificate, string? use = "signing") => KeyWithText(TestCertificates.Base64(certificate), use);

    public static string KeyWithText(string certificateText, string? use = "signing") =>
        $"""<KeyDescriptor{(use is null ? "" : $" use=\"{use}\"")}><KeyInfo xmlns="{SamlNames.DSig}"><X509Data><X509Certificate>{certificateText}</X509Certificate></X509Data></KeyInfo></KeyDescriptor>""";

    public static string Sso(string binding, string location) =>
        $"""<SingleSignOnService Binding="{binding}" Location="{location}"/>""";

    public static string Acs(int index, string location, string? isDefault = null) =>
        $"""<AssertionConsumerService index="{index}" Binding="{SamlNames.HttpPostBinding}" Location="{location}"{(isDefault is null ? "" : $" isDefault=\"{isDefault}\"")}/>""";

    /// <summary>A minimal usable identity provider: one signing key and a redirect sign-on endpoint.</summary>
    public static string Idp(string entityId, X509Certificate2 certificate, string attributes = "") =>
        Entity(entityId, IdpRole(Key(certificate) + Sso(SamlNames.HttpRedirectBinding, "https://idp.example/sso")), attributes);
}
