using System.Text;

namespace IdentityBridge.Saml.Bindings;

/// <summary>Percent-encoding of query values, strict on the way in.</summary>
internal static class QueryEncoding
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>RFC 3986 encoding: everything but unreserved characters as %XX with upper-case hex.</summary>
    public static string Encode(string value) => Uri.EscapeDataString(value);

    /// <summary>
    /// Decodes a raw query value: %XX in either case of hex, '+' as space (form encoding, which Java senders such as
    /// ServiceNow use). Refuses a broken escape, a character that cannot appear raw in a query, and bytes that are not
    /// UTF-8, instead of guessing as lenient decoders do.
    /// </summary>
    public static bool TryDecode(string raw, out string value)
    {
        value = "";
        var bytes = new byte[raw.Length];
        var length = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            var c = raw[i];
            if (c == '%')
            {
                if (i + 2 >= raw.Length || !char.IsAsciiHexDigit(raw[i + 1]) || !char.IsAsciiHexDigit(raw[i + 2])) return false;
                bytes[length++] = (byte)(HexValue(raw[i + 1]) << 4 | HexValue(raw[i + 2]));
                i += 2;
            }
            else if (c == '+')
                bytes[length++] = (byte)' ';
            else if (c is > ' ' and < (char)0x7F)
                bytes[length++] = (byte)c;
            else
                return false;
        }

        try
        {
            value = StrictUtf8.GetString(bytes, 0, length);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
