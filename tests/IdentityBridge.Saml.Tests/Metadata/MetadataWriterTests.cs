using System.Xml;
using IdentityBridge.Saml.Metadata;
using IdentityBridge.Saml.Xml;

namespace IdentityBridge.Saml.Tests.Metadata;

public sealed class MetadataWriterTests
{
    private readonly MetadataReader reader = new();

    private static ServiceProviderDescription Instance(string instance = "https://acme.service-now.com") => new()
    {
        EntityId = instance,
        AssertionConsumerServiceUrls = [$"{instance}/navpage.do", $"{instance}/consumer.do"],
        SingleLogoutServiceUrl = $"{instance}/navpage.do",
        NameIdFormats = [SamlNames.NameIdEmail],
    };

    private static IdentityProviderDescription Tenant(params IReadOnlyList<System.Security.Cryptography.X509Certificates.X509Certificate2> certificates) => new()
    {
        EntityId = "https://sts.windows.net/5b0c1a9e-7d2f-4e3a-8b6c-1f2e3d4c5b6a/",
        SigningCertificates = certificates,
        SingleSignOnServiceUrl = "https://login.microsoftonline.com/5b0c1a9e-7d2f-4e3a-8b6c-1f2e3d4c5b6a/saml2",
        SingleLogoutServiceUrl = "https://login.microsoftonline.com/5b0c1a9e-7d2f-4e3a-8b6c-1f2e3d4c5b6a/saml2",
    };

    [Fact]
    public void service_provider_metadata_reads_back_to_the_same_values()
    {
        var signing = TestCertificates.SelfSigned("saml2sp");
        var encryption = TestCertificates.SelfSigned("saml2sp encryption");
        var description = Instance() with
        {
            SigningCertificate = signing,
            EncryptionCertificate = encryption,
            AuthnRequestsSigned = true,
            NameIdFormats = [SamlNames.NameIdEmail, SamlNames.NameIdUnspecified],
            ValidUntil = new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero),
        };

        var metadata = reader.Read(MetadataWriter.WriteServiceProvider(description), "https://acme.service-now.com");

