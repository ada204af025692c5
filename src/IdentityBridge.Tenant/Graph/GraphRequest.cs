using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace IdentityBridge.Tenant.Graph;

/// <summary>The parts of a Graph request every handler reads: query options, the body, the links it answers with.</summary>
internal sealed class GraphRequest(HttpContext context, GraphCaller caller)
{
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 999;

    private static readonly string[] KnownOptions =
        ["$select", "$filter", "$top", "$count", "$orderby", "$skiptoken", "$deltatoken", "$search", "$expand", "$skip", "$format"];

    public HttpContext Context { get; } = context;
    public GraphCaller Caller { get; } = caller;
    public CancellationToken Aborted => Context.RequestAborted;

    /// <summary>The service root, such as <c>https://127.0.0.1:5100/v1.0/</c>.</summary>
    public string Root => $"{Context.Request.Scheme}://{Context.Request.Host}/v1.0/";

    public string? Option(string name)
    {
        foreach (var (key, value) in Context.Request.Query)
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase)) return value.ToString();
        return null;
    }

    /// <summary>Refuses the query options Graph does not know or this endpoint does not take.</summary>
    public void Allow(params string[] options)
    {
        foreach (var key in Context.Request.Query.Keys)
        {
            if (!key.StartsWith('$')) continue;
            if (!KnownOptions.Contains(key, StringComparer.OrdinalIgnoreCase))
                throw GraphException.BadRequest($"Query option '{key}' is not allowed. Make sure that the name is correct.");
            if (!options.Contains(key, StringComparer.OrdinalIgnoreCase))
                throw GraphException.BadRequest($"The query option '{key}' is not supported on this resource.");
        }
    }

    public int Top()
    {
        var text = Option("$top");
        if (text is null)
        {
            // Delta and list pages also honour Prefer: odata.maxpagesize, as Graph does.
            var prefer = Context.Request.Headers["Prefer"].ToString();
            var at = prefer.IndexOf("odata.maxpagesize=", StringComparison.OrdinalIgnoreCase);
            if (at >= 0 && int.TryParse(new string(prefer[(at + 18)..].TakeWhile(char.IsAsciiDigit).ToArray()),
                    NumberStyles.None, CultureInfo.InvariantCulture, out var preferred))
            {
                // Graph says which preference it applied, with the size it used.
                var size = Math.Clamp(preferred, 1, MaxPageSize);
                Context.Response.Headers["Preference-Applied"] = "odata.maxpagesize=" + size.ToString(CultureInfo.InvariantCulture);
                return size;
            }
            return DefaultPageSize;
        }
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var top) || top < 1 || top > MaxPageSize)
            throw GraphException.BadRequest($"Invalid page size specified: '{text}'. Must be between 1 and {MaxPageSize} inclusive.");
        return top;
    }

    public bool Count()
    {
        var text = Option("$count");
        if (text is null) return false;
        if (!bool.TryParse(text, out var count)) throw GraphException.BadRequest($"Invalid value '{text}' for $count: use true or false.");
        if (count && !string.Equals(Context.Request.Headers["ConsistencyLevel"].ToString(), "eventual", StringComparison.OrdinalIgnoreCase))
            throw GraphException.BadRequest("$count is an advanced query: send the header 'ConsistencyLevel: eventual' with it.");
        return count;
    }

    /// <summary>This request's URL with one option replaced (for @odata.nextLink and @odata.deltaLink).</summary>
    public string LinkWith(string option, string value, params string[] drop)
    {
        var parts = new List<string>();
        foreach (var (key, values) in Context.Request.Query)
        {
            if (key.Equals(option, StringComparison.OrdinalIgnoreCase) || drop.Contains(key, StringComparer.OrdinalIgnoreCase)) continue;
            parts.Add(Escape(key) + "=" + Escape(values.ToString()));
        }
        parts.Add(Escape(option) + "=" + Escape(value));
        return $"{Context.Request.Scheme}://{Context.Request.Host}{Context.Request.PathBase}{Context.Request.Path}?{string.Join("&", parts)}";
    }

    // Graph writes the $ of its query options as is.
    private static string Escape(string text) => Uri.EscapeDataString(text).Replace("%24", "$", StringComparison.Ordinal);

    public async Task<JsonElement> BodyAsync()
    {
        using var reader = new StreamReader(Context.Request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(Aborted);
        if (string.IsNullOrWhiteSpace(text)) throw GraphException.BadRequest("The request body is empty; send a JSON object.");
        using var document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 32 });
        return document.RootElement.Clone();
    }

    // Graph writes text as UTF-8, not as \u escapes; a JSON API body is never read as HTML, so nothing needs escaping
    // beyond what JSON itself requires.
    private static readonly System.Text.Json.JsonWriterOptions Wire =
        new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes the body straight into the response: a page of 999 users is never held as one string.</summary>
    public async Task WriteAsync(int status, JsonObject body)
    {
        Context.Response.StatusCode = status;
        Context.Response.ContentType = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";
        await using var writer = new System.Text.Json.Utf8JsonWriter(Context.Response.BodyWriter, Wire);
        body.WriteTo(writer);
        await writer.FlushAsync(Aborted);
    }

    public Task NoContentAsync()
    {
        Context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }

    // Page tokens are opaque to clients: base64url of a short text that only this server reads.
    public static string Token(string text) => Base64UrlEncode(Encoding.UTF8.GetBytes(text));

    public static string? ReadToken(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 512) return null;
        try
        {
            var padded = token.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - padded.Length % 4) % 4);
            return Encoding.UTF8.GetString(Convert.FromBase64String(padded));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
