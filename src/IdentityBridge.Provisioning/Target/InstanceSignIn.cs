using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace IdentityBridge.Provisioning.Target;

/// <summary>
/// The Authorization header for Table API requests: Basic with the account, or a bearer token from
/// <c>/oauth_token.do</c> (spec/servicenow.md 1.5) kept until shortly before it expires and then refreshed with the
/// refresh token when the instance gave one. Secrets stay in this class: no message it builds repeats them.
/// </summary>
internal sealed class InstanceSignIn(HttpClient http, Uri instance, TargetCredentials credentials, TimeSpan timeout, TimeProvider time)
    : IDisposable
{
    private readonly SemaphoreSlim _tokenLock = new(1, 1);
    private Token? _token;

    private sealed record Token(string AccessToken, string? RefreshToken, DateTimeOffset RenewAt);

    /// <summary>The header to send, and the token it carries (null for Basic) so that a 401 can renew that token.</summary>
    public async Task<(AuthenticationHeaderValue? Header, string? Token, TargetError? Error)> AuthorizationAsync(
        CancellationToken cancellationToken)
    {
        if (credentials is TargetCredentials.Basic basic)
            return (new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes(basic.UserName + ":" + basic.Password))), null, null);

        var oauth = (TargetCredentials.OAuth)credentials;
        var current = Volatile.Read(ref _token);
        if (current is not null && time.GetUtcNow() < current.RenewAt)
            return (new AuthenticationHeaderValue("Bearer", current.AccessToken), current.AccessToken, null);

        await _tokenLock.WaitAsync(cancellationToken);
        try
        {
            current = _token;
            if (current is null || time.GetUtcNow() >= current.RenewAt)
            {
                var (token, error) = await RequestTokenAsync(oauth, current?.RefreshToken, cancellationToken);
                if (error is not null) return (null, null, error);
                current = token!;
                Volatile.Write(ref _token, current);
            }
            return (new AuthenticationHeaderValue("Bearer", current.AccessToken), current.AccessToken, null);
        }
        finally
        {
            _tokenLock.Release();
        }
    }

    /// <summary>Forgets a token the instance refused, unless another request already replaced it.</summary>
    public void Refused(string accessToken)
    {
        var current = Volatile.Read(ref _token);
        if (current is not null && current.AccessToken == accessToken) Interlocked.CompareExchange(ref _token, null, current);
    }

    private async Task<(Token? Token, TargetError? Error)> RequestTokenAsync(TargetCredentials.OAuth oauth, string? refreshToken,
        CancellationToken cancellationToken)
    {
        if (refreshToken is not null)
        {
            var (refreshed, _) = await PostAsync(oauth, [("grant_type", "refresh_token"), ("refresh_token", refreshToken)],
                cancellationToken);
            // A refused refresh token (expired, revoked) is not a failure yet: the original grant may still work.
            if (refreshed is not null) return (refreshed, null);
        }
        return oauth.UserName is null
            ? await PostAsync(oauth, [("grant_type", "client_credentials")], cancellationToken)
            : await PostAsync(oauth, [("grant_type", "password"), ("username", oauth.UserName), ("password", oauth.Password ?? "")],
                cancellationToken);
    }

    private async Task<(Token? Token, TargetError? Error)> PostAsync(TargetCredentials.OAuth oauth,
        (string Name, string Value)[] grant, CancellationToken cancellationToken)
    {
        var form = grant.Select(p => new KeyValuePair<string, string>(p.Name, p.Value))
            .Append(new("client_id", oauth.ClientId))
            .Append(new("client_secret", oauth.ClientSecret));
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(instance, "oauth_token.do"))
        {
            Content = new FormUrlEncodedContent(form),
        };
        request.Headers.Accept.ParseAdd("application/json");
        var grantType = grant[0].Value;
        HttpResponseMessage response;
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            response = await http.SendAsync(request, linked.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, TableApiErrors.Timeout($"The instance's token endpoint did not answer the {grantType} grant in time."));
        }
        catch (HttpRequestException e)
        {
            return (null, TableApiErrors.Unreachable(instance, e));
        }
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            JsonElement? json = null;
            try
            {
                using var document = JsonDocument.Parse(body);
                if (document.RootElement.ValueKind == JsonValueKind.Object) json = document.RootElement.Clone();
            }
            catch (JsonException)
            {
            }
            if (response.IsSuccessStatusCode && json is { } ok && Text(ok, "access_token") is { Length: > 0 } accessToken)
            {
                var lifetime = TimeSpan.FromSeconds(ok.TryGetProperty("expires_in", out var e) && e.ValueKind == JsonValueKind.Number
                    ? e.GetDouble()
                    : double.TryParse(Text(ok, "expires_in"), System.Globalization.CultureInfo.InvariantCulture, out var s) ? s : 1800);
                // Renewed a minute early (or at half its life when it is short), so that no request carries a token
                // that expires on the way.
                var margin = TimeSpan.FromTicks(Math.Min(TimeSpan.FromMinutes(1).Ticks, lifetime.Ticks / 2));
                return (new Token(accessToken, Text(ok, "refresh_token"), time.GetUtcNow() + lifetime - margin), null);
            }
            var status = (int)response.StatusCode;
            var said = json is { } failed
                ? $"{Text(failed, "error") ?? "no error code"} ({Text(failed, "error_description") ?? "no description"})"
                : "an answer that is not OAuth JSON";
            var seen = $"The instance's token endpoint (/oauth_token.do) refused the {grantType} grant for OAuth client {oauth.ClientId}" +
                       (oauth.UserName is null ? "" : " and account " + oauth.UserName) + $" with {status} {response.ReasonPhrase}: {said}.";
            if (status >= 500)
                return (null, new TargetError("InternalServerError", seen, status, Transient: true));
            return (null, TableApiErrors.InstanceInvalid(seen +
                (grantType == "client_credentials"
                    ? " Client credentials need the system property glide.oauth.inbound.client.credential.grant_type.enabled=true and an OAuth Application User on the client."
                    : ""), status));
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public void Dispose() => _tokenLock.Dispose();
}
