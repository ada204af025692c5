using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using IdentityBridge.Provisioning.Http;

namespace IdentityBridge.Provisioning.Source;

/// <summary>
/// App-only tokens for Graph by the client-credentials grant at <c>{authority}/{tenantId}/oauth2/v2.0/token</c>,
/// cached until five minutes before they expire. The secret goes into the form body and nowhere else: no message,
/// log or exception carries it.
/// </summary>
internal sealed partial class GraphTokenClient(SourceSettings settings, HttpClient http, TimeProvider time)
{
    private static readonly TimeSpan RefreshBefore = TimeSpan.FromMinutes(5);

    private readonly SemaphoreSlim _gate = new(1, 1);
    // One immutable pair, swapped whole, so that a reader never sees one token with another's refresh time.
    private volatile CachedToken? _cached;

    private sealed record CachedToken(string Value, DateTimeOffset RefreshAt);

    /// <summary>How many tokens this client was issued (for tests of the cache).</summary>
    internal int Issued { get; private set; }

    /// <summary>The token endpoint, for messages.</summary>
    public Uri Endpoint { get; } = TokenEndpoint(settings);

    /// <summary>
    /// The authority host: the one configured; else Microsoft's sign-in host of the cloud a Microsoft Graph host
    /// belongs to; else the Graph URL's own host (IdentityBridge's tenant serves both).
    /// </summary>
    public static Uri Authority(SourceSettings settings)
    {
        if (settings.Authority is { } authority) return authority;
        var host = settings.GraphBaseUrl.Host.ToLowerInvariant();
        return host switch
        {
            "graph.microsoft.us" or "dod-graph.microsoft.us" => new Uri("https://login.microsoftonline.us"),
            "microsoftgraph.chinacloudapi.cn" => new Uri("https://login.chinacloudapi.cn"),
            _ when host == "graph.microsoft.com" || host.EndsWith(".graph.microsoft.com", StringComparison.Ordinal) =>
                new Uri("https://login.microsoftonline.com"),
            _ => new Uri(settings.GraphBaseUrl.GetLeftPart(UriPartial.Authority)),
        };
    }

    private static Uri TokenEndpoint(SourceSettings settings) =>
        new($"{Authority(settings).AbsoluteUri.TrimEnd('/')}/{Uri.EscapeDataString(settings.TenantId)}/oauth2/v2.0/token");

    /// <summary>Forgets the cached token (Graph refused it), so that the next call asks for a new one.</summary>
    public void Invalidate(string token)
    {
        var cached = _cached;
        if (cached is not null && ReferenceEquals(cached.Value, token)) Interlocked.CompareExchange(ref _cached, null, cached);
    }

    /// <summary>A valid token: the cached one, or a new one. <paramref name="fresh"/> says which.</summary>
    public async Task<(string? Token, bool Fresh, SourceError? Error)> GetAsync(CancellationToken cancellationToken)
    {
        if (_cached is { } cached && time.GetUtcNow() < cached.RefreshAt) return (cached.Value, false, null);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_cached is { } again && time.GetUtcNow() < again.RefreshAt) return (again.Value, false, null);
            var (token, lifetime, error) = await RequestAsync(cancellationToken);
            if (error is not null) return (null, false, error);
            // Five minutes before expiry, as Entra's own clients do; a short-lived token is used for half its life.
            var margin = lifetime > RefreshBefore * 2 ? RefreshBefore : lifetime / 2;
            _cached = new CachedToken(token!, time.GetUtcNow() + lifetime - margin);
            Issued++;
            return (token, true, null);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<(string? Token, TimeSpan Lifetime, SourceError? Error)> RequestAsync(CancellationToken cancellationToken)
    {
        HttpResponseMessage? response = null;
        for (var attempt = 1; ; attempt++)
        {
            using var form = new FormUrlEncodedContent(
            [
                new("grant_type", "client_credentials"),
                new("client_id", settings.ClientId),
                new("client_secret", settings.ClientSecret),
                new("scope", settings.Scope),
            ]);
            response?.Dispose();
            try
            {
                response = await http.PostAsync(Endpoint, form, cancellationToken);
            }
            catch (Exception e) when (GraphFailures.IsConnectionFailure(e, cancellationToken))
            {
                if (attempt >= GraphSource.MaxAttempts || GraphFailures.IsCertificateFailure(e))
                    return (null, default, GraphFailures.Unreachable(Endpoint, e, settings.CertificateSha256 is not null && SameHost()));
                await Task.Delay(OutboundHttp.RetryDelay(null, attempt, time, GraphSource.DefaultRetryCap), time, cancellationToken);
                continue;
            }
            if (OutboundHttp.IsTransient(response.StatusCode) && attempt < GraphSource.MaxAttempts)
            {
                await Task.Delay(OutboundHttp.RetryDelay(response, attempt, time, GraphSource.DefaultRetryCap), time, cancellationToken);
                continue;
            }
            break;
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            JsonElement body = default;
            try
            {
                if (text.Length > 0) body = JsonSerializer.Deserialize<JsonElement>(text);
            }
            catch (JsonException)
            {
            }
            if (response.IsSuccessStatusCode)
            {
                if (body.ValueKind == JsonValueKind.Object && body.TryGetProperty("access_token", out var token) &&
                    token.ValueKind == JsonValueKind.String && token.GetString() is { Length: > 0 } value)
                    return (value, Lifetime(body), null);
                return (null, default, new SourceError("SourceUnreachable",
                    $"The token endpoint {Endpoint} answered {(int)response.StatusCode} without an access token: check that the authority is an Entra (or IdentityBridge tenant) token endpoint.",
                    (int)response.StatusCode, JobLevel: true));
            }
            return (null, default, Refused(response.StatusCode, body));
        }
    }

