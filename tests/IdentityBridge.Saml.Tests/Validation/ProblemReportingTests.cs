using System.Xml;
using IdentityBridge.Saml.Tests.Validation.World;
using Codes = IdentityBridge.Saml.Validation.ValidationCodes;

namespace IdentityBridge.Saml.Tests.Validation;

/// <summary>
/// What an administrator sees in Test Connection and the logs: every problem at once, not only the first, in
/// ServiceNow's words where ServiceNow has them.
/// </summary>
public sealed class ProblemReportingTests(SamlKeys keys) : IClassFixture<SamlKeys>
{
    private readonly SamlWorld _world = new(keys);

    [Fact]
    public async Task wrong_audience_and_expiry_are_both_reported()
    {
        _world.Clock.SetUtcNow(Entra.IssueInstant.AddHours(2));
        var doc = _world.Signed(_world.Response().WithAudience("https://fabrikam.service-now.com"));

        Verdict.RejectedWithAll(await _world.ValidateAsync(doc), Codes.AudienceMismatch, Codes.Expired);
    }

    [Fact]
    public async Task wrong_recipient_destination_and_audience_are_all_reported()
    {
        var doc = _world.Signed(_world.Response()
            .WithDestination("https://fabrikam.service-now.com/navpage.do")
            .WithRecipient("https://fabrikam.service-now.com/navpage.do")
            .WithAudience("https://fabrikam.service-now.com"));

        Verdict.RejectedWithAll(await _world.ValidateAsync(doc), Codes.DestinationMismatch, Codes.RecipientMismatch, Codes.AudienceMismatch);
    }

    [Fact]
    public async Task audience_mismatch_reads_as_servicenow_words_it()
    {
        var doc = _world.Signed(_world.Response().WithAudience("https://fabrikam.service-now.com"));

        var result = await _world.ValidateAsync(doc);

        var problem = Assert.Single(result.Problems, p => p.Code == Codes.AudienceMismatch);
        Assert.StartsWith("Assertion audience mismatch. Expect: ", problem.Message, StringComparison.Ordinal);
        Assert.Contains(Entra.Audience, problem.Message, StringComparison.Ordinal);
        Assert.Contains("actual: https://fabrikam.service-now.com", problem.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string[]> ServiceNowWordings => new()
    {
        // vector, code, the fixed parts of ServiceNow's message (spec/servicenow.md 5.5)
        { "expired", Codes.Expired, ["Assertion is expired, now: ", "notOnOrAfter: "] },
        { "future", Codes.NotYetValid, ["Assertion is valid in the future, now: ", "notBefore: "] },
        { "subject-expired", Codes.SubjectExpired, ["Subject is expired. Now: ", "NotOnOrAfter: "] },
        { "holder-of-key", Codes.NoBearerConfirmation, ["No valid SubjectConfirmation found."] },
        { "requester", Codes.StatusNotSuccess,
            ["SAML failed to login, Status code is urn:oasis:names:tc:SAML:2.0:status:Requester. When it is supposed to be urn:oasis:names:tc:SAML:2.0:status:Success"] },
        { "subject-in-response-to", Codes.InResponseToMismatch, ["InResponseTo attribute in SubjectConfirmationData mismatch. Expect: ", "actual: _req-other"] },
        { "key-info", Codes.CertificateMismatch, ["Certificates don't match. Expect: ", "actual: "] },
        { "other-key", Codes.SignatureInvalid, ["Signature did not validate against the credential's key"] },
        // OpenSAML, under ServiceNow, reports a broken digest with the same sentence.
        { "tampered", Codes.SignatureInvalid, ["Signature did not validate against the credential's key"] },
    };

    [Theory]
    [MemberData(nameof(ServiceNowWordings))]
    public async Task problems_read_as_servicenow_words_them(string vector, string code, string[] wording)
    {
        // Administrators search ServiceNow's KB articles with these exact phrases.
        var skew = _world.RecordA.ClockSkew + TimeSpan.FromSeconds(1);
        var doc = vector switch
        {
            "expired" => _world.Signed(_world.Response().WithNotOnOrAfter(Entra.Now - skew).WithSubjectNotOnOrAfter(Entra.Now.AddHours(1))),
            "future" => _world.Signed(_world.Response().WithNotBefore(Entra.Now + skew)),
            "subject-expired" => _world.Signed(_world.Response().WithSubjectNotOnOrAfter(Entra.Now - skew)),
            "holder-of-key" => _world.Signed(_world.Response().WithConfirmationMethod(Entra.HolderOfKey)),
            "requester" => _world.Signed(_world.Response().WithStatus("urn:oasis:names:tc:SAML:2.0:status:Requester")),
            "subject-in-response-to" => SubjectAnsweringAnotherRequest(),
            "key-info" => _world.Signed(_world.Response(), Signing.Assertion, new SignatureOptions { KeyInfoCertificate = keys.Attacker }),
            "other-key" => _world.Signed(_world.Response().IssuedBy(Entra.IssuerB), Signing.Assertion, new SignatureOptions { OmitKeyInfo = true }),
            _ => Tampered(),
        };

        var result = await _world.ValidateAsync(doc);

        Verdict.Rejected(result, code);
        var messages = result.Problems.Where(p => p.Code == code).Select(p => p.Message).ToList();
        Assert.True(messages.Any(m => wording.All(part => m.Contains(part, StringComparison.Ordinal))),
            $"expected a {code} message containing [{string.Join("] and [", wording)}], got: {string.Join(" | ", messages)}");
    }

    [Fact]
    public async Task rejected_response_shows_a_failed_step()
    {
        var doc = _world.Signed(_world.Response().WithRecipient("https://fabrikam.service-now.com/navpage.do"));

        var result = await _world.ValidateAsync(doc);

        Verdict.Rejected(result, Codes.RecipientMismatch);
        Assert.Contains(result.Steps, step => !step.Passed);
    }

    [Fact]
    public async Task rejected_but_verified_response_still_names_the_user_for_the_log()
    {
        // ServiceNow logs "User: x not found"-style lines; once the signature verified, the NameID is safe to log.
        var doc = _world.Signed(_world.Response().WithAudience("https://fabrikam.service-now.com"));

        var result = await _world.ValidateAsync(doc);

        Verdict.Rejected(result, Codes.AudienceMismatch);
        Assert.Equal(Entra.LegitimateUser, result.NameId);
        Assert.Equal(Entra.IssuerA, result.Issuer);
        Assert.Equal(Entra.RecordA, result.RecordId);
    }

    private XmlDocument SubjectAnsweringAnotherRequest()
    {
        _world.RememberRequest("_req-mine", Entra.RecordA);
        return _world.Signed(_world.Response().WithResponseInResponseTo("_req-mine").WithSubjectInResponseTo("_req-other"));
    }

    private XmlDocument Tampered()
    {
        var doc = _world.SignedResponse();
        Dom.NameId(Dom.Assertion(doc)).InnerText = Entra.EvilUser;
        return doc;
    }
}
