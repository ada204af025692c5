namespace IdentityBridge.Saml.Bindings;

/// <summary>One query or form parameter as received, and its name as a comparison sees it (percent-decoded for queries).</summary>
internal readonly record struct ReceivedParameter(string RawName, string Name, string Value, bool HasValue = true);

/// <summary>The SAML parameters of one HTTP request, each present at most once; values as the binding received them.</summary>
internal sealed record SamlParameterSet(SamlMessageKind Kind, string Message, string? RelayState, string? SigAlg, string? Signature)
{
    private static readonly string[] Known =
    [
        SamlParameters.Request, SamlParameters.Response, SamlParameters.RelayState, SamlParameters.SigAlg, SamlParameters.Signature,
    ];

    /// <summary>
    /// Picks the SAML parameters out of everything received. Refuses a SAML parameter that appears twice, or in another
    /// spelling (case or percent-encoded name), because another reader of the same request - ASP.NET Core's query and
    /// form collections are case-insensitive and decode names - could then see a different value than the one verified:
    /// the parameter smuggling of OpenSAML CPPOST-126 (spec/saml.md 2.2). Other parameters are left alone.
    /// </summary>
    public static BindingResult<SamlParameterSet> From(IEnumerable<ReceivedParameter> parameters)
    {
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var parameter in parameters)
        {
            var known = Array.Find(Known, k => string.Equals(k, parameter.Name, StringComparison.OrdinalIgnoreCase));
            if (known is null) continue;
            if (!string.Equals(parameter.RawName, known, StringComparison.Ordinal))
                return BindingResult<SamlParameterSet>.Failure(BindingCodes.MalformedParameters,
                    $"The parameter '{Shorten(parameter.RawName)}' must be spelled exactly '{known}'; other spellings are refused.");
            if (!parameter.HasValue)
                return BindingResult<SamlParameterSet>.Failure(BindingCodes.MalformedParameters,
                    $"The parameter '{known}' has no '=' and so no value.");
            if (!found.TryAdd(known, parameter.Value))
                return BindingResult<SamlParameterSet>.Failure(BindingCodes.DuplicateParameter,
                    $"The parameter '{known}' appears more than once; each SAML parameter must appear once at most.");
        }

        var hasRequest = found.TryGetValue(SamlParameters.Request, out var request);
        var hasResponse = found.TryGetValue(SamlParameters.Response, out var response);
        if (hasRequest && hasResponse)
            return BindingResult<SamlParameterSet>.Failure(BindingCodes.AmbiguousMessage,
                "Both SAMLRequest and SAMLResponse are present; a binding carries exactly one message.");
        if (!hasRequest && !hasResponse)
            return BindingResult<SamlParameterSet>.Failure(BindingCodes.MessageMissing,
                "Neither SAMLRequest nor SAMLResponse is present.");

        return BindingResult<SamlParameterSet>.Success(new SamlParameterSet(
            hasRequest ? SamlMessageKind.Request : SamlMessageKind.Response,
            (hasRequest ? request : response)!,
            found.GetValueOrDefault(SamlParameters.RelayState),
            found.GetValueOrDefault(SamlParameters.SigAlg),
            found.GetValueOrDefault(SamlParameters.Signature)));
    }

    /// <summary>Keeps attacker-chosen text in messages short.</summary>
    internal static string Shorten(string text) => text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 40), "...");
}
