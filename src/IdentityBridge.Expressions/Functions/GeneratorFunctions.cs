using IdentityBridge.Expressions.Evaluation;

namespace IdentityBridge.Expressions.Functions;

/// <summary>Functions whose value does not come from the source object: Guid, RandomString, DefaultDomain (spec §3.3).</summary>
internal static class GeneratorFunctions
{
    public static IEnumerable<FunctionImplementation> All =>
    [
        new("DefaultDomain", DefaultDomain),
        new("Guid", NewGuid),
        new("RandomString", RandomString),
    ];

    /// <summary>RandomString's documented maximum length (spec §3.3).</summary>
    internal const int MaximumLength = 256;

    internal const string Digits = "0123456789";
    internal const string Capitals = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    internal const string LowerCase = "abcdefghijklmnopqrstuvwxyz";

    /// <summary>
    /// The special characters RandomString draws from. UNCONFIRMED: Microsoft does not list Entra's set; this is
    /// printable ASCII punctuation without quotes, backslash, backtick and space, which target systems most often
    /// reject or mangle. CharactersToAvoid removes more.
    /// </summary>
    internal const string SpecialCharacters = "!#$%&()*+,-./:;<=>?@[]^_{|}~";

    private static ExpressionValue DefaultDomain(FunctionNode call, ref EvaluationFrame frame) =>
        frame.Context.DefaultDomain is { Length: > 0 } domain
            ? ExpressionValue.FromString(domain)
            : ExpressionValue.Failure(ErrorCodes.NoDefaultDomain,
                "DefaultDomain() needs the tenant's default verified domain, and none is configured.", call.Span);

    /// <summary>A version-4 GUID from the context's random source, in .NET's lower-case "D" form.</summary>
    private static ExpressionValue NewGuid(FunctionNode call, ref EvaluationFrame frame)
    {
        Span<byte> bytes = stackalloc byte[16];
        frame.Context.Random.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return ExpressionValue.FromString(new Guid(bytes).ToString());
    }

    /// <summary>
    /// RandomString(Length, MinimumNumbers, MinimumSpecialCharacters, MinimumCapital, MinimumLowerCase,
    /// CharactersToAvoid): at least the minimum of each kind, the rest drawn from letters and digits (and special
    /// characters when some are asked for), in random order. UNCONFIRMED how Entra fills the rest.
    /// </summary>
    private static ExpressionValue RandomString(FunctionNode call, ref EvaluationFrame frame)
    {
        Span<long> counts = stackalloc long[5];
        for (var i = 0; i < 5; i++)
        {
            if (!call.Integer(i, ref frame, out var count, out var failure)) return failure;
            if (count < 0) return Coerce.Invalid(call, i, $"Argument {i + 1} of RandomString cannot be negative ({count}).");
            counts[i] = count ?? 0;
        }
        if (!call.Text(5, ref frame, out var avoid, out var avoidFailure)) return avoidFailure;
        var length = counts[0];
        if (length is < 1 or > MaximumLength)
            return Coerce.Invalid(call, 0, $"RandomString's Length is 1 to {MaximumLength}; {length} is outside that range.");
        if (counts[1] + counts[2] + counts[3] + counts[4] > length)
            return Coerce.Invalid(call, 0, $"RandomString's minimums add up to more than its Length ({length}).");

        avoid ??= "";
        string[] pools = [Without(Digits, avoid), Without(SpecialCharacters, avoid), Without(Capitals, avoid), Without(LowerCase, avoid)];
        string[] names = ["numbers", "special characters", "capitals", "lower-case letters"];
        for (var i = 0; i < 4; i++)
            if (counts[i + 1] > 0 && pools[i].Length == 0)
                return Coerce.Invalid(call, 5, $"RandomString asks for {names[i]}, but CharactersToAvoid removes all of them.");
        var rest = pools[0] + pools[2] + pools[3] + (counts[2] > 0 ? pools[1] : "");
        var remaining = length - counts[1] - counts[2] - counts[3] - counts[4];
        if (remaining > 0 && rest.Length == 0)
            return Coerce.Invalid(call, 5, "CharactersToAvoid leaves no characters to fill RandomString with.");

        var random = frame.Context.Random;
        var result = new char[length];
        var position = 0;
        for (var i = 0; i < 4; i++)
            for (var n = 0; n < counts[i + 1]; n++) result[position++] = pools[i][random.Next(pools[i].Length)];
        while (position < length) result[position++] = rest[random.Next(rest.Length)];
        random.Shuffle(result);
        return ExpressionValue.FromString(new string(result));
    }

    private static string Without(string pool, string avoid) =>
        avoid.Length == 0 ? pool : string.Concat(pool.Where(c => !avoid.Contains(c)));
}
