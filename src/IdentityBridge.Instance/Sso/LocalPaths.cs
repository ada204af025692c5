namespace IdentityBridge.Instance.Sso;

/// <summary>
/// Where a user may be sent after signing in or out: a path on this instance, never another site. Browsers read
/// <c>//host</c>, <c>/\host</c> and <c>\\host</c> as other hosts, and strip tabs and newlines from URLs before
/// reading them, so all of those are refused rather than cleaned (an open redirect phishes with our name).
/// </summary>
public static class LocalPaths
{
    public const int MaxLength = 2000;

    /// <summary>The path when it is safe to redirect to, else null.</summary>
    public static string? SafeOrNull(string? path)
    {
        if (string.IsNullOrEmpty(path) || path.Length > MaxLength) return null;
        if (path[0] != '/') return null;
        if (path.Length > 1 && (path[1] == '/' || path[1] == '\\')) return null;
        foreach (var c in path)
            if (c == '\\' || char.IsControl(c) || char.IsWhiteSpace(c)) return null;
        // A relative reference with no scheme and no authority: the same origin whatever follows.
        if (!Uri.TryCreate(path, UriKind.Relative, out _)) return null;
        return path;
    }

    public static string SafeOr(string? path, string fallback) => SafeOrNull(path) ?? fallback;
}
