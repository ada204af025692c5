namespace IdentityBridge.Expressions.Scoping;

/// <summary>The operators of a scoping clause (spec §4), by the spelling Entra's portal uses.</summary>
public enum ScopingOperator
{
    /// <summary><c>&amp;</c>: the attribute's value occurs within the clause's value.</summary>
    IsContainedIn,

    /// <summary><c>!&amp;</c>: the attribute's value does not occur within the clause's value.</summary>
    IsNotContainedIn,

    /// <summary><c>ENDS_WITH</c>.</summary>
    EndsWith,

    /// <summary><c>EQUALS</c>: exact and case-sensitive.</summary>
    Equals,

    /// <summary><c>NOT EQUALS</c>.</summary>
    NotEquals,

    /// <summary><c>Greater_Than</c>: integers.</summary>
    GreaterThan,

    /// <summary><c>Greater_Than_OR_EQUALS</c>: integers.</summary>
    GreaterThanOrEquals,

    /// <summary><c>Includes</c>: the attribute's value contains the clause's value, case-sensitively.</summary>
    Includes,

    /// <summary><c>IS TRUE</c>.</summary>
    IsTrue,

    /// <summary><c>IS FALSE</c>.</summary>
    IsFalse,

    /// <summary><c>IS NULL</c>: no value or an empty one.</summary>
    IsNull,

    /// <summary><c>IS NOT NULL</c>.</summary>
    IsNotNull,

    /// <summary><c>REGEX MATCH</c>: a case-sensitive .NET regular expression.</summary>
    RegexMatch,

    /// <summary><c>NOT REGEX MATCH</c>.</summary>
    NotRegexMatch,

    /// <summary><c>Less_Than</c>: integers. UNCONFIRMED in Microsoft's current documentation (spec §4).</summary>
    LessThan,

    /// <summary><c>Less_Than_OR_EQUALS</c>: integers. UNCONFIRMED in Microsoft's current documentation (spec §4).</summary>
    LessThanOrEquals,

    /// <summary><c>StartsWith</c>. UNCONFIRMED in Microsoft's current documentation (spec §4).</summary>
    StartsWith,
}

public static class ScopingOperators
{
    private static readonly (ScopingOperator Operator, string Name)[] Names =
    [
        (ScopingOperator.IsContainedIn, "&"),
        (ScopingOperator.IsNotContainedIn, "!&"),
        (ScopingOperator.EndsWith, "ENDS_WITH"),
        (ScopingOperator.Equals, "EQUALS"),
        (ScopingOperator.NotEquals, "NOT EQUALS"),
        (ScopingOperator.GreaterThan, "Greater_Than"),
        (ScopingOperator.GreaterThanOrEquals, "Greater_Than_OR_EQUALS"),
        (ScopingOperator.Includes, "Includes"),
        (ScopingOperator.IsTrue, "IS TRUE"),
        (ScopingOperator.IsFalse, "IS FALSE"),
        (ScopingOperator.IsNull, "IS NULL"),
        (ScopingOperator.IsNotNull, "IS NOT NULL"),
        (ScopingOperator.RegexMatch, "REGEX MATCH"),
        (ScopingOperator.NotRegexMatch, "NOT REGEX MATCH"),
        (ScopingOperator.LessThan, "Less_Than"),
        (ScopingOperator.LessThanOrEquals, "Less_Than_OR_EQUALS"),
        (ScopingOperator.StartsWith, "StartsWith"),
    ];

    /// <summary>The spelling Entra's portal shows, which is also what this project writes.</summary>
    public static string Name(ScopingOperator op) => Names.First(n => n.Operator == op).Name;

    /// <summary>
    /// Reads an operator name. Graph's own spelling of the operators is not documented beyond the portal's (spec §4),
    /// so names are compared without case, spaces and underscores: <c>NOT EQUALS</c>, <c>NOT_EQUALS</c> and
    /// <c>NotEquals</c> are the same operator.
    /// </summary>
    public static ScopingOperator? Parse(string? name)
    {
        if (name is null) return null;
        var key = Key(name);
        foreach (var (op, spelling) in Names)
            if (Key(spelling) == key) return op;
        return null;
    }

    public static IEnumerable<string> All => Names.Select(n => n.Name);

    /// <summary>The operators that look at the attribute only and take no value.</summary>
    public static bool IsUnary(ScopingOperator op) => op is ScopingOperator.IsTrue or ScopingOperator.IsFalse or ScopingOperator.IsNull or ScopingOperator.IsNotNull;

    public static bool IsInteger(ScopingOperator op) =>
        op is ScopingOperator.GreaterThan or ScopingOperator.GreaterThanOrEquals or ScopingOperator.LessThan or ScopingOperator.LessThanOrEquals;

    public static bool IsRegex(ScopingOperator op) => op is ScopingOperator.RegexMatch or ScopingOperator.NotRegexMatch;

    private static string Key(string name) => string.Concat(name.Where(c => c is not (' ' or '_'))).ToUpperInvariant();
}
