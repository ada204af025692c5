using System.Collections.Frozen;
using System.Text;

namespace IdentityBridge.Expressions.Functions;

/// <summary>
/// The replacement table of NormalizeDiacritics as Microsoft's reference documents it (spec §3.3): letters with
/// diacritics become plain Latin letters (ä → a, æ → ae, ø → oe, ß → ss …). Letters the table leaves out (đ, þ, œ
/// without a macron, ǘ, ǚ and ǜ beside the listed ǖ …) stay as they are, as in Entra. Each entry is listed composed
/// and decomposed, because .NET cannot normalise Unicode in globalization-invariant mode and input may arrive in
/// either form; the longest entry matching at a position wins, so a letter with two marks becomes one plain letter.
/// </summary>
internal static class DiacriticsTable
{
    // Replacement, then the sequences it replaces (composed and canonical-decomposed forms), space-separated.
    private static readonly (string Replacement, string Sequences)[] Entries =
    [
        ("a", "\u00E4 a\u0308 \u00E0 a\u0300 \u00E2 a\u0302 \u00E3 a\u0303 \u00E5 a\u030A \u00E1 a\u0301 \u0105 a\u0328 \u0103 a\u0306 \u0101 a\u0304 \u0101\u0301 a\u0304\u0301 \u0101\u0300 a\u0304\u0300 \u0101\u0302 a\u0304\u0302 \u0101\u0303 a\u0304\u0303 \u01DF a\u0308\u0304 \u0101\u0308 a\u0304\u0308 \u01E1 a\u0307\u0304 a\u0331 \u00E5\u0304 a\u030A\u0304"),
        ("A", "\u00C4 A\u0308 \u00C0 A\u0300 \u00C2 A\u0302 \u00C3 A\u0303 \u00C5 A\u030A \u00C1 A\u0301 \u0104 A\u0328 \u0102 A\u0306 \u0100 A\u0304 \u0100\u0301 A\u0304\u0301 \u0100\u0300 A\u0304\u0300 \u0100\u0302 A\u0304\u0302 \u0100\u0303 A\u0304\u0303 \u01DE A\u0308\u0304 \u0100\u0308 A\u0304\u0308 \u01E0 A\u0307\u0304 A\u0331 \u00C5\u0304 A\u030A\u0304"),
        ("ae", "\u00E6 \u01E3 \u00E6\u0304"),
        ("AE", "\u00C6 \u01E2 \u00C6\u0304"),
        ("c", "\u00E7 c\u0327 \u010D c\u030C \u0107 c\u0301 c\u0304 c\u0331"),
        ("C", "\u00C7 C\u0327 \u010C C\u030C \u0106 C\u0301 C\u0304 C\u0331"),
        ("d", "\u010F d\u030C d\u0304 \u1E0F d\u0331"),
        ("D", "\u010E D\u030C D\u0304 \u1E0E D\u0331"),
        ("e", "\u00EB e\u0308 \u00E8 e\u0300 \u00E9 e\u0301 \u00EA e\u0302 \u0119 e\u0328 \u011B e\u030C \u0117 e\u0307 \u0113 e\u0304 \u1E17 e\u0304\u0301 \u1E15 e\u0304\u0300 \u0113\u0302 e\u0304\u0302 \u0113\u0303 e\u0304\u0303 \u00EA\u0304 e\u0302\u0304 e\u0331 \u00EB\u0304 e\u0308\u0304 e\u030A\u0304"),
        ("E", "\u00CB E\u0308 \u00C8 E\u0300 \u00C9 E\u0301 \u00CA E\u0302 \u0118 E\u0328 \u011A E\u030C \u0116 E\u0307 \u0112 E\u0304 \u1E16 E\u0304\u0301 \u1E14 E\u0304\u0300 \u0112\u0302 E\u0304\u0302 \u0112\u0303 E\u0304\u0303 \u00CA\u0304 E\u0302\u0304 E\u0331 \u00CB\u0304 E\u0308\u0304 E\u030A\u0304"),
        ("g", "\u011F g\u0306 \u1E21 g\u0304 g\u0331"),
        ("G", "\u011E G\u0306 \u1E20 G\u0304 G\u0331"),
        ("i", "\u00EF i\u0308 \u00EE i\u0302 \u00EC i\u0300 \u00ED i\u0301 \u0131 \u012B i\u0304 \u012B\u0301 i\u0304\u0301 \u012B\u0300 i\u0304\u0300 \u012B\u0302 i\u0304\u0302 \u012B\u0303 i\u0304\u0303 i\u0331"),
        ("I", "\u00CF I\u0308 \u00CE I\u0302 \u00CC I\u0300 \u00CD I\u0301 \u0130 I\u0307 \u012A I\u0304 \u012A\u0301 I\u0304\u0301 \u012A\u0300 I\u0304\u0300 \u012A\u0302 I\u0304\u0302 \u012A\u0303 I\u0304\u0303 I\u0331"),
        ("l", "\u013E l\u030C \u0142 l\u0304 \u1E39 l\u0323\u0304 \u1E3B l\u0331"),
        ("L", "\u0141 \u013D L\u030C L\u0304 \u1E38 L\u0323\u0304 \u1E3A L\u0331"),
        ("n", "\u0144 n\u0301 \u0148 n\u030C \u00F1 n\u0303 n\u0304 \u1E49 n\u0331"),
        ("N", "\u0143 N\u0301 \u0147 N\u030C \u00D1 N\u0303 N\u0304 \u1E48 N\u0331"),
        ("o", "\u00F6 o\u0308 \u00F2 o\u0300 \u0151 o\u030B \u00F5 o\u0303 \u00F4 o\u0302 \u00F3 o\u0301 \u014D o\u0304 \u1E53 o\u0304\u0301 \u1E51 o\u0304\u0300 \u014D\u0302 o\u0304\u0302 \u014D\u0303 o\u0304\u0303 \u022B o\u0308\u0304 \u014D\u0308 o\u0304\u0308 \u01ED o\u0328\u0304 \u022D o\u0303\u0304 \u0231 o\u0307\u0304 o\u0331"),
        ("O", "\u00D6 O\u0308 \u00D2 O\u0300 \u0150 O\u030B \u00D5 O\u0303 \u00D4 O\u0302 \u00D3 O\u0301 \u014C O\u0304 \u1E52 O\u0304\u0301 \u1E50 O\u0304\u0300 \u014C\u0302 O\u0304\u0302 \u014C\u0303 O\u0304\u0303 \u022A O\u0308\u0304 \u014C\u0308 O\u0304\u0308 \u01EC O\u0328\u0304 \u022C O\u0303\u0304 \u0230 O\u0307\u0304 O\u0331"),
        ("oe", "\u00F8 \u00F8\u0304 \u0153\u0304"),
        ("OE", "\u00D8 \u00D8\u0304 \u0152\u0304"),
        ("r", "\u0159 r\u030C r\u0304 \u1E5F r\u0331 \u1E5D r\u0323\u0304"),
        ("R", "\u0158 R\u030C R\u0304 \u1E5E R\u0331 \u1E5C R\u0323\u0304"),
        ("ss", "\u00DF"),
        ("s", "\u0161 s\u030C \u015B s\u0301 \u0219 s\u0326 \u015F s\u0327 s\u0304 s\u0331"),
        ("S", "\u0160 S\u030C \u015A S\u0301 \u0218 S\u0326 \u015E S\u0327 S\u0304 S\u0331"),
        ("t", "\u0165 t\u030C \u021B t\u0326 t\u0304 \u1E6F t\u0331"),
        ("T", "\u0164 T\u030C \u021A T\u0326 T\u0304 \u1E6E T\u0331"),
        ("u", "\u00FC u\u0308 \u00F9 u\u0300 \u00FB u\u0302 \u00FA u\u0301 \u016F u\u030A \u0171 u\u030B \u016B u\u0304 \u01D6 u\u0308\u0304 \u016B\u0301 u\u0304\u0301 \u016B\u0300 u\u0304\u0300 \u016B\u0302 u\u0304\u0302 \u016B\u0303 u\u0304\u0303 u\u0307\u0304 \u1E7B u\u0304\u0308 \u1E73\u0304 u\u0324\u0304 u\u0331"),
        ("U", "\u00DC U\u0308 \u00D9 U\u0300 \u00DB U\u0302 \u00DA U\u0301 \u016E U\u030A \u0170 U\u030B \u016A U\u0304 \u01D5 U\u0308\u0304 \u016A\u0301 U\u0304\u0301 \u016A\u0300 U\u0304\u0300 \u016A\u0302 U\u0304\u0302 \u016A\u0303 U\u0304\u0303 U\u0307\u0304 \u1E7A U\u0304\u0308 \u1E72\u0304 U\u0324\u0304 U\u0331"),
        ("y", "\u00FF y\u0308 \u00FD y\u0301 \u0233 y\u0304 \u0233\u0301 y\u0304\u0301 \u0233\u0300 y\u0304\u0300 \u0233\u0303 y\u0304\u0303 y\u0331"),
        ("Y", "\u0178 Y\u0308 \u00DD Y\u0301 \u0232 Y\u0304 \u0232\u0301 Y\u0304\u0301 \u0232\u0300 Y\u0304\u0300 \u0232\u0303 Y\u0304\u0303 Y\u0331"),
        ("z", "\u017A z\u0301 \u017E z\u030C \u017C z\u0307 z\u0304 \u1E95 z\u0331"),
        ("Z", "\u0179 Z\u0301 \u017D Z\u030C \u017B Z\u0307 Z\u0304 \u1E94 Z\u0331"),
    ];

