using System.Collections.Frozen;

namespace IdentityBridge.Expressions.Functions;

/// <summary>
/// Every function of the expression language (spec §3.3), with its parameters named as Microsoft's function
/// reference names them. The names double as the keys of a Graph source tree's parameters, since Graph gives the
/// parameters of a function node as key/value pairs.
/// </summary>
public static class FunctionCatalog
{
    private static FunctionParameter P(string name) => new(name);

    private static FunctionParameter Optional(string name) => new(name, Required: false);

    private static FunctionParameter Many(string name, bool required = true) => new(name, required, AllowMultipleOccurrences: true);

    private static FunctionSignature F(string name, string summary, params FunctionParameter[] parameters) => new()
    {
        Name = name,
        Summary = summary,
        Parameters = parameters,
        MinimumArguments = parameters.Count(p => p.Required && !p.AllowMultipleOccurrences),
    };

    private static readonly FunctionSignature[] All =
    [
        F("Append", "The source followed by the suffix.", P("source"), P("suffix")),
        F("AppRoleAssignmentsComplex", "Every app role assigned to the user, as complex values (added, never removed).", P("source")),
        F("AssertiveAppRoleAssignmentsComplex", "Every app role assigned to the user, as complex values that replace the target's.", P("source")),
        F("BitAnd", "The bitwise AND of two integers (&H hexadecimal constants allowed).", P("value1"), P("value2")),
        F("CBool", "True when the expression is true or a non-zero number, else False.", P("expression")),
        F("CDate", "The string parsed as a date and time, in UTC.", P("expression")),
        F("Coalesce", "The first source that has a value, else the last argument (the default value).", Many("source")) with { MinimumArguments = 1 },
        F("ConvertToBase64", "Base64 of the string's UTF-16 (\"Unicode\") bytes.", P("source")),
        F("ConvertToUTF8Hex", "The string's UTF-8 bytes in upper-case hexadecimal.", P("source")),
        F("Count", "How many values a multi-valued attribute has.", P("attribute")),
        F("CStr", "A number, reference or boolean as a string.", P("value")),
        F("DateAdd", "The date plus a number of intervals (yyyy, m, d, ww, h, n, s).", P("interval"), P("value"), P("dateTime")),
        F("DateDiff", "date2 minus date1, in whole intervals (yyyy, m, d, ww, h, n, s).", P("interval"), P("date1"), P("date2")),
        F("DateFromNum", "An Active Directory FILETIME number as a date.", P("value")),
        F("DefaultDomain", "The tenant's default verified domain.") with { MinimumArguments = 0 },
        F("FormatDateTime", "A date string reformatted from one .NET format to another.",
            P("source"), Optional("dateTimeStyles"), P("inputFormat"), P("outputFormat")) with
        {
            ShortForm = [P("source"), P("inputFormat"), P("outputFormat")],
        },
        F("Guid", "A new random GUID.") with { MinimumArguments = 0 },
        F("IgnoreFlowIfNullOrEmpty", "Leaves the attribute out of the flow when the expression is null or empty.", P("expression")),
        F("IIF", "valueIfTrue when the condition holds, else valueIfFalse.", P("condition"), P("valueIfTrue"), P("valueIfFalse")),
        F("InStr", "The 1-based position of value2 in value1, or 0.", P("value1"), P("value2"), Optional("start"), Optional("compareType")),
        F("IsNull", "True when the expression has no value.", P("expression")),
        F("IsNullOrEmpty", "True when the expression has no value or is empty.", P("expression")),
        F("IsPresent", "True when the expression has a non-empty value.", P("expression")),
        F("IsString", "True when the expression is a string.", P("expression")),
        F("Item", "The value at a 1-based index of a multi-valued attribute.", P("attribute"), P("index")),
        F("Join", "The non-empty sources joined with the separator; multi-valued sources add every value.",
            P("separator"), Many("source", required: false)) with { MinimumArguments = 2 },
        F("Left", "The first numChars characters.", P("string"), P("numChars")),
        F("Len", "The number of characters.", P("string")),
        F("Mid", "length characters from the 1-based start.", P("source"), P("start"), P("length")),
        F("NormalizeDiacritics", "Accented letters replaced by plain ones.", P("source")),
        F("Not", "True for False and False for True.", P("source")),
        F("Now", "The current date and time, in UTC.") with { MinimumArguments = 0 },
        F("NumFromDate", "A date as an Active Directory FILETIME number.", P("value")),
        F("PCase", "Each word with its first letter upper-case and the rest lower-case.", P("source"), Optional("wordSeparators")),
        F("RandomString", "A random string with at least the given numbers of each kind of character.",
            P("Length"), P("MinimumNumbers"), P("MinimumSpecialCharacters"), P("MinimumCapital"), P("MinimumLowerCase"),
            Optional("CharactersToAvoid")),
        F("Redact", "The value, shown as [Redact] in provisioning logs.", P("source")),
        F("RemoveDuplicates", "A multi-valued attribute with its duplicate values removed.", P("attribute")),
        F("Replace", "Literal, template or regular-expression replacement, by which parameters are given.",
            P("source"), Optional("oldValue"), Optional("regexPattern"), Optional("regexGroupName"), Optional("replacementValue"),
            Optional("replacementAttributeName"), Optional("template")),
        F("SelectUniqueValue", "The first candidate that is not yet taken in the target.", Many("rule")) with { MinimumArguments = 2 },
        F("SingleAppRoleAssignment", "One app role assigned to the user.", P("source")),
        F("Split", "The string split on the delimiter into a multi-valued attribute.", P("source"), P("delimiter")),
        F("StripSpaces", "The string without its space characters.", P("source")),
        F("Switch", "The value paired with the first key equal to the source, else the default value.",
            P("source"), Optional("defaultValue"), Many("key"), Many("value")) with
        {
            // Microsoft marks key and value required: at least one pair follows the source and the default value.
            MinimumArguments = 4,
            EvenArgumentCount = true,
        },
        F("ToLower", "The string in lower case (invariant culture, or the culture given).", P("source"), Optional("culture")),
        F("ToUpper", "The string in upper case (invariant culture, or the culture given).", P("source"), Optional("culture")),
        F("Word", "The word at a 1-based position, words being split on any of the delimiter characters.",
            P("string"), P("wordNumber"), P("delimiters")),
    ];

    /// <summary>The functions by their exact, case-sensitive name.</summary>
    public static FrozenDictionary<string, FunctionSignature> Functions { get; } =
        All.ToFrozenDictionary(f => f.Name, StringComparer.Ordinal);

    public static FunctionSignature? Find(string name) => Functions.GetValueOrDefault(name);

    /// <summary>A function whose name differs only in case, for "did you mean" hints: Entra's names are case-sensitive.</summary>
    public static string? SuggestionFor(string name) =>
        All.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase))?.Name;
}
