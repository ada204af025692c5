namespace IdentityBridge.Saml.Bindings;

/// <summary>
/// Base64 as RFC 4648 section 4 writes it and nothing looser: standard alphabet, padding, zero trailing bits. Two
/// parsers that disagree on sloppy base64 could decode two different messages from one value, so only the one
/// canonical spelling of each byte string is accepted.
/// </summary>
internal static class StrictBase64
{
    /// <param name="text">The value.</param>
    /// <param name="allowLineWhitespace">Skip CR, LF, space and tab, which IdPs insert when they wrap HTTP-POST values.</param>
    /// <param name="bytes">The decoded bytes.</param>
    public static bool TryDecode(string text, bool allowLineWhitespace, out byte[] bytes)
    {
        bytes = [];
        var compact = allowLineWhitespace && text.AsSpan().IndexOfAny(" \t\r\n") >= 0
            ? string.Create(text.Length - CountWhitespace(text), text, static (span, source) =>
            {
                var at = 0;
                foreach (var c in source)
                    if (!IsLineWhitespace(c)) span[at++] = c;
            })
            : text;

        if (compact.Length == 0 || compact.Length % 4 != 0) return false;
        for (var i = 0; i < compact.Length; i++)
        {
            var c = compact[i];
            if (char.IsAsciiLetterOrDigit(c) || c is '+' or '/') continue;
            // '=' only as the last one or two characters.
            if (c == '=' && i >= compact.Length - 2 && (i == compact.Length - 1 || compact[^1] == '=')) continue;
            return false;
        }

        var decoded = new byte[compact.Length / 4 * 3];
        if (!Convert.TryFromBase64Chars(compact, decoded, out var written)) return false;
        bytes = decoded[..written];
        // Non-zero padding bits give a second spelling of the same bytes; only the canonical one is accepted.
        return string.Equals(Convert.ToBase64String(bytes), compact, StringComparison.Ordinal);
    }

    private static bool IsLineWhitespace(char c) => c is ' ' or '\t' or '\r' or '\n';

    private static int CountWhitespace(string text)
    {
        var count = 0;
        foreach (var c in text)
            if (IsLineWhitespace(c)) count++;
        return count;
    }
}
