using System.Globalization;
using System.Security.Cryptography;

namespace IdentityBridge.Storage.Schema;

/// <summary>sys_id values and the date-time format of the wire (UTC <c>yyyy-MM-dd HH:mm:ss</c>).</summary>
public static class SysIds
{
    public static string New()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    public static bool IsSysId(string? value)
    {
        if (value is null || value.Length != 32) return false;
        foreach (var c in value)
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c)) return false;
        return true;
    }
}

public static class GlideDateTimes
{
    public const string Pattern = "yyyy-MM-dd HH:mm:ss";

    public static string Format(DateTimeOffset value) =>
        value.UtcDateTime.ToString(Pattern, CultureInfo.InvariantCulture);

    /// <summary>Reads the wire format, or any ISO 8601 date-time (converted to UTC), or a date alone.</summary>
    public static bool TryParse(string? text, out DateTimeOffset value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        text = text.Trim();
        if (DateTime.TryParseExact(text, [Pattern, "yyyy-MM-dd"], CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var exact))
        {
            value = new DateTimeOffset(exact, TimeSpan.Zero);
            return true;
        }
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var iso)
            && text.Length >= 10 && char.IsAsciiDigit(text[0]) && text[4] == '-')
        {
            value = iso.ToUniversalTime();
            return true;
        }
        return false;
    }
}
