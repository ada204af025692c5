namespace IdentityBridge.Tenant.SignIn;

/// <summary>
/// Where the sign-in page sends the browser afterwards (<c>continue</c>): a path on this tenant only. Anything else
/// falls back to My Apps, so the page can never be used to bounce a freshly signed-in user to another site (an open
/// redirect that makes a phishing link look like it came from the tenant).
/// </summary>
internal static class ContinuePath
{
    public const string Default = "/myapps";

    private const int MaximumLength = 2048;

    /// <summary>The value when it is a local path, else <see cref="Default"/>.</summary>
    public static string Sanitize(string? value) => IsLocal(value) ? value! : Default;

    /// <summary>
    /// A path starting with one <c>/</c>: <c>//host</c> is another site to a browser, and so is <c>/\host</c>, since
    /// browsers read a backslash as a slash. Only visible ASCII is allowed: control characters (a tab or newline is
    /// dropped by browsers, turning <c>/&#9;/host</c> into <c>//host</c>) and non-ASCII text cannot go into a
    /// Location header.
    /// </summary>
    public static bool IsLocal(string? value) =>
        value is { Length: > 0 and <= MaximumLength } &&
        value[0] == '/' &&
        (value.Length == 1 || (value[1] != '/' && value[1] != '\\')) &&
        value.All(c => c is > ' ' and < '\u007f');
}
