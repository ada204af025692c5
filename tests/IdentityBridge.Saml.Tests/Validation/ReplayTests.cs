using IdentityBridge.Saml.Tests.Validation.World;
using Codes = IdentityBridge.Saml.Validation.ValidationCodes;

namespace IdentityBridge.Saml.Tests.Validation;

/// <summary>
/// A bearer assertion used twice is a stolen session (Sustainsys CVE-2020-5261, Snipe-IT race CVE-2026-116201,
/// Mendix IdP-initiated replay CVE-2026-89209). No peer in spec 3.4 had a cache in the library.
/// </summary>
public sealed class ReplayTests(SamlKeys keys) : IClassFixture<SamlKeys>
{
    private readonly SamlWorld _world = new(keys);

    [Fact]
    public async Task the_same_response_posted_twice_is_rejected_the_second_time()
    {
        var encoded = SamlWorld.Encode(_world.SignedResponse().OuterXml);

        Verdict.Accepted(await _world.ValidateEncodedAsync(encoded));
        Verdict.Rejected(await _world.ValidateEncodedAsync(encoded), Codes.Replayed);
    }

    [Fact]
    public async Task the_same_assertion_in_a_new_response_envelope_is_rejected()
    {
        // Assertion-only signing leaves the Response ID free to change: the assertion ID is what is consumed.
        var builder = _world.Response();
        var first = _world.Signed(builder);
        Verdict.Accepted(await _world.ValidateAsync(first));

        var again = _world.Signed(builder);
        Dom.Response(again).SetAttribute("ID", ResponseBuilder.NewId());

        Verdict.Rejected(await _world.ValidateAsync(again), Codes.Replayed);
    }

    [Fact]
    public async Task two_concurrent_posts_of_one_response_log_in_exactly_once()
    {
        // The race of CVE-2026-116201: the check and the insert must be one atomic step.
        var encoded = SamlWorld.Encode(_world.SignedResponse().OuterXml);

        var results = await Task.WhenAll(
            Task.Run(() => _world.ValidateEncodedAsync(encoded)),
            Task.Run(() => _world.ValidateEncodedAsync(encoded)));

        Assert.Single(results, r => r.IsValid);
        Verdict.Rejected(Assert.Single(results, r => !r.IsValid), Codes.Replayed);
    }

    [Fact]
    public async Task replayed_sp_initiated_response_is_rejected()
    {
        _world.RememberRequest("_req-replay", Entra.RecordA);
        var encoded = SamlWorld.Encode(_world.Signed(_world.Response().InResponseTo("_req-replay")).OuterXml);
        Verdict.Accepted(await _world.ValidateEncodedAsync(encoded));

        Verdict.RejectedWithAnyOf(await _world.ValidateEncodedAsync(encoded), Codes.Replayed, Codes.InResponseToMismatch);
    }

    [Fact]
    public async Task consumed_assertion_is_remembered_at_least_until_it_expires()
    {
        // A cache entry that lapses before NotOnOrAfter (plus skew) reopens the replay window (WPO365 CVE-2026-122220).
        Verdict.Accepted(await _world.ValidateAsync(_world.SignedResponse()));

        // The key's format is the validator's own (it may hash the issuer and ID); what matters is how long it lives.
        Assert.NotEmpty(_world.ReplayCache.Entries);
        Assert.All(_world.ReplayCache.Entries, entry => Assert.True(entry.Value >= Entra.IssueInstant.AddMinutes(60),
            $"the replay entry expires at {entry.Value:O}, before the assertion's NotOnOrAfter"));
    }

    [Fact]
    public async Task rejected_response_does_not_burn_its_assertion_id()
    {
        // A forged copy sent first (wrong audience, so refused) must not lock the genuine user out.
        var builder = _world.Response();
        var genuine = _world.Signed(builder);
        var broken = _world.Signed(_world.Response().WithAssertionId(builder.AssertionId).WithAudience("https://fabrikam.service-now.com"));

        Verdict.Rejected(await _world.ValidateAsync(broken), Codes.AudienceMismatch);
        Verdict.Accepted(await _world.ValidateAsync(genuine));
    }
}
