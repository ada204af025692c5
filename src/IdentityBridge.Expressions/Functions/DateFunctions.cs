using System.Globalization;
using IdentityBridge.Expressions.Evaluation;

namespace IdentityBridge.Expressions.Functions;

/// <summary>
/// The date functions of spec §3.3. Dates are UTC throughout, as on Entra's servers, whatever this machine's time
/// zone; a date value prints as <c>M/d/yyyy h:mm:ss tt</c>.
/// </summary>
internal static class DateFunctions
{
    public static IEnumerable<FunctionImplementation> All =>
    [
        new("CDate", CDate),
        new("DateAdd", DateAdd),
        new("DateDiff", DateDiff),
        new("DateFromNum", DateFromNum),
        new("FormatDateTime", FormatDateTime, PrepareFormatDateTime),
        new("Now", Now),
        new("NumFromDate", NumFromDate),
    ];

    private const string Intervals = "yyyy (years), m (months), d (days), ww (weeks), h (hours), n (minutes) or s (seconds)";

    private static ExpressionValue CDate(FunctionNode call, ref EvaluationFrame frame)
    {
        if (!call.Date(0, ref frame, out var date, out var failure)) return failure;
        return date is null ? ExpressionValue.Null : ExpressionValue.FromDateTime(date.Value);
    }

    /// <summary>
    /// DateAdd(interval, value, dateTime) with the intervals Microsoft documents (spec §3.3). Interval letters are
    /// read case-insensitively, as VB's DateAdd reads them.
    /// </summary>
    private static ExpressionValue DateAdd(FunctionNode call, ref EvaluationFrame frame)
    {
        if (!call.Text(0, ref frame, out var interval, out var failure)) return failure;
        if (!call.Integer(1, ref frame, out var amount, out failure)) return failure;
        if (!call.Date(2, ref frame, out var date, out failure)) return failure;
        if (interval is null) return call.Missing(0, "interval");
        if (amount is null || date is null) return ExpressionValue.Null;
        try
        {
            var n = amount.Value;
            DateTime? result = interval.ToLowerInvariant() switch
            {
                "yyyy" => date.Value.AddYears(checked((int)n)),
                "m" => date.Value.AddMonths(checked((int)n)),
                "d" => date.Value.AddDays(n),
                "ww" => date.Value.AddDays(checked(n * 7)),
                "h" => date.Value.AddHours(n),
                "n" => date.Value.AddMinutes(n),
                "s" => date.Value.AddSeconds(n),
                _ => null,
            };
            return result is null
                ? Coerce.Invalid(call, 0, $"DateAdd's interval is {Intervals}; \"{interval}\" is not one.")
                : ExpressionValue.FromDateTime(result.Value);
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or OverflowException)
        {
            return Coerce.Invalid(call, 1, $"Adding {amount} {interval} to {EntraDates.Format(date.Value)} leaves the range of dates.");
        }
    }

    /// <summary>
    /// DateDiff(interval, date1, date2): date2 minus date1, positive when date2 is later (spec §3.3). As in
    /// Microsoft.VisualBasic's DateDiff: years and months count calendar boundaries crossed (31 Dec to 1 Jan is one
    /// year), weeks count Sundays crossed, days, hours, minutes and seconds count whole units elapsed.
    /// UNCONFIRMED: Microsoft does not document the counting rule; these are VB.NET's, whose names the language uses.
    /// </summary>
    private static ExpressionValue DateDiff(FunctionNode call, ref EvaluationFrame frame)
    {
        if (!call.Text(0, ref frame, out var interval, out var failure)) return failure;
        if (!call.Date(1, ref frame, out var first, out failure)) return failure;
        if (!call.Date(2, ref frame, out var second, out failure)) return failure;
        if (interval is null) return call.Missing(0, "interval");
        if (first is null || second is null) return ExpressionValue.Null;
        DateTime d1 = first.Value, d2 = second.Value;
        var elapsed = d2 - d1;
        long? result = interval.ToLowerInvariant() switch
        {
            "yyyy" => d2.Year - d1.Year,
            "m" => (d2.Year - d1.Year) * 12L + d2.Month - d1.Month,
            "d" => (long)Math.Truncate(elapsed.TotalDays),
            "ww" => (d2.Date.AddDays(-(int)d2.DayOfWeek) - d1.Date.AddDays(-(int)d1.DayOfWeek)).Days / 7,
            "h" => (long)Math.Truncate(elapsed.TotalHours),
            "n" => (long)Math.Truncate(elapsed.TotalMinutes),
            "s" => (long)Math.Truncate(elapsed.TotalSeconds),
            _ => null,
        };
        return result is null
            ? Coerce.Invalid(call, 0, $"DateDiff's interval is {Intervals}; \"{interval}\" is not one.")
            : ExpressionValue.FromNumber(result.Value);
    }

