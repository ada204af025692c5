using IdentityBridge.Saml.Tests.Validation.World;
using Codes = IdentityBridge.Saml.Validation.ValidationCodes;

namespace IdentityBridge.Saml.Tests.Validation;

/// <summary>
/// Validly signed responses with one semantic property wrong, each re-signed with tenant A's real key so only that
/// property fails: the checks spec/saml.md 3.4 found missing in one peer or another (node-saml ignores Status,
/// Recipient and Destination; samlify ignores Audience; Lasso ignores time).
/// </summary>
public sealed class ConditionsTests(SamlKeys keys) : IClassFixture<SamlKeys>
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);
    private readonly SamlWorld _world = new(keys);

    [Theory]
    [InlineData("urn:oasis:names:tc:SAML:2.0:status:Requester")]
    [InlineData("urn:oasis:names:tc:SAML:2.0:status:Responder")]
    public async Task non_success_status_with_a_valid_signed_assertion_is_rejected(string status)
    {
        // passport-saml CVE-2022-39299; node-saml accepted this in spec 3.4.
        var doc = _world.Signed(_world.Response().WithStatus(status));

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.StatusNotSuccess);
    }

    [Theory]
    [InlineData(Signing.Assertion)]
    [InlineData(Signing.Response)]
    public async Task response_for_another_destination_is_rejected(Signing signing)
    {
        // A response meant for another SP (or another instance) replayed at ours.
        var doc = _world.Signed(_world.Response().WithDestination("https://fabrikam.service-now.com/navpage.do"), signing);

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.DestinationMismatch);
    }

    [Theory]
    [InlineData(Signing.Response)]
    [InlineData(Signing.Both)]
    public async Task signed_response_without_destination_is_rejected(Signing signing)
    {
        // SAML bindings 3.5.5.2: a signed message must name its Destination.
        var doc = _world.Signed(_world.Response().WithDestination(null), signing);

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.DestinationMismatch);
    }

    [Fact]
    public async Task response_posted_to_a_url_other_than_its_destination_is_rejected()
    {
        // Destination names /navpage.do; the browser was made to post it to /consumer.do (both ours).
        var doc = _world.SignedResponse();

        var result = await _world.ValidateEncodedAsync(SamlWorld.Encode(doc.OuterXml), Entra.OtherConsumerService);

        Verdict.RejectedWithAnyOf(result, Codes.DestinationMismatch, Codes.RecipientMismatch);
    }

    [Fact]
    public async Task assertion_for_another_recipient_is_rejected()
    {
        var doc = _world.Signed(_world.Response().WithRecipient("https://fabrikam.service-now.com/navpage.do"));

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.RecipientMismatch);
    }

    [Fact]
    public async Task assertion_for_another_audience_is_rejected()
    {
        var doc = _world.Signed(_world.Response().WithAudience("https://fabrikam.service-now.com"));

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.AudienceMismatch);
    }

    [Fact]
    public async Task extra_audience_restriction_without_us_is_rejected()
    {
        // Restrictions combine with AND: one restriction naming us does not outvote another that does not.
        var doc = _world.Signed(_world.Response().WithExtraAudienceRestriction("https://fabrikam.service-now.com"));

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.AudienceMismatch);
    }

    [Fact]
    public async Task assertion_without_any_audience_restriction_is_rejected()
    {
        // Web SSO profile 4.1.4.2: a bearer assertion MUST be restricted to the SP; "every restriction names us" is
        // vacuously true of none, and an unrestricted assertion is good at every SP trusting this tenant.
        var doc = _world.Signed(_world.Response().WithoutAudienceRestriction());

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.AudienceMismatch);
    }

    [Fact]
    public async Task bearer_confirmation_without_a_recipient_is_rejected()
    {
        // Web SSO profile 4.1.4.2: the bearer SubjectConfirmationData MUST name the consumer URL it is for.
        var doc = _world.Signed(_world.Response().WithRecipient(null));

        Verdict.RejectedWithAnyOf(await _world.ValidateAsync(doc), Codes.RecipientMismatch, Codes.NoBearerConfirmation);
    }

    [Fact]
    public async Task audience_with_a_trailing_slash_is_another_audience()
    {
        // ServiceNow's tutorial warns the portal may add a slash to the Identifier; the match stays exact.
        var doc = _world.Signed(_world.Response().WithAudience(Entra.Audience + "/"));

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.AudienceMismatch);
    }

    [Fact]
    public async Task holder_of_key_confirmation_is_rejected()
    {
        // Sustainsys CVE-2020-5268: every confirmation treated as bearer.
        var doc = _world.Signed(_world.Response().WithConfirmationMethod(Entra.HolderOfKey));

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.NoBearerConfirmation);
    }

    [Fact]
    public async Task assertion_arriving_just_outside_the_skew_after_expiry_is_rejected()
    {
        _world.Clock.SetUtcNow(Entra.IssueInstant.AddMinutes(60) + _world.RecordA.ClockSkew + Second);

        Verdict.Rejected(await _world.ValidateAsync(_world.SignedResponse()), Codes.Expired);
    }

    [Fact]
    public async Task assertion_not_yet_valid_by_more_than_the_skew_is_rejected()
    {
        var doc = _world.Signed(_world.Response().WithNotBefore(Entra.Now + _world.RecordA.ClockSkew + Second));

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.NotYetValid);
    }

    [Fact]
    public async Task a_smaller_skew_on_the_record_is_honoured()
    {
        // ServiceNow's clock_skew is per record: 60 s rejects what the default 180 s would accept.
        _world.RecordA = _world.RecordA with { ClockSkew = TimeSpan.FromSeconds(60) };
        var doc = _world.Signed(_world.Response().WithNotBefore(Entra.Now + TimeSpan.FromSeconds(90)));

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.NotYetValid);
    }

    [Fact]
    public async Task subject_confirmation_past_its_not_on_or_after_is_rejected()
    {
        // ruby-saml invalid_subjectconfirmation_noa: Conditions still valid, the bearer window is not.
        var doc = _world.Signed(_world.Response().WithSubjectNotOnOrAfter(Entra.Now - _world.RecordA.ClockSkew - Second));

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.SubjectExpired);
    }

    [Fact]
    public async Task assertion_valid_for_longer_than_the_records_maximum_is_rejected()
    {
        // An absurd lifetime is a forged or stolen-key assertion meant to be replayed for days (Golden SAML).
        var doc = _world.Signed(_world.Response()
            .WithNotBefore(Entra.IssueInstant.AddMinutes(-5))
            .WithNotOnOrAfter(Entra.IssueInstant.AddMinutes(-5) + _world.RecordA.MaxAssertionLifetime + TimeSpan.FromHours(1)));

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.LifetimeTooLong);
    }

    [Fact]
    public async Task entra_window_is_too_long_for_a_record_capped_at_thirty_minutes()
    {
        _world.RecordA = _world.RecordA with { MaxAssertionLifetime = TimeSpan.FromMinutes(30) };

        Verdict.Rejected(await _world.ValidateAsync(_world.SignedResponse()), Codes.LifetimeTooLong);
    }
}
