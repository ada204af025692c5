using System.Security.Cryptography;
using IdentityBridge.Saml.Tests.Validation.World;
using IdentityBridge.Saml.Validation;

namespace IdentityBridge.Saml.Tests.Validation;

/// <summary>
/// What must still work once every attack is refused: the three ways Entra signs, other prefixes, SP-initiated
/// responses, a second tenant, a certificate rollover and SHA-1 when a record opts in. Without these, a validator
/// that rejects everything would pass the rest of the suite.
/// </summary>
public sealed class AcceptedResponseTests(SamlKeys keys) : IClassFixture<SamlKeys>
{
    private readonly SamlWorld _world = new(keys);

    [Theory]
    [InlineData(Signing.Assertion)]
    [InlineData(Signing.Response)]
    [InlineData(Signing.Both)]
    public async Task entra_response_is_accepted_whichever_element_is_signed(Signing signing)
    {
        var builder = _world.Response();
        var result = await _world.ValidateAsync(_world.Signed(builder, signing));

        var assertion = Verdict.Accepted(result);
        Assert.Equal(Entra.LegitimateUser, assertion.NameId);
        Assert.Equal("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress", assertion.NameIdFormat);
        Assert.Equal(builder.AssertionId, assertion.SessionIndex);
        Assert.Equal(builder.AssertionId, assertion.AssertionId);
        Assert.Equal(builder.ResponseId, assertion.ResponseId);
        Assert.Equal(Entra.IssuerA, assertion.Issuer);
        Assert.Equal(Entra.RecordA, assertion.RecordId);
        Assert.Null(assertion.InResponseTo);
    }

    [Fact]
    public async Task accepted_assertion_carries_entra_claims_in_order_with_every_value()
    {
        var assertion = Verdict.Accepted(await _world.ValidateAsync(_world.SignedResponse()));

        Assert.Equal(
            [Entra.TenantIdClaim, Entra.ObjectIdClaim, Entra.DisplayNameClaim, Entra.IdentityProviderClaim, Entra.AuthnMethodsClaim,
             Entra.GivenNameClaim, Entra.SurnameClaim, Entra.EmailClaim, Entra.NameClaim],
            assertion.Attributes.Keys);
        Assert.Equal([Entra.PasswordMethod, Entra.MultipleAuthnMethod], assertion.Attributes[Entra.AuthnMethodsClaim]);
        Assert.Equal([Entra.TenantA], assertion.Attributes[Entra.TenantIdClaim]);
        Assert.Equal([Entra.LegitimateUser], assertion.Attributes[Entra.EmailClaim]);
        Assert.Equal("urn:oasis:names:tc:SAML:2.0:ac:classes:Password", assertion.AuthnContextClassRef);
        Assert.Equal(Entra.IssueInstant.AddMinutes(-2), assertion.AuthnInstant);
        Assert.Equal(Entra.IssueInstant.AddMinutes(60), assertion.NotOnOrAfter);
    }

    [Fact]
    public async Task persistent_name_id_and_a_reused_sso_session_are_read_as_sent()
    {
        // AuthnInstant can be hours before IssueInstant when Entra reuses its SSO session (spec 1.6); Windows
        // integrated sign-in reports its own class reference.
        var doc = _world.Signed(_world.Response()
            .WithNameId("kq2Zb7Yl0mW3X_pairwise")
            .WithNameIdFormat("urn:oasis:names:tc:SAML:2.0:nameid-format:persistent")
            .WithAuthnInstant(Entra.IssueInstant.AddHours(-7))
            .WithSessionIndex("_session-4411")
            .WithAuthnContextClassRef("urn:federation:authentication:windows"));

        var assertion = Verdict.Accepted(await _world.ValidateAsync(doc));

        Assert.Equal("kq2Zb7Yl0mW3X_pairwise", assertion.NameId);
        Assert.Equal("urn:oasis:names:tc:SAML:2.0:nameid-format:persistent", assertion.NameIdFormat);
        Assert.Equal(Entra.IssueInstant.AddHours(-7), assertion.AuthnInstant);
        Assert.Equal("_session-4411", assertion.SessionIndex);
        Assert.Equal("urn:federation:authentication:windows", assertion.AuthnContextClassRef);
    }

    [Fact]
    public async Task accepted_assertion_names_the_certificate_that_verified_it()
    {
        var assertion = Verdict.Accepted(await _world.ValidateAsync(_world.SignedResponse()));

        var expected = Convert.ToHexString(keys.IdpA.GetCertHash(HashAlgorithmName.SHA256));
        Assert.Equal(expected, assertion.SigningCertificateThumbprint, ignoreCase: true);
    }

    [Fact]
    public async Task response_with_saml_and_ds_prefixes_is_accepted()
    {
        // pysaml2, ADFS and Shibboleth write saml:/ds: with the saml prefix declared on the root, so the assertion's
        // canonical form depends on a namespace inherited from outside it.
        var doc = _world.Signed(_world.Response().WithSamlPrefix(), Signing.Assertion, new SignatureOptions { Prefix = "ds" });

        Assert.Equal(Entra.LegitimateUser, Verdict.Accepted(await _world.ValidateAsync(doc)).NameId);
    }

    [Fact]
    public async Task typed_attribute_values_signed_with_an_inclusive_namespaces_prefix_list_are_accepted()
    {
        // Okta, Shibboleth and pysaml2 type values as xs:string and sign with PrefixList="xs", so the canonical
        // assertion declares a namespace it only uses inside attribute content.
        var doc = _world.Signed(_world.Response().WithTypedAttributeValues(), Signing.Assertion,
            new SignatureOptions { InclusiveNamespaces = "xs" });

        var assertion = Verdict.Accepted(await _world.ValidateAsync(doc));
        Assert.Equal([Entra.LegitimateUser], assertion.Attributes[Entra.EmailClaim]);
    }

