namespace IdentityBridge.Expressions.Functions;

/// <summary>
/// One parameter of a function, in the shape of Graph's <c>attributeMappingParameterSchema</c>: its name (also the
/// key of the parameter in a Graph source tree), whether it must be given, and whether it repeats.
/// </summary>
public sealed record FunctionParameter(string Name, bool Required = true, bool AllowMultipleOccurrences = false);

/// <summary>
/// The signature of a function of spec §3.3: its parameters as Microsoft's reference lists them and how many
/// arguments a call may have.
/// </summary>
public sealed record FunctionSignature
{
    public required string Name { get; init; }

    public required IReadOnlyList<FunctionParameter> Parameters { get; init; }

    /// <summary>What the function does, in one line, for help texts.</summary>
    public required string Summary { get; init; }

    public int MinimumArguments { get; init; }

    /// <summary>Switch takes its keys and values in pairs, so its argument count is even (spec §3.3).</summary>
    public bool EvenArgumentCount { get; init; }

    /// <summary>
    /// An older layout of the same function, used when a call has exactly this many arguments: FormatDateTime was
    /// documented as <c>FormatDateTime(source, inputFormat, outputFormat)</c> before dateTimeStyles was added, and
    /// schemas written then still carry three arguments.
    /// </summary>
    public IReadOnlyList<FunctionParameter>? ShortForm { get; init; }

    public int MaximumArguments => Parameters.Any(p => p.AllowMultipleOccurrences) ? int.MaxValue : Parameters.Count;

    /// <summary>The parameter that the argument at <paramref name="index"/> of a call with <paramref name="count"/> arguments fills.</summary>
    public FunctionParameter ParameterAt(int index, int count)
    {
        var layout = ShortForm is { } shortForm && count == shortForm.Count ? shortForm : Parameters;
        var repeating = 0;
        for (var i = layout.Count - 1; i >= 0 && layout[i].AllowMultipleOccurrences; i--) repeating++;
        var fixedCount = layout.Count - repeating;
        if (index < fixedCount || repeating == 0) return layout[Math.Min(index, layout.Count - 1)];
        return layout[fixedCount + (index - fixedCount) % repeating];
    }
}
