using System.Globalization;

namespace IdentityBridge.Expressions.Evaluation;

/// <summary>How Entra reads and prints dates (spec §3.3: CDate, DateAdd, Now).</summary>
internal static class EntraDates
{
    /// <summary>Entra prints dates in the invariant culture's general pattern: <c>3/16/2020 7:00:00 AM</c>.</summary>
    public const string OutputFormat = "M/d/yyyy h:mm:ss tt";

    public static string Format(DateTime utc) => utc.ToString(OutputFormat, CultureInfo.InvariantCulture);

    /// <summary>
    /// Reads a date the way CDate does: any form .NET's invariant parser knows, including Workday's
    /// <c>2020-03-16-07:00</c>; an offset converts the time to UTC, and a time without one is taken as UTC (Entra's
    /// servers run in UTC, so their "local" time is UTC too).
    /// </summary>
    public static bool TryParse(string text, out DateTime utc)
    {
        if (DateTime.TryParse(text, CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out utc))
        {
            utc = DateTime.SpecifyKind(utc, DateTimeKind.Utc);
            return true;
        }
        return false;
    }
}
