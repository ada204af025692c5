using IdentityBridge.Saml.Metadata;
using IdentityBridge.Saml.Xml;
using Microsoft.Extensions.Time.Testing;
using static IdentityBridge.Saml.Tests.Metadata.MetadataXml;

namespace IdentityBridge.Saml.Tests.Metadata;

public sealed class MetadataReaderTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    private readonly MetadataReader reader = new(new FakeTimeProvider(Now));

    private MetadataException Refused(string xml, string? entityId = null) =>
        Assert.Throws<MetadataException>(() => reader.Read(xml, entityId));

    // Entra's tenant metadata as published.

    [Fact]
    public void entra_tenant_metadata_yields_every_rollover_certificate_in_order_and_the_saml_endpoints()
    {
        var current = TestCertificates.RsaSigner("accounts.accesscontrol.windows.net current");
        var next = TestCertificates.SelfSigned("accounts.accesscontrol.windows.net next");
        var tenant = new EntraFederationMetadata
        {
            TenantId = "8d1f4c2e-1a2b-4c3d-9e8f-0123456789ab",
            SigningCertificates = [current, next],
            DocumentSigner = current,
        };

        var metadata = reader.Read(tenant.Build(), tenant.EntityId);

        Assert.Equal("https://sts.windows.net/8d1f4c2e-1a2b-4c3d-9e8f-0123456789ab/", metadata.EntityId);
        var idp = metadata.RequireIdentityProvider();
        Assert.Equal([current.Thumbprint, next.Thumbprint], idp.SigningCertificates.Select(c => c.Thumbprint));
        Assert.Empty(idp.EncryptionCertificates);
        Assert.Equal(
            [(SamlNames.HttpRedirectBinding, tenant.SamlEndpoint), (SamlNames.HttpPostBinding, tenant.SamlEndpoint)],
            idp.SingleSignOnServices.Select(e => (e.Binding, e.Location)));
        var logout = Assert.Single(idp.SingleLogoutServices);
        Assert.Equal((SamlNames.HttpRedirectBinding, tenant.SamlEndpoint, (string?)null), (logout.Binding, logout.Location, logout.ResponseLocation));
        Assert.Equal(SamlNames.HttpRedirectBinding, idp.PreferredSingleSignOnService!.Binding);
        Assert.Null(metadata.ServiceProvider);
        Assert.False(metadata.IsExpired);
    }

    [Fact]
    public void keys_of_the_ws_federation_role_descriptors_are_not_trusted_for_saml()
    {
        var saml = TestCertificates.SelfSigned("saml signing");
        var wsFederationOnly = TestCertificates.SelfSigned("ws-federation only");
        var tenant = new EntraFederationMetadata
        {
            TenantId = "3f0b7e1a-0000-4000-8000-00000000abcd",
            SigningCertificates = [saml],
            WsFederationCertificates = [wsFederationOnly],
        };

        var idp = reader.Read(tenant.Build()).RequireIdentityProvider();

        Assert.Equal([saml.Thumbprint], idp.SigningCertificates.Select(c => c.Thumbprint));
    }

    [Fact]
    public void an_idp_role_that_does_not_support_saml2_is_not_an_identity_provider()
    {
        var xml = Entity("https://idp.example", IdpRole(
            Key(TestCertificates.SelfSigned("saml1")) + Sso(SamlNames.HttpRedirectBinding, "https://idp.example/sso"),
            protocols: "urn:oasis:names:tc:SAML:1.1:protocol"));

        var metadata = reader.Read(xml);

        Assert.Null(metadata.IdentityProvider);
        Assert.Equal(MetadataCodes.NoIdentityProviderRole, Assert.Throws<MetadataException>(() => metadata.RequireIdentityProvider()).Code);
    }

    [Fact]
    public void saml2_is_found_among_several_protocols_listed()
    {
        var xml = Entity("https://idp.example", IdpRole(
            Key(TestCertificates.SelfSigned("multi")) + Sso(SamlNames.HttpPostBinding, "https://idp.example/sso"),
            protocols: $"urn:oasis:names:tc:SAML:1.1:protocol\n   {SamlNames.Protocol}  "));

        Assert.NotNull(reader.Read(xml).IdentityProvider);
    }

    [Fact]
    public void sign_on_prefers_the_redirect_binding_and_falls_back_to_post()
    {
        var certificate = TestCertificates.SelfSigned("idp");
        var both = Entity("https://idp.example", IdpRole(Key(certificate) +
            Sso(SamlNames.HttpPostBinding, "https://idp.example/post") + Sso(SamlNames.HttpRedirectBinding, "https://idp.example/redirect")));
        var postOnly = Entity("https://idp.example", IdpRole(Key(certificate) +
            Sso("urn:oasis:names:tc:SAML:2.0:bindings:SOAP", "https://idp.example/soap") + Sso(SamlNames.HttpPostBinding, "https://idp.example/post")));

        Assert.Equal("https://idp.example/redirect", reader.Read(both).RequireIdentityProvider().PreferredSingleSignOnService!.Location);
        Assert.Equal("https://idp.example/post", reader.Read(postOnly).RequireIdentityProvider().PreferredSingleSignOnService!.Location);
    }

    [Fact]
    public void an_identity_provider_without_a_browser_sign_on_endpoint_is_refused_when_required()
    {
        var xml = Entity("https://idp.example", IdpRole(Key(TestCertificates.SelfSigned("idp")) +
            Sso("urn:oasis:names:tc:SAML:2.0:bindings:SOAP", "https://idp.example/soap")));

        var error = Assert.Throws<MetadataException>(() => reader.Read(xml).RequireIdentityProvider());

        Assert.Equal(MetadataCodes.NoSingleSignOnService, error.Code);
    }

    [Fact]
    public void an_identity_provider_without_a_signing_certificate_is_refused_when_required()
    {
        var xml = Entity("https://idp.example", IdpRole(
            Key(TestCertificates.SelfSigned("enc"), "encryption") + Sso(SamlNames.HttpRedirectBinding, "https://idp.example/sso")));

        var error = Assert.Throws<MetadataException>(() => reader.Read(xml).RequireIdentityProvider());

        Assert.Equal(MetadataCodes.NoSigningCertificate, error.Code);
        Assert.Contains("https://idp.example", error.Message);
    }

    [Fact]
    public void two_saml2_idp_roles_in_one_entity_are_ambiguous()
    {
        var one = IdpRole(Key(TestCertificates.SelfSigned("a")) + Sso(SamlNames.HttpRedirectBinding, "https://idp.example/a"));
        var two = IdpRole(Key(TestCertificates.SelfSigned("b")) + Sso(SamlNames.HttpRedirectBinding, "https://idp.example/b"));

        Assert.Equal(MetadataCodes.AmbiguousRole, Refused(Entity("https://idp.example", one + two)).Code);
    }

    // Certificates.

    [Fact]
    public void a_certificate_wrapped_and_indented_with_any_whitespace_is_read()
    {
        var certificate = TestCertificates.SelfSigned("wrapped");
        var base64 = TestCertificates.Base64(certificate);
        var wrapped = "\n\t\t" + string.Join("\r\n\t  ", base64.Chunk(64).Select(c => new string(c))) + " \n";

        var idp = reader.Read(Entity("https://idp.example", IdpRole(KeyWithText(wrapped) + Sso(SamlNames.HttpRedirectBinding, "https://idp.example/sso"))))
            .RequireIdentityProvider();

        Assert.Equal(certificate.Thumbprint, Assert.Single(idp.SigningCertificates).Thumbprint);
    }

    [Fact]
    public void a_certificate_that_does_not_parse_is_reported_with_its_key_descriptor()
    {
        var good = Key(TestCertificates.SelfSigned("good"));
        var notACertificate = KeyWithText(Convert.ToBase64String("this is not DER"u8.ToArray()));

        var error = Refused(Entity("https://idp.example", IdpRole(good + notACertificate + Sso(SamlNames.HttpRedirectBinding, "https://idp.example/sso"))));

        Assert.Equal(MetadataCodes.BadCertificate, error.Code);
        Assert.Contains("KeyDescriptor 2 (use=\"signing\") of the IDPSSODescriptor", error.Message);
    }

    [Fact]
    public void a_certificate_that_is_not_base64_is_reported_with_its_key_descriptor()
    {
        var error = Refused(Entity("https://idp.example", IdpRole(KeyWithText("MIIC%%%not-base64", use: null))));

        Assert.Equal(MetadataCodes.BadCertificate, error.Code);
        Assert.Contains("KeyDescriptor 1 of the IDPSSODescriptor", error.Message);
        Assert.Contains("base64", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" \n ")]
    [InlineData("AAAA")]
    [InlineData("MIIB")]
    public void an_empty_or_truncated_certificate_is_reported(string text)
    {
        var error = Refused(Entity("https://idp.example", IdpRole(KeyWithText(text))));

        Assert.Equal(MetadataCodes.BadCertificate, error.Code);
    }

    [Fact]
    public void a_key_descriptor_without_a_certificate_is_reported()
    {
        var keyNameOnly = $"""<KeyDescriptor use="signing"><KeyInfo xmlns="{SamlNames.DSig}"><KeyName>idp-key</KeyName></KeyInfo></KeyDescriptor>""";

        var error = Refused(Entity("https://idp.example", IdpRole(keyNameOnly)));

        Assert.Equal(MetadataCodes.BadCertificate, error.Code);
        Assert.Contains("KeyDescriptor 1", error.Message);
    }

    [Fact]
    public void a_key_descriptor_without_use_serves_for_signing_and_encryption()
    {
        var both = TestCertificates.SelfSigned("both");
        var encryptionOnly = TestCertificates.SelfSigned("encryption");
        var xml = Entity("https://sp.example", SpRole(Key(both, use: null) + Key(encryptionOnly, "encryption") + Acs(0, "https://sp.example/acs")));

        var sp = reader.Read(xml).ServiceProvider!;

        Assert.Equal([both.Thumbprint], sp.SigningCertificates.Select(c => c.Thumbprint));
        Assert.Equal([both.Thumbprint, encryptionOnly.Thumbprint], sp.EncryptionCertificates.Select(c => c.Thumbprint));
    }

    [Fact]
    public void a_key_descriptor_carrying_a_chain_trusts_only_the_end_entity_certificate()
    {
        var (issuer, leaf) = TestCertificates.Chain("idp signing");
        var chain = $"""<KeyDescriptor use="signing"><KeyInfo xmlns="{SamlNames.DSig}"><X509Data><X509Certificate>{TestCertificates.Base64(issuer)}</X509Certificate><X509Certificate>{TestCertificates.Base64(leaf)}</X509Certificate></X509Data></KeyInfo></KeyDescriptor>""";

        var idp = reader.Read(Entity("https://idp.example", IdpRole(chain + Sso(SamlNames.HttpRedirectBinding, "https://idp.example/sso"))))
            .RequireIdentityProvider();

        Assert.Equal(leaf.Thumbprint, Assert.Single(idp.SigningCertificates).Thumbprint);
    }

    [Fact]
    public void a_key_descriptor_with_two_unrelated_certificates_is_reported()
    {
        var two = $"""<KeyDescriptor use="signing"><KeyInfo xmlns="{SamlNames.DSig}"><X509Data><X509Certificate>{TestCertificates.Base64(TestCertificates.SelfSigned("a"))}</X509Certificate><X509Certificate>{TestCertificates.Base64(TestCertificates.SelfSigned("b"))}</X509Certificate></X509Data></KeyInfo></KeyDescriptor>""";

        Assert.Equal(MetadataCodes.BadCertificate, Refused(Entity("https://idp.example", IdpRole(two))).Code);
    }

    [Fact]
    public void a_key_descriptor_use_outside_the_schema_is_reported()
    {
        var error = Refused(Entity("https://idp.example", IdpRole(Key(TestCertificates.SelfSigned("x"), "sign"))));

        Assert.Equal(MetadataCodes.Malformed, error.Code);
        Assert.Contains("use=\"sign\"", error.Message);
    }

    // Service provider metadata as ServiceNow generates it.

    [Fact]
    public void servicenow_generated_sp_metadata_is_read()
    {
        var xml = $"""
            <EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://acme.service-now.com">
             	<SPSSODescriptor AuthnRequestsSigned="false" WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
            		<SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://acme.service-now.com/navpage.do" />
            		<NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</NameIDFormat>
            		<AssertionConsumerService isDefault="true" index="0" Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://acme.service-now.com/navpage.do" />
            		<AssertionConsumerService index="1" Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://acme.service-now.com/consumer.do"/>
            	</SPSSODescriptor>
            </EntityDescriptor>
            """;

        var metadata = reader.Read(xml);

        var sp = metadata.ServiceProvider!;
        Assert.Null(metadata.IdentityProvider);
        Assert.False(sp.AuthnRequestsSigned);
        Assert.True(sp.WantAssertionsSigned);
        Assert.Equal([SamlNames.NameIdEmail], sp.NameIdFormats);
        Assert.Equal("https://acme.service-now.com/navpage.do", Assert.Single(sp.SingleLogoutServices).Location);
        Assert.Equal(
            [(0, "https://acme.service-now.com/navpage.do", (bool?)true), (1, "https://acme.service-now.com/consumer.do", null)],
            sp.AssertionConsumerServices.Select(e => (e.Index, e.Location, e.IsDefault)));
        Assert.Equal("https://acme.service-now.com/navpage.do", sp.DefaultAssertionConsumerService!.Location);
    }

    [Theory]
    [InlineData(null, "true", "https://sp.example/b")]
    [InlineData("false", null, "https://sp.example/b")]
    [InlineData("false", "false", "https://sp.example/a")]
    [InlineData(null, null, "https://sp.example/a")]
    public void the_default_acs_follows_the_metadata_rules(string? firstIsDefault, string? secondIsDefault, string expected)
    {
        var xml = Entity("https://sp.example", SpRole(Acs(0, "https://sp.example/a", firstIsDefault) + Acs(1, "https://sp.example/b", secondIsDefault)));

        Assert.Equal(expected, reader.Read(xml).ServiceProvider!.DefaultAssertionConsumerService!.Location);
    }

    [Fact]
    public void an_acs_index_that_is_not_a_number_is_reported()
    {
        var xml = Entity("https://sp.example", SpRole($"""<AssertionConsumerService index="first" Binding="{SamlNames.HttpPostBinding}" Location="https://sp.example/acs"/>"""));

        Assert.Equal(MetadataCodes.Malformed, Refused(xml).Code);
    }

    [Fact]
    public void a_flag_that_is_not_a_boolean_is_reported()
    {
        var xml = Entity("https://sp.example", SpRole(Acs(0, "https://sp.example/acs"), attributes: "WantAssertionsSigned=\"yes\""));

        var error = Refused(xml);

        Assert.Equal(MetadataCodes.Malformed, error.Code);
        Assert.Contains("WantAssertionsSigned", error.Message);
    }

    [Theory]
    [InlineData("javascript:alert(document.cookie)")]
    [InlineData("/relative/sso")]
    [InlineData("data:text/html,hello")]
    public void an_endpoint_that_is_not_an_absolute_http_url_is_refused(string location)
    {
        var xml = Entity("https://idp.example", IdpRole(Key(TestCertificates.SelfSigned("idp")) + Sso(SamlNames.HttpRedirectBinding, location)));

        var error = Refused(xml);

        Assert.Equal(MetadataCodes.BadEndpoint, error.Code);
        Assert.Contains(location, error.Message);
    }

    [Fact]
    public void a_logout_response_location_is_read()
    {
        var logout = $"""<SingleLogoutService Binding="{SamlNames.HttpRedirectBinding}" Location="https://idp.example/slo" ResponseLocation="https://idp.example/slo/response"/>""";

        var idp = reader.Read(Entity("https://idp.example", IdpRole(logout))).IdentityProvider!;

        Assert.Equal("https://idp.example/slo/response", Assert.Single(idp.SingleLogoutServices).ResponseLocation);
    }

    [Fact]
    public void an_endpoint_without_a_binding_is_reported()
    {
        var error = Refused(Entity("https://idp.example", IdpRole("""<SingleSignOnService Location="https://idp.example/sso"/>""")));

        Assert.Equal(MetadataCodes.Malformed, error.Code);
        Assert.Contains("Binding", error.Message);
    }

    // Choosing the entity.

    [Fact]
    public void an_entities_descriptor_yields_the_entity_asked_for()
    {
        var first = TestCertificates.SelfSigned("first");
        var second = TestCertificates.SelfSigned("second");
        var xml = Entities(Idp("https://first.example", first) + Entities(Idp("https://second.example", second)));

        var metadata = reader.Read(xml, "https://second.example");

        Assert.Equal("https://second.example", metadata.EntityId);
        Assert.Equal(second.Thumbprint, Assert.Single(metadata.RequireIdentityProvider().SigningCertificates).Thumbprint);
    }

    [Fact]
    public void an_entities_descriptor_with_one_entity_needs_no_entity_id()
    {
        var xml = Entities(Idp("https://only.example", TestCertificates.SelfSigned("only")));

        Assert.Equal("https://only.example", reader.Read(xml).EntityId);
    }

    [Fact]
    public void an_entities_descriptor_with_several_entities_and_no_entity_id_is_ambiguous()
    {
        var certificate = TestCertificates.SelfSigned("idp");
        var xml = Entities(Idp("https://first.example", certificate) + Idp("https://second.example", certificate));

        var error = Refused(xml);

        Assert.Equal(MetadataCodes.AmbiguousEntity, error.Code);
        Assert.Contains("https://first.example", error.Message);
        Assert.Contains("https://second.example", error.Message);
    }

    [Fact]
    public void two_entities_with_the_asked_for_entity_id_are_ambiguous()
    {
        var xml = Entities(Idp("https://twin.example", TestCertificates.SelfSigned("a")) + Idp("https://twin.example", TestCertificates.SelfSigned("b")));

        Assert.Equal(MetadataCodes.AmbiguousEntity, Refused(xml, "https://twin.example").Code);
    }

    [Fact]
    public void an_entity_id_not_in_the_metadata_is_reported_with_the_ids_that_are()
    {
        var xml = Entities(Idp("https://first.example", TestCertificates.SelfSigned("first")));

        var error = Refused(xml, "https://sts.windows.net/other/");

        Assert.Equal(MetadataCodes.NoEntity, error.Code);
        Assert.Contains("https://sts.windows.net/other/", error.Message);
        Assert.Contains("https://first.example", error.Message);
    }

    [Fact]
    public void a_single_entity_descriptor_for_another_entity_id_is_not_used()
    {
        var error = Refused(Idp("https://sts.windows.net/tenant-a/", TestCertificates.SelfSigned("a")), "https://sts.windows.net/tenant-b/");

        Assert.Equal(MetadataCodes.NoEntity, error.Code);
    }

    [Fact]
    public void an_empty_entities_descriptor_has_no_entity()
    {
        Assert.Equal(MetadataCodes.NoEntity, Refused(Entities("")).Code);
    }

    [Fact]
    public void an_entity_without_an_entity_id_is_reported()
    {
        var xml = $"""<EntityDescriptor xmlns="{Md}">{IdpRole("")}</EntityDescriptor>""";

        var error = Refused(xml);

        Assert.Equal(MetadataCodes.Malformed, error.Code);
        Assert.Contains("entityID", error.Message);
    }

    // Validity.

    [Fact]
    public void expired_metadata_is_read_and_reported_as_expired()
    {
        var metadata = reader.Read(Idp("https://idp.example", TestCertificates.SelfSigned("idp"), "validUntil=\"2026-11-26T11:59:59Z\""));

        Assert.True(metadata.IsExpired);
        Assert.Equal(Now.AddSeconds(-1), metadata.ValidUntil);
    }

    [Fact]
    public void metadata_valid_until_later_is_not_expired()
    {
        var metadata = reader.Read(Idp("https://idp.example", TestCertificates.SelfSigned("idp"), "validUntil=\"2026-11-27T12:00:00Z\""));

        Assert.False(metadata.IsExpired);
        Assert.Equal(Now.AddDays(1), metadata.ValidUntil);
    }

    [Fact]
    public void the_earliest_valid_until_and_shortest_cache_duration_of_enclosing_descriptors_apply()
    {
        var xml = Entities(
            Idp("https://idp.example", TestCertificates.SelfSigned("idp"), "validUntil=\"2027-01-01T00:00:00Z\" cacheDuration=\"PT6H\""),
            "validUntil=\"2026-11-26T06:00:00Z\" cacheDuration=\"P1D\"");

        var metadata = reader.Read(xml);

        Assert.Equal(new DateTimeOffset(2026, 11, 26, 6, 0, 0, TimeSpan.Zero), metadata.ValidUntil);
        Assert.True(metadata.IsExpired);
        Assert.Equal(TimeSpan.FromHours(6), metadata.CacheDuration);
    }

    [Theory]
    [InlineData("validUntil=\"next week\"", "validUntil")]
    [InlineData("cacheDuration=\"an hour\"", "cacheDuration")]
    public void a_validity_attribute_of_the_wrong_type_is_reported(string attribute, string named)
    {
        var error = Refused(Idp("https://idp.example", TestCertificates.SelfSigned("idp"), attribute));

        Assert.Equal(MetadataCodes.Malformed, error.Code);
        Assert.Contains(named, error.Message);
    }

    [Theory]
    [InlineData("validUntil=\"0001-01-01T00:00:00+14:00\"")]
    [InlineData("validUntil=\"9999-12-31T23:59:59-14:00\"")]
    [InlineData("cacheDuration=\"P99999999999999D\"")]
    public void a_validity_attribute_out_of_range_is_reported(string attribute)
    {
        Assert.Equal(MetadataCodes.Malformed, Refused(Idp("https://idp.example", TestCertificates.SelfSigned("idp"), attribute)).Code);
    }

    // The document itself.

    [Fact]
    public void metadata_with_an_external_entity_is_refused_before_anything_is_read()
    {
        var xml = $"""
            <?xml version="1.0"?>
            <!DOCTYPE EntityDescriptor [ <!ENTITY secret SYSTEM "file:///etc/passwd"> ]>
            <EntityDescriptor xmlns="{Md}" entityID="&secret;"/>
            """;

        var error = Refused(xml);

        Assert.Equal(MetadataCodes.UnsafeXml, error.Code);
        Assert.Equal(SafeXml.DoctypeCode, error.XmlCode);
        Assert.DoesNotContain("root:", error.Message);
    }

    [Fact]
    public void metadata_with_entity_expansion_is_refused()
    {
        var xml = $"""
            <!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
            <EntityDescriptor xmlns="{Md}" entityID="&lol2;"/>
            """;

        var error = Refused(xml);

        Assert.Equal(MetadataCodes.UnsafeXml, error.Code);
        Assert.Equal(SafeXml.DoctypeCode, error.XmlCode);
    }

    [Fact]
    public void metadata_with_a_processing_instruction_is_refused()
    {
        var xml = $"""<?xml-stylesheet href="https://evil.example/x.xsl"?><EntityDescriptor xmlns="{Md}" entityID="https://idp.example"/>""";

        var error = Refused(xml);

        Assert.Equal(MetadataCodes.UnsafeXml, error.Code);
        Assert.Equal(SafeXml.ProcessingInstructionCode, error.XmlCode);
    }

    [Fact]
    public void metadata_that_is_not_well_formed_is_reported()
    {
        var error = Refused($"""<EntityDescriptor xmlns="{Md}" entityID="https://idp.example"><IDPSSODescriptor>""");

        Assert.Equal(MetadataCodes.Malformed, error.Code);
        Assert.Equal(SafeXml.MalformedCode, error.XmlCode);
    }

    [Fact]
    public void metadata_larger_than_the_parser_accepts_is_refused()
    {
        var xml = Entity("https://idp.example", $"<!--{new string('x', SafeXml.DefaultMaxCharacters)}-->");

        Assert.Equal(MetadataCodes.TooLarge, Refused(xml).Code);
    }

    [Fact]
    public void corrupted_metadata_is_reported_with_a_code_and_never_escapes_as_another_exception()
    {
        var tenant = new EntraFederationMetadata { TenantId = "c0ffee00-0000-4000-8000-000000000001", SigningCertificates = [TestCertificates.SelfSigned("idp")] };
        var xml = tenant.Build();
        var random = new Random(20261126);
        const string replacements = "<>&\"'=/ :;#%x0A\n";

        for (var round = 0; round < 400; round++)
        {
            var chars = xml.ToCharArray();
            for (var edits = random.Next(1, 4); edits > 0; edits--)
                chars[random.Next(chars.Length)] = replacements[random.Next(replacements.Length)];
            var corrupted = new string(chars)[..random.Next(1, chars.Length + 1)];

            var outcome = Record.Exception(() => reader.Read(corrupted));

            Assert.True(outcome is null or MetadataException, $"Round {round} threw {outcome}");
        }
    }

    [Theory]
    [InlineData("<html><body>Sign in to your account</body></html>")]
    [InlineData("""<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:1.0:metadata" entityID="x"/>""")]
    [InlineData("""<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>""")]
    public void a_document_that_is_not_saml_metadata_is_reported(string xml)
    {
        var error = Refused(xml);

        Assert.Equal(MetadataCodes.UnexpectedRoot, error.Code);
        Assert.Null(error.XmlCode);
    }
}
