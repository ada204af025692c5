using IdentityBridge.Saml.Validation;

namespace IdentityBridge.Saml.Tests.Validation.World;

/// <summary>What the tests check of a result, with failure messages that list every problem the validator saw.</summary>
public static class Verdict
{
    public static ValidatedAssertion Accepted(ValidationResult result)
    {
        Assert.True(result.IsValid, $"expected the response to be accepted, but: {Describe(result)}");
        return result.Assertion!;
    }

    /// <summary>Refused, with no identity handed out, and with <paramref name="code"/> among the reasons.</summary>
    public static void Rejected(ValidationResult result, string code) => RejectedWithAnyOf(result, code);

    /// <summary>Refused with every one of <paramref name="codes"/>.</summary>
    public static void RejectedWithAll(ValidationResult result, params string[] codes)
    {
        RejectedWithoutIdentity(result);
        foreach (var code in codes)
            Assert.True(result.Has(code), $"expected {code} among the problems, got: {Describe(result)}");
    }

    /// <summary>
    /// Refused for at least one of <paramref name="codes"/>. Used where one vector breaks several rules at once
    /// (a wrapping attack is both a second assertion and a reference to the wrong element) and any of those rules
    /// stopping it is right; a rejection for an unrelated reason still fails the test.
    /// </summary>
    public static void RejectedWithAnyOf(ValidationResult result, params string[] codes)
    {
        RejectedWithoutIdentity(result);
        Assert.True(codes.Any(result.Has), $"expected one of [{string.Join(", ", codes)}], got: {Describe(result)}");
    }

    /// <summary>Neither the assertion nor the logged NameID carries <paramref name="nameId"/>.</summary>
    public static void NeverVouchesFor(ValidationResult result, string nameId)
    {
        Assert.NotEqual(nameId, result.Assertion?.NameId);
        Assert.NotEqual(nameId, result.NameId);
    }

    public static string Describe(ValidationResult result) =>
        result.Problems.Count == 0
            ? result.Assertion is null ? "no problems but no assertion" : "no problems"
            : string.Join("; ", result.Problems.Select(p => $"{p.Code}: {p.Message}"));

    private static void RejectedWithoutIdentity(ValidationResult result)
    {
        Assert.False(result.IsValid, $"expected a rejection, but the response was accepted for {result.Assertion?.NameId}");
        Assert.NotEmpty(result.Problems);
        Assert.Null(result.Assertion);
    }
}