    /// <summary>DateFromNum: an Active Directory FILETIME (100-ns ticks since 1601-01-01 UTC) as a date.</summary>
    private static ExpressionValue DateFromNum(FunctionNode call, ref EvaluationFrame frame)
    {
        if (!call.Integer(0, ref frame, out var number, out var failure)) return failure;
        if (number is null) return ExpressionValue.Null;
        if (number < 0 || number > DateTime.MaxValue.ToFileTimeUtc())
            return Coerce.Invalid(call, 0,
                $"{number} is not a date in Active Directory's FILETIME format (AD uses 0 and 9223372036854775807 for \"never\").");
        return ExpressionValue.FromDateTime(DateTime.FromFileTimeUtc(number.Value));
    }

    private static ExpressionValue NumFromDate(FunctionNode call, ref EvaluationFrame frame)
    {
        if (!call.Date(0, ref frame, out var date, out var failure)) return failure;
        if (date is null) return ExpressionValue.Null;
        if (date.Value.Year < 1601) return Coerce.Invalid(call, 0, "FILETIME numbers start on 1 January 1601; this date is earlier.");
        return ExpressionValue.FromNumber(date.Value.ToFileTimeUtc());
    }

    private static ExpressionValue Now(FunctionNode call, ref EvaluationFrame frame) =>
        ExpressionValue.FromDateTime(frame.Context.TimeProvider.GetUtcNow().UtcDateTime);

    private const DateTimeStyles DefaultStyles = DateTimeStyles.RoundtripKind | DateTimeStyles.AllowLeadingWhite | DateTimeStyles.AllowTrailingWhite;

    /// <summary>
    /// FormatDateTime(source, dateTimeStyles, inputFormat, outputFormat), or the older three-argument form without
    /// dateTimeStyles. The source is read with .NET's ParseExact in the invariant culture and written with the
    /// output format. Entra's default styles keep the kind of the time read (RoundtripKind); on Entra's UTC servers a
    /// time with an offset then comes out in UTC, so RoundtripKind and AssumeLocal are read here as
    /// AdjustToUniversal and AssumeUniversal, which gives the same output on a machine in any time zone.
    /// </summary>
    private static ExpressionValue FormatDateTime(FunctionNode call, ref EvaluationFrame frame)
    {
        var shortForm = call.Arguments.Length == 3;
        int input = shortForm ? 1 : 2, output = shortForm ? 2 : 3;
        if (!call.Text(0, ref frame, out var source, out var failure)) return failure;
        if (!call.Text(input, ref frame, out var inputFormat, out failure)) return failure;
        if (!call.Text(output, ref frame, out var outputFormat, out failure)) return failure;

        DateTimeStyles styles;
        if (call.State is DateTimeStyles prepared) styles = prepared;
        else
        {
            if (!call.Text(1, ref frame, out var stylesText, out failure)) return failure;
            if (ParseStyles(stylesText) is not { } parsed) return BadStyles(call, stylesText!);
            styles = parsed;
        }
        if (source is null) return ExpressionValue.Null;
        if (inputFormat is null) return call.Missing(input, "inputFormat");
        if (outputFormat is null) return call.Missing(output, "outputFormat");

        try
        {
            if (!DateTime.TryParseExact(source, inputFormat, CultureInfo.InvariantCulture, styles, out var date))
                return ExpressionValue.Failure(ErrorCodes.InvalidDate,
                    $"\"{source}\" does not match FormatDateTime's input format \"{inputFormat}\".", call.SpanOf(0));
            return ExpressionValue.FromString(date.ToString(outputFormat, CultureInfo.InvariantCulture));
        }
        catch (FormatException)
        {
            return ExpressionValue.Failure(ErrorCodes.InvalidDate, $"\"{outputFormat}\" is not a .NET date format.", call.SpanOf(output));
        }
        catch (ArgumentException e)
        {
            return Coerce.Invalid(call, 1, $"These DateTimeStyles cannot be combined: {e.Message}");
        }
    }

    private static void PrepareFormatDateTime(FunctionNode call)
    {
        if (call.Arguments.Length == 3 || call.Arguments[1].IsOmitted) call.State = ParseStyles(null);
        else if (call.Arguments[1].IsConstant && ParseStyles(call.Arguments[1].ConstantValue.Text) is { } styles) call.State = styles;
    }

    private static ExpressionValue BadStyles(FunctionNode call, string text) =>
        Coerce.Invalid(call, 1,
            $"\"{text}\" is not a list of DateTimeStyles names (such as \"AssumeUniversal, AllowWhiteSpaces\").");

    /// <summary>Names of System.Globalization.DateTimeStyles, separated by commas or '|'; none gives Entra's default.</summary>
    internal static DateTimeStyles? ParseStyles(string? text)
    {
        var styles = DateTimeStyles.None;
        if (string.IsNullOrWhiteSpace(text)) styles = DefaultStyles;
        else
        {
            foreach (var name in text.Split([',', '|'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!Enum.TryParse<DateTimeStyles>(name, ignoreCase: true, out var style) || int.TryParse(name, out _)) return null;
                styles |= style;
            }
        }
        if (styles.HasFlag(DateTimeStyles.RoundtripKind))
            styles = (styles & ~DateTimeStyles.RoundtripKind) | DateTimeStyles.AdjustToUniversal;
        if (styles.HasFlag(DateTimeStyles.AssumeLocal))
            styles = (styles & ~DateTimeStyles.AssumeLocal) | DateTimeStyles.AssumeUniversal;
        return styles;
    }
}