    private bool SameHost() => Uri.Compare(Endpoint, settings.GraphBaseUrl, UriComponents.SchemeAndServer, UriFormat.Unescaped,
        StringComparison.OrdinalIgnoreCase) == 0;

    private static TimeSpan Lifetime(JsonElement body)
    {
        // expires_in is a number from Entra, a string from some older endpoints.
        if (body.TryGetProperty("expires_in", out var expires))
        {
            if (expires.ValueKind == JsonValueKind.Number && expires.TryGetInt64(out var seconds) && seconds > 0) return TimeSpan.FromSeconds(seconds);
            if (expires.ValueKind == JsonValueKind.String &&
                long.TryParse(expires.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out seconds) && seconds > 0)
                return TimeSpan.FromSeconds(seconds);
        }
        return TimeSpan.FromMinutes(60);
    }

    [GeneratedRegex(@"AADSTS(\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex AadstsCode();

    /// <summary>The token endpoint's refusal as a job-level error named by its AADSTS code, with what to fix.</summary>
    private SourceError Refused(HttpStatusCode status, JsonElement body)
    {
        string? number = null, description = null, error = null;
        if (body.ValueKind == JsonValueKind.Object)
        {
            if (body.TryGetProperty("error_codes", out var codes) && codes.ValueKind == JsonValueKind.Array && codes.GetArrayLength() > 0 &&
                codes[0].TryGetInt64(out var first))
                number = first.ToString(CultureInfo.InvariantCulture);
            if (body.TryGetProperty("error_description", out var text) && text.ValueKind == JsonValueKind.String)
                description = text.GetString();
            if (body.TryGetProperty("error", out var name) && name.ValueKind == JsonValueKind.String) error = name.GetString();
        }
        if (number is null && description is not null && AadstsCode().Match(description) is { Success: true } match) number = match.Groups[1].Value;
        if (number is null && error is null)
            return new SourceError("SourceUnreachable",
                $"The token endpoint {Endpoint} answered {(int)status} without an OAuth error: check the authority and the tenant id.",
                (int)status, JobLevel: true);

        var code = number is null ? error! : "AADSTS" + number;
        var fix = number switch
        {
            "7000215" => $"The client secret is not valid for app {settings.ClientId}: enter the secret's value (not its secret id), or add a new client secret to the app registration and enter that.",
            "7000222" => $"The client secret of app {settings.ClientId} has expired: add a new client secret to the app registration and enter it.",
            "7000218" => "No client secret was sent: enter the app registration's client secret.",
            "700016" => $"No application with client id {settings.ClientId} exists in tenant {settings.TenantId}: check the client id (the app registration's Application (client) ID) and the tenant id.",
            "90002" => $"Tenant {settings.TenantId} was not found: check the tenant id (Directory (tenant) ID), and that the Graph URL and authority belong to the tenant's cloud.",
            "900023" => $"'{settings.TenantId}' is not a tenant id: enter the Directory (tenant) ID, a GUID, or one of the tenant's domain names.",
            "70011" => $"The scope '{settings.Scope}' was refused: use https://graph.microsoft.com/.default.",
            "7000112" => $"The application {settings.ClientId} is disabled in tenant {settings.TenantId}: enable its service principal (enterprise app).",
            "53003" => "Conditional Access blocked the token request: exclude the provisioning app's service principal from the policy.",
            "90033" or "50168" => "The token endpoint had a transient failure: try again later.",
            _ => $"The token endpoint refused the credentials of app {settings.ClientId}: {FirstLine(description) ?? error}",
        };
        return new SourceError(code, fix, (int)status, JobLevel: true);
    }

    // Entra's description ends with trace and correlation ids on further lines; the first line says what went wrong.
    private static string? FirstLine(string? text) => text?.Split('\n', 2)[0].TrimEnd('\r');
}