    [Fact]
    public async Task response_with_an_xml_declaration_is_accepted()
    {
        // The declaration is not a processing instruction; refusing it would break identity providers that send it.
        var doc = _world.SignedResponse();

        var result = await _world.ValidateXmlAsync("<?xml version=\"1.0\" encoding=\"UTF-8\"?>" + doc.OuterXml);

        Assert.Equal(Entra.LegitimateUser, Verdict.Accepted(result).NameId);
    }

    [Fact]
    public async Task sp_initiated_response_whose_request_the_tracker_knows_is_accepted()
    {
        _world.RememberRequest("_req-7f3a", Entra.RecordA);

        var result = await _world.ValidateAsync(_world.Signed(_world.Response().InResponseTo("_req-7f3a")));

        var assertion = Verdict.Accepted(result);
        Assert.Equal("_req-7f3a", assertion.InResponseTo);
    }

    [Fact]
    public async Task response_from_the_second_tenant_is_accepted_under_its_own_record()
    {
        var doc = SamlWorld.Sign(_world.Response().IssuedBy(Entra.IssuerB).Build(), Signing.Assertion, keys.IdpB);

        var assertion = Verdict.Accepted(await _world.ValidateAsync(doc));
        Assert.Equal(Entra.RecordB, assertion.RecordId);
        Assert.Equal(Entra.IssuerB, assertion.Issuer);
    }

    [Fact]
    public async Task response_signed_with_the_new_certificate_during_a_rollover_is_accepted()
    {
        // Entra switches to the next certificate when the active one expires; metadata then lists both.
        _world.RecordA = _world.RecordA with { SigningCertificates = [SamlKeys.PublicOnly(keys.IdpA), SamlKeys.PublicOnly(keys.IdpANext)] };

        var doc = SamlWorld.Sign(_world.Response().Build(), Signing.Assertion, keys.IdpANext);

        Assert.Equal(Entra.LegitimateUser, Verdict.Accepted(await _world.ValidateAsync(doc)).NameId);
    }

    [Fact]
    public async Task signature_without_key_info_verifies_against_the_pinned_certificate()
    {
        // The key comes from the record, never from the message, so a signature that names no key is still checkable.
        var doc = _world.Signed(_world.Response(), Signing.Assertion, new SignatureOptions { OmitKeyInfo = true });

        Verdict.Accepted(await _world.ValidateAsync(doc));
    }

    [Fact]
    public async Task sha1_signature_is_accepted_when_the_record_allows_it()
    {
        // Entra's legacy SHA-1 option, enabled on the record on purpose.
        _world.RecordA = _world.RecordA with { AllowSha1 = true };

        var doc = _world.Signed(_world.Response(), Signing.Assertion, new SignatureOptions { Sha1 = true });

        Verdict.Accepted(await _world.ValidateAsync(doc));
    }

    [Fact]
    public async Task audience_restriction_naming_us_among_others_is_accepted()
    {
        // Within one AudienceRestriction any audience may match (SAML core 2.5.1.4).
        var doc = _world.Signed(_world.Response().WithAudience("https://other.example.com", Entra.Audience));

        Verdict.Accepted(await _world.ValidateAsync(doc));
    }

    [Fact]
    public async Task unsigned_response_without_destination_is_accepted_when_the_assertion_is_signed()
    {
        // SAML bindings 3.5.5.2 require Destination only on a signed message.
        var doc = _world.Signed(_world.Response().WithDestination(null), Signing.Assertion);

        Verdict.Accepted(await _world.ValidateAsync(doc));
    }

    [Fact]
    public async Task response_posted_to_the_records_second_consumer_url_is_accepted()
    {
        var doc = _world.Signed(_world.Response()
            .WithDestination(Entra.OtherConsumerService)
            .WithRecipient(Entra.OtherConsumerService));

        Verdict.Accepted(await _world.ValidateEncodedAsync(SamlWorld.Encode(doc.OuterXml), Entra.OtherConsumerService));
    }

    [Fact]
    public async Task valid_response_reports_its_steps_all_passed()
    {
        // Test Connection shows these steps to the administrator.
        var result = await _world.ValidateAsync(_world.SignedResponse());

        Verdict.Accepted(result);
        Assert.NotEmpty(result.Steps);
        Assert.All(result.Steps, step => Assert.True(step.Passed, $"{step.Name}: {step.Detail}"));
    }

    [Fact]
    public async Task response_issued_at_the_edge_of_the_records_clock_skew_is_accepted()
    {
        // The identity provider's clock runs ahead by just under the skew: NotBefore is 179 s in our future.
        var skew = _world.RecordA.ClockSkew;
        var doc = _world.Signed(_world.Response().WithNotBefore(Entra.Now + skew - TimeSpan.FromSeconds(1)));

        Verdict.Accepted(await _world.ValidateAsync(doc));
    }

    [Fact]
    public async Task response_arriving_just_inside_the_skew_after_expiry_is_accepted()
    {
        _world.Clock.SetUtcNow(Entra.IssueInstant.AddMinutes(60) + _world.RecordA.ClockSkew - TimeSpan.FromSeconds(1));

        Verdict.Accepted(await _world.ValidateAsync(_world.SignedResponse()));
    }
}