        var sp = metadata.ServiceProvider!;
        Assert.Null(metadata.IdentityProvider);
        Assert.Equal(description.ValidUntil, metadata.ValidUntil);
        Assert.True(sp.AuthnRequestsSigned);
        Assert.True(sp.WantAssertionsSigned);
        Assert.Equal([signing.Thumbprint], sp.SigningCertificates.Select(c => c.Thumbprint));
        Assert.Equal([encryption.Thumbprint], sp.EncryptionCertificates.Select(c => c.Thumbprint));
        Assert.Equal([SamlNames.NameIdEmail, SamlNames.NameIdUnspecified], sp.NameIdFormats);
        var logout = Assert.Single(sp.SingleLogoutServices);
        Assert.Equal((SamlNames.HttpRedirectBinding, "https://acme.service-now.com/navpage.do"), (logout.Binding, logout.Location));
        Assert.Equal(
            [
                (SamlNames.HttpPostBinding, "https://acme.service-now.com/navpage.do", 0, (bool?)true),
                (SamlNames.HttpPostBinding, "https://acme.service-now.com/consumer.do", 1, null),
            ],
            sp.AssertionConsumerServices.Select(e => (e.Binding, e.Location, e.Index, e.IsDefault)));
        Assert.Equal("https://acme.service-now.com/navpage.do", sp.DefaultAssertionConsumerService!.Location);
    }

    [Fact]
    public void service_provider_metadata_has_the_shape_servicenow_generates()
    {
        var xml = MetadataWriter.WriteServiceProvider(Instance() with { SigningCertificate = TestCertificates.SelfSigned("saml2sp") });

        var entity = SafeXml.Load(xml).DocumentElement!;
        Assert.Equal(("EntityDescriptor", SamlNames.Metadata, ""), (entity.LocalName, entity.NamespaceURI, entity.Prefix));
        Assert.False(entity.HasAttribute("ID"));
        Assert.Equal("https://acme.service-now.com", entity.GetAttribute("entityID"));
        var role = Assert.Single(Elements(entity));
        Assert.Equal("SPSSODescriptor", role.LocalName);
        Assert.Equal("false", role.GetAttribute("AuthnRequestsSigned"));
        Assert.Equal("true", role.GetAttribute("WantAssertionsSigned"));
        Assert.Equal(SamlNames.Protocol, role.GetAttribute("protocolSupportEnumeration"));
        // The schema's order: KeyDescriptor, SingleLogoutService, NameIDFormat, AssertionConsumerService.
        Assert.Equal(
            ["KeyDescriptor", "SingleLogoutService", "NameIDFormat", "AssertionConsumerService", "AssertionConsumerService"],
            Elements(role).Select(e => e.LocalName));
        Assert.Equal("signing", Elements(role).First().GetAttribute("use"));
    }

    [Fact]
    public void identity_provider_metadata_reads_back_with_every_certificate_in_order()
    {
        var current = TestCertificates.SelfSigned("current");
        var next = TestCertificates.SelfSigned("next");
        var description = Tenant(current, next);

        var metadata = reader.Read(MetadataWriter.WriteIdentityProvider(description), description.EntityId);

        var idp = metadata.RequireIdentityProvider();
        Assert.Equal([current.Thumbprint, next.Thumbprint], idp.SigningCertificates.Select(c => c.Thumbprint));
        Assert.Equal(
            [(SamlNames.HttpRedirectBinding, description.SingleSignOnServiceUrl), (SamlNames.HttpPostBinding, description.SingleSignOnServiceUrl)],
            idp.SingleSignOnServices.Select(e => (e.Binding, e.Location)));
        Assert.Equal(description.SingleLogoutServiceUrl, Assert.Single(idp.SingleLogoutServices).Location);
        Assert.False(idp.WantAuthnRequestsSigned);
        Assert.Null(metadata.ServiceProvider);
        Assert.Null(metadata.ValidUntil);
    }

    [Fact]
    public void identity_provider_metadata_has_the_shape_entra_publishes()
    {
        var xml = MetadataWriter.WriteIdentityProvider(Tenant(TestCertificates.SelfSigned("a"), TestCertificates.SelfSigned("b")));

        var entity = SafeXml.Load(xml).DocumentElement!;
        Assert.Matches("^_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", entity.GetAttribute("ID"));
        var role = Assert.Single(Elements(entity));
        Assert.Equal("IDPSSODescriptor", role.LocalName);
        Assert.False(role.HasAttribute("WantAuthnRequestsSigned"));
        Assert.Equal(
            ["KeyDescriptor", "KeyDescriptor", "SingleLogoutService", "SingleSignOnService", "SingleSignOnService"],
            Elements(role).Select(e => e.LocalName));
        Assert.All(Elements(role).Take(2), key => Assert.Equal("signing", key.GetAttribute("use")));
    }

    [Fact]
    public void each_identity_provider_document_gets_its_own_id()
    {
        var description = Tenant(TestCertificates.SelfSigned("a"));

        var first = SafeXml.Load(MetadataWriter.WriteIdentityProvider(description)).DocumentElement!.GetAttribute("ID");
        var second = SafeXml.Load(MetadataWriter.WriteIdentityProvider(description)).DocumentElement!.GetAttribute("ID");

        Assert.NotEqual(first, second);
    }

    [Fact]
    public void signed_identity_provider_metadata_carries_a_valid_enveloped_signature_as_first_child()
    {
        var signer = TestCertificates.RsaSigner("metadata signer");
        var description = Tenant(signer, TestCertificates.SelfSigned("next"));

        var xml = MetadataWriter.WriteIdentityProvider(description, entity => MetadataSigning.SignEnveloped(entity, signer));

        Assert.True(MetadataSigning.VerifiesAsFirstChild(xml, signer));
        Assert.Equal(2, reader.Read(xml).RequireIdentityProvider().SigningCertificates.Count);
    }

    [Fact]
    public void a_signed_document_changed_after_signing_no_longer_verifies()
    {
        var signer = TestCertificates.RsaSigner("metadata signer");
        var xml = MetadataWriter.WriteIdentityProvider(Tenant(signer), entity => MetadataSigning.SignEnveloped(entity, signer));

        var tampered = xml.Replace("https://login.microsoftonline.com/", "https://login.evil.example/", StringComparison.Ordinal);

        Assert.False(MetadataSigning.VerifiesAsFirstChild(tampered, signer));
    }

    [Fact]
    public void signed_service_provider_metadata_with_an_id_verifies()
    {
        var signer = TestCertificates.RsaSigner("saml2sp");
        var description = Instance() with { SigningCertificate = signer, Id = "_sp-metadata" };

        var xml = MetadataWriter.WriteServiceProvider(description, entity => MetadataSigning.SignEnveloped(entity, signer));

        Assert.True(MetadataSigning.VerifiesAsFirstChild(xml, signer));
        Assert.Equal("https://acme.service-now.com", reader.Read(xml).EntityId);
    }

    [Fact]
    public void values_with_markup_characters_are_escaped_and_read_back()
    {
        var description = Instance() with { EntityId = "https://acme.example/sp?a=1&b=<2>\"" };

        Assert.Equal(description.EntityId, reader.Read(MetadataWriter.WriteServiceProvider(description)).EntityId);
    }

    [Theory]
    [InlineData("/navpage.do")]
    [InlineData("javascript:alert(1)")]
    public void a_service_provider_url_that_is_not_absolute_http_is_refused(string url)
    {
        Assert.Throws<ArgumentException>(() => MetadataWriter.WriteServiceProvider(Instance() with { AssertionConsumerServiceUrls = [url] }));
    }

    [Fact]
    public void service_provider_metadata_without_an_acs_is_refused()
    {
        Assert.Throws<ArgumentException>(() => MetadataWriter.WriteServiceProvider(Instance() with { AssertionConsumerServiceUrls = [] }));
    }

    [Fact]
    public void identity_provider_metadata_without_a_certificate_is_refused()
    {
        Assert.Throws<ArgumentException>(() => MetadataWriter.WriteIdentityProvider(Tenant()));
    }

    [Fact]
    public void an_id_that_is_not_an_xml_id_is_refused()
    {
        Assert.Throws<ArgumentException>(() => MetadataWriter.WriteIdentityProvider(Tenant(TestCertificates.SelfSigned("a")) with { Id = "1 not an id" }));
    }

    private static IEnumerable<XmlElement> Elements(XmlElement parent) => parent.ChildNodes.OfType<XmlElement>();
}
