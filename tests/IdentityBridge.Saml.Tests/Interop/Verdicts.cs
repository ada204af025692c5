using IdentityBridge.Saml.Validation;

namespace IdentityBridge.Saml.Tests.Interop;

/// <summary>Assertions on a validation result that, when they fail, show the problems and the response XML.</summary>
internal static class Verdicts
{
    public static void AssertAccepted(ValidationResult result, string samlResponse) =>
        Assert.True(result.IsValid, "Expected the response to be accepted.\n" + Explain(result, samlResponse));

    public static void AssertRejected(ValidationResult result, string samlResponse, string code)
    {
        Assert.False(result.IsValid, $"Expected the response to be rejected with {code}.\n" + Explain(result, samlResponse));
        Assert.Null(result.Assertion);
        Assert.True(result.Has(code), $"Expected the problem {code}.\n" + Explain(result, samlResponse));
    }

    public static void AssertRejectedWithAnyOf(ValidationResult result, string samlResponse, params string[] codes)
    {
        Assert.False(result.IsValid, $"Expected the response to be rejected with one of {string.Join(", ", codes)}.\n" + Explain(result, samlResponse));
        Assert.Null(result.Assertion);
        Assert.True(codes.Any(result.Has), $"Expected one of the problems {string.Join(", ", codes)}.\n" + Explain(result, samlResponse));
    }

    public static string Explain(ValidationResult result, string samlResponse) =>
        "Problems:\n" + string.Join("\n", result.Problems.Select(p => $"  {p.Code}: {p.Message}")) +
        "\nResponse:\n" + Tampering.Xml(samlResponse);
}