    private static readonly FrozenDictionary<string, string> Replacements = Entries
        .SelectMany(e => e.Sequences.Split(' ').Select(sequence => KeyValuePair.Create(sequence, e.Replacement)))
        .ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> Lookup =
        Replacements.GetAlternateLookup<ReadOnlySpan<char>>();

    private static readonly int LongestSequence = Replacements.Keys.Max(k => k.Length);

    public static string Normalize(string text)
    {
        // Every sequence holds a character outside ASCII (a precomposed letter or a combining mark), so plain ASCII
        // text is returned as it is, without allocating.
        var first = text.AsSpan().IndexOfAnyExceptInRange('\0', '\u007F');
        if (first < 0) return text;

        var builder = new StringBuilder(text.Length);
        // A decomposed sequence starts with its ASCII base letter, one character before the first non-ASCII one.
        var position = Math.Max(0, first - 1);
        builder.Append(text, 0, position);
        while (position < text.Length)
        {
            var matched = false;
            for (var length = Math.Min(LongestSequence, text.Length - position); length >= 1; length--)
            {
                if (Lookup.TryGetValue(text.AsSpan(position, length), out var replacement))
                {
                    builder.Append(replacement);
                    position += length;
                    matched = true;
                    break;
                }
            }
            if (!matched) builder.Append(text[position++]);
        }
        return builder.ToString();
    }
}
