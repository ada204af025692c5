using IdentityBridge.Saml.Tests.Validation.World;
using Codes = IdentityBridge.Saml.Validation.ValidationCodes;

namespace IdentityBridge.Saml.Tests.Validation;

/// <summary>
/// SP-initiated responses must answer a request we sent, to the same record, once; IdP-initiated ones must not
/// pretend to answer anything (Sustainsys ThrowsOnIncorrectInResponseTo / ThrowsOnInResponseTo_When_NoneExpected;
/// multi-IdP CVE-2023-41890).
/// </summary>
public sealed class InResponseToTests(SamlKeys keys) : IClassFixture<SamlKeys>
{
    private readonly SamlWorld _world = new(keys);

    [Fact]
    public async Task response_to_a_request_we_never_sent_is_rejected()
    {
        var doc = _world.Signed(_world.Response().InResponseTo("_never-sent"));

        var result = await _world.ValidateAsync(doc);

        Verdict.Rejected(result, Codes.InResponseToMismatch);
        Assert.Equal("_never-sent", result.InResponseTo);
    }

    [Fact]
    public async Task response_from_tenant_a_to_a_request_sent_to_tenant_b_is_rejected()
    {
        // CVE-2023-41890: state created for one identity provider consumed by another trusted one.
        _world.RememberRequest("_req-for-b", Entra.RecordB);
        var doc = _world.Signed(_world.Response().InResponseTo("_req-for-b"));

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.InResponseToMismatch);
    }

    [Fact]
    public async Task second_response_to_an_already_answered_request_is_rejected()
    {
        // A request is answered once: a second, freshly signed response (new IDs, so no replay) must not log in.
        _world.RememberRequest("_req-once", Entra.RecordA);
        Verdict.Accepted(await _world.ValidateAsync(_world.Signed(_world.Response().InResponseTo("_req-once"))));

        var second = await _world.ValidateAsync(_world.Signed(_world.Response().InResponseTo("_req-once")));

        Verdict.Rejected(second, Codes.InResponseToMismatch);
    }

    [Fact]
    public async Task two_concurrent_responses_to_one_request_log_in_exactly_once()
    {
        // Two distinct, valid responses racing for one request: taking the request must be atomic too.
        _world.RememberRequest("_req-race", Entra.RecordA);
        var first = SamlWorld.Encode(_world.Signed(_world.Response().InResponseTo("_req-race")).OuterXml);
        var second = SamlWorld.Encode(_world.Signed(_world.Response().InResponseTo("_req-race")).OuterXml);

        var results = await Task.WhenAll(
            Task.Run(() => _world.ValidateEncodedAsync(first)),
            Task.Run(() => _world.ValidateEncodedAsync(second)));

        Assert.Single(results, r => r.IsValid);
        Verdict.Rejected(Assert.Single(results, r => !r.IsValid), Codes.InResponseToMismatch);
    }

    [Fact]
    public async Task response_to_an_expired_request_is_rejected()
    {
        _world.RememberRequest("_req-old", Entra.RecordA);
        _world.Clock.Advance(TimeSpan.FromMinutes(11));
        var doc = _world.Signed(_world.Response().InResponseTo("_req-old").WithIssueInstant(_world.Clock.GetUtcNow()));

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.InResponseToMismatch);
    }

    [Fact]
    public async Task subject_confirmation_answering_another_request_than_the_response_is_rejected()
    {
        _world.RememberRequest("_req-1", Entra.RecordA);
        _world.RememberRequest("_req-2", Entra.RecordA);
        var doc = _world.Signed(_world.Response().WithResponseInResponseTo("_req-1").WithSubjectInResponseTo("_req-2"));

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.InResponseToMismatch);
    }

    [Fact]
    public async Task unsolicited_response_whose_assertion_claims_to_answer_a_request_is_rejected()
    {
        // No InResponseTo on the Response, one on SubjectConfirmationData: ruby-saml rejects, the other peers of
        // spec 3.4 accepted it.
        var doc = _world.Signed(_world.Response().WithSubjectInResponseTo("_req-x"));

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.InResponseToMismatch);
    }

    [Fact]
    public async Task unsolicited_response_is_rejected_when_the_record_disallows_it()
    {
        // A record that only allows SP-initiated SSO has no protection but the request binding: no request, no login.
        _world.RecordA = _world.RecordA with { AllowUnsolicited = false };

        Verdict.Rejected(await _world.ValidateAsync(_world.SignedResponse()), Codes.UnsolicitedNotAllowed);
    }

    [Fact]
    public async Task solicited_response_is_accepted_when_the_record_disallows_unsolicited_ones()
    {
        _world.RecordA = _world.RecordA with { AllowUnsolicited = false };
        _world.RememberRequest("_req-ok", Entra.RecordA);

        Verdict.Accepted(await _world.ValidateAsync(_world.Signed(_world.Response().InResponseTo("_req-ok"))));
    }
}
