using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using IdentityBridge.Provisioning.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IdentityBridge.Provisioning.Source;

/// <summary>
/// The directory read through Microsoft Graph v1.0: Microsoft's own or IdentityBridge's tenant, by Graph's documented
/// wire formats only (users and groups delta with <c>manager@delta</c> and <c>members@delta</c>, <c>$filter=id in</c>,
/// <c>appRoleAssignedTo</c>). Every GET is tried up to five times on throttling (429, waiting its Retry-After),
/// server errors, timeouts and reset connections; a 401 with a cached token gets one new token. Failures come back as
/// <see cref="SourceError"/>s named by Graph's code or the token endpoint's AADSTS code, job-level when no object
/// can be read (credentials, permissions, an unreachable host).
/// </summary>
public sealed class GraphSource : ISourceDirectory
{
    /// <summary>How often a GET is tried before its failure is reported.</summary>
    public const int MaxAttempts = 5;

    /// <summary>Graph's filter takes at most 15 values in one <c>in</c> clause.</summary>
    public const int IdsPerRequest = 15;

    internal static readonly TimeSpan DefaultRetryCap = TimeSpan.FromMinutes(2);

    private readonly SourceSettings _settings;
    private readonly string _base;
    private readonly HttpClient _http;
    private readonly HttpClient? _authorityHttp;
    private readonly GraphTokenClient _tokens;
    private readonly GraphObjectReader _reader = new();
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    // Properties this directory said it does not have (a 400 naming them), per object type, for this source's life.
    private readonly ConcurrentDictionary<string, byte> _unsupportedUser = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, byte> _unsupportedGroup = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<SourceObjectType, IReadOnlyCollection<string>> _lastAttributes = new();

    /// <exception cref="ArgumentException">The settings are not usable (a Graph URL that is not absolute http(s), a malformed pin).</exception>
    public GraphSource(SourceSettings settings, ILogger<GraphSource>? logger = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!settings.GraphBaseUrl.IsAbsoluteUri || settings.GraphBaseUrl.Scheme is not ("https" or "http"))
            throw new ArgumentException("The Graph URL must be an absolute https address such as https://graph.microsoft.com/v1.0.", nameof(settings));
        if (string.IsNullOrWhiteSpace(settings.TenantId) || string.IsNullOrWhiteSpace(settings.ClientId))
            throw new ArgumentException("Give the tenant id and the client id of the app registration that reads the directory.", nameof(settings));
        _settings = settings;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _base = settings.GraphBaseUrl.AbsoluteUri.TrimEnd('/');
        _http = OutboundHttp.CreateClient(settings.Timeout, settings.CertificateSha256);
        // The pin is the Graph host's; a token endpoint on another host (login.microsoftonline.com) is checked by its chain.
        var authority = GraphTokenClient.Authority(settings);
        if (!SameServer(authority, settings.GraphBaseUrl)) _authorityHttp = OutboundHttp.CreateClient(settings.Timeout);
        _tokens = new GraphTokenClient(settings, _authorityHttp ?? _http, _time);
    }

    /// <summary>
    /// Objects per page: delta pages ask it with <c>Prefer: odata.maxpagesize</c>, member and assignment lists with
    /// <c>$top</c>. Graph's largest by default.
    /// </summary>
    internal int PageSize { get; init; } = 999;

    /// <summary>How many tokens this source was issued (for tests of the cache).</summary>
    internal int TokensIssued => _tokens.Issued;

    private string Top => PageSize.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The longest wait between tries (a Retry-After beyond it is cut to it).</summary>
    internal TimeSpan RetryCap { get; init; } = DefaultRetryCap;

    // ---- delta ----------------------------------------------------------------------------------------------

    /// <inheritdoc />
    /// <remarks>
    /// Graph may split one group's <c>members@delta</c> over several pages, repeating the group; each part is handed
    /// on as it comes and the engine merges the member changes of the same group. A deltaLink Graph no longer accepts
    /// (400 or 410, <c>syncStateNotFound</c>, <c>resyncRequired</c>) ends in <c>DeltaTokenExpired</c>, so that the
    /// engine starts a full round. Objects of a full round are complete; objects of a change round are complete when
    /// every asked attribute came, and say their manager only when <c>manager@delta</c> came (Graph names the
    /// manager in a change round only when it changed).
    /// </remarks>
    public async Task<SourceResult<string>> ReadDeltaAsync(SourceObjectType type, string? deltaLink, IReadOnlyCollection<string> attributes,
        Func<IReadOnlyList<SourceObject>, CancellationToken, ValueTask> onPage, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onPage);
        _lastAttributes[type] = attributes;
        var operation = Operation(type);
        var kind = deltaLink is null ? GraphReadKind.FullRound : GraphReadKind.ChangeRound;
        var projection = Projection(type, attributes);
        string url;
        if (deltaLink is null) url = DeltaUrl(type, projection);
        else if (!OnGraphHost(deltaLink))
            return SourceResult<string>.Fail(new SourceError("DeltaTokenExpired",
                "The saved deltaLink is not an address of the configured Graph URL; a full round starts."));
        else url = deltaLink;

        var first = true;
        while (true)
        {
            using var answer = await GetAsync(url, operation, delta: true, cancellationToken);
            if (answer.Failure is { } failure)
            {
                if (first && deltaLink is null && LearnUnsupported(type, failure, projection))
                {
                    projection = Projection(type, attributes);
                    url = DeltaUrl(type, projection);
                    continue;
                }
                if (deltaLink is not null && IsExpiredDelta(failure))
                {
                    SourceLog.DeltaTokenExpired(_logger, type, failure.Code ?? failure.Status.ToString());
                    return SourceResult<string>.Fail(new SourceError("DeltaTokenExpired",
                        $"Graph no longer accepts the saved deltaLink ({failure.Code ?? ((int)failure.Status).ToString(System.Globalization.CultureInfo.InvariantCulture)}: {failure.Message}); a full round starts.",
                        (int)failure.Status));
                }
                return SourceResult<string>.Fail(GraphFailures.ToError(failure, operation, _settings.ClientId));
            }
            if (answer.Error is { } error) return SourceResult<string>.Fail(error);
            first = false;

            var root = answer.Body!.RootElement;
            var page = new List<SourceObject>();
            if (ReadValues(root, element => page.Add(_reader.Read(element, projection, kind))) is { } invalid)
                return SourceResult<string>.Fail(invalid);
            await onPage(page, cancellationToken);

            if (Link(root, "@odata.nextLink") is { } next)
            {
                if (!OnGraphHost(next)) return SourceResult<string>.Fail(ForeignLink(next));
                url = next;
                continue;
            }
            if (Link(root, "@odata.deltaLink") is { } done)
                return SourceResult<string>.Ok(done);
            return SourceResult<string>.Fail(Invalid("a delta page ended with neither @odata.nextLink nor @odata.deltaLink"));
        }
    }

    private static bool IsExpiredDelta(GraphFailure failure) =>
        failure.Status is HttpStatusCode.Gone or HttpStatusCode.BadRequest ||
        failure.Code is not null && (failure.Code.Equals("syncStateNotFound", StringComparison.OrdinalIgnoreCase) ||
                                     failure.Code.Equals("resyncRequired", StringComparison.OrdinalIgnoreCase));

    /// <inheritdoc />
    /// <remarks>
    /// The link selects the attributes of the last <see cref="ReadDeltaAsync"/> for the type (else those always
    /// read, with <c>manager</c>), so that the change rounds after it carry them.
    /// </remarks>
    public Task<SourceResult<string?>> LatestDeltaLinkAsync(SourceObjectType type, CancellationToken cancellationToken) =>
        LatestDeltaLinkAsync(type, _lastAttributes.GetValueOrDefault(type) ?? ["manager"], cancellationToken);

    /// <summary>A deltaLink from now whose change rounds carry <paramref name="attributes"/>.</summary>
    public async Task<SourceResult<string?>> LatestDeltaLinkAsync(SourceObjectType type, IReadOnlyCollection<string> attributes,
        CancellationToken cancellationToken)
    {
        var operation = Operation(type);
        while (true)
        {
            var projection = Projection(type, attributes);
            using var answer = await GetAsync(DeltaUrl(type, projection) + "&$deltatoken=latest", operation, delta: true, cancellationToken);
            if (answer.Failure is { } failure)
            {
                if (LearnUnsupported(type, failure, projection)) continue;
                return SourceResult<string?>.Fail(GraphFailures.ToError(failure, operation, _settings.ClientId));
            }
            if (answer.Error is { } error) return SourceResult<string?>.Fail(error);
            return SourceResult<string?>.Ok(Link(answer.Body!.RootElement, "@odata.deltaLink"));
        }
    }

    // ---- objects --------------------------------------------------------------------------------------------

    /// <inheritdoc />
    /// <remarks>Fifteen ids per request (<c>$filter=id in (...)</c>), four requests at a time; users with their manager.</remarks>
    public async Task<SourceResult<IReadOnlyList<SourceObject>>> GetByIdsAsync(SourceObjectType type, IReadOnlyCollection<string> ids,
        IReadOnlyCollection<string> attributes, CancellationToken cancellationToken)
    {
        var found = new ConcurrentBag<SourceObject>();
        SourceError? failed = null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // Graph ids are GUIDs; anything else names no object and would spoil its whole filter with a 400.
        var chunks = ids.Where(id => Guid.TryParse(id, out _)).Distinct(StringComparer.OrdinalIgnoreCase).Chunk(IdsPerRequest);
        try
        {
            await Parallel.ForEachAsync(chunks, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = stop.Token }, async (chunk, token) =>
            {
                var filter = "id in (" + string.Join(",", chunk.Select(Quote)) + ")";
                var error = await ListAsync(type, "$filter=" + Uri.EscapeDataString(filter), attributes, found.Add, token);
                if (error is not null)
                {
                    Interlocked.CompareExchange(ref failed, error, null);
                    await stop.CancelAsync();
                }
            });
        }
        catch (OperationCanceledException) when (failed is not null && !cancellationToken.IsCancellationRequested)
        {
        }
        return failed is not null
            ? SourceResult<IReadOnlyList<SourceObject>>.Fail(failed)
            : SourceResult<IReadOnlyList<SourceObject>>.Ok(found.ToList());
    }

    /// <summary>Reads a filtered list of whole objects through every page; users with <c>$expand=manager($select=id)</c>.</summary>
    private async Task<SourceError?> ListAsync(SourceObjectType type, string query, IReadOnlyCollection<string> attributes,
        Action<SourceObject> add, CancellationToken cancellationToken)
    {
        var operation = Operation(type);
        while (true)
        {
            var projection = Projection(type, attributes);
            string? url = $"{_base}/{Set(type)}?{query}&$select={Uri.EscapeDataString(projection.SelectFor(delta: false))}" +
                          (type == SourceObjectType.User ? "&$expand=" + Uri.EscapeDataString("manager($select=id)") : "");
            var retryWithout = false;
            while (url is not null)
            {
                using var answer = await GetAsync(url, operation, delta: false, cancellationToken);
                if (answer.Failure is { } failure)
                {
                    if (LearnUnsupported(type, failure, projection))
                    {
                        retryWithout = true;
                        break;
                    }
                    return GraphFailures.ToError(failure, operation, _settings.ClientId);
                }
                if (answer.Error is { } error) return error;
                var root = answer.Body!.RootElement;
                if (ReadValues(root, element => add(_reader.Read(element, projection, GraphReadKind.Whole))) is { } invalid) return invalid;
                url = Link(root, "@odata.nextLink");
                if (url is not null && !OnGraphHost(url)) return ForeignLink(url);
            }
            if (!retryWithout) return null;
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// A user by <c>GET /users/{id or userPrincipalName}</c>; a group by id, else the first group whose displayName
    /// is the name (display names need not be unique in Entra).
    /// </remarks>
    public async Task<SourceResult<SourceObject?>> FindAsync(SourceObjectType type, string idOrName, IReadOnlyCollection<string> attributes,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(idOrName)) return SourceResult<SourceObject?>.Ok(null);
        var isId = Guid.TryParse(idOrName, out _);
        if (type == SourceObjectType.User || isId)
        {
            // A user is named by id or by a userPrincipalName, which always has an @.
            if (type == SourceObjectType.User && !isId && !idOrName.Contains('@')) return SourceResult<SourceObject?>.Ok(null);
            var operation = Operation(type);
            while (true)
            {
                var projection = Projection(type, attributes);
                var url = $"{_base}/{Set(type)}/{Uri.EscapeDataString(idOrName.Trim())}?$select={Uri.EscapeDataString(projection.SelectFor(delta: false))}" +
                          (type == SourceObjectType.User ? "&$expand=" + Uri.EscapeDataString("manager($select=id)") : "");
                using var answer = await GetAsync(url, operation, delta: false, cancellationToken);
                if (answer.Failure is { } failure)
                {
                    if (failure.Status == HttpStatusCode.NotFound) break;
                    if (LearnUnsupported(type, failure, projection)) continue;
                    return SourceResult<SourceObject?>.Fail(GraphFailures.ToError(failure, operation, _settings.ClientId));
                }
                if (answer.Error is { } error) return SourceResult<SourceObject?>.Fail(error);
                try
                {
                    return SourceResult<SourceObject?>.Ok(_reader.Read(answer.Body!.RootElement, projection, GraphReadKind.Whole));
                }
                catch (Exception e) when (e is JsonException or InvalidOperationException)
                {
                    return SourceResult<SourceObject?>.Fail(Invalid(e.Message));
                }
            }
            if (type == SourceObjectType.User) return SourceResult<SourceObject?>.Ok(null);
        }

        // A group by its display name: quotes doubled, as OData escapes them in a string literal.
        SourceObject? group = null;
        var failed = await ListAsync(SourceObjectType.Group,
            "$filter=" + Uri.EscapeDataString($"displayName eq {Quote(idOrName)}") + "&$top=2", attributes,
            found => group ??= found, cancellationToken);
        return failed is null ? SourceResult<SourceObject?>.Ok(group) : SourceResult<SourceObject?>.Fail(failed);
    }

    /// <inheritdoc />
    public async Task<SourceResult<IReadOnlyList<MemberChange>>> GetMembersAsync(string groupId, CancellationToken cancellationToken)
    {
        var members = new List<MemberChange>();
        var error = await PagesAsync($"{_base}/groups/{Uri.EscapeDataString(groupId)}/members?$select=id&$top={Top}",
            GraphOperation.ReadMembers, element =>
            {
                if (_reader.ReadMember(element) is { } member) members.Add(member);
            }, cancellationToken);
        return error is null ? SourceResult<IReadOnlyList<MemberChange>>.Ok(members) : SourceResult<IReadOnlyList<MemberChange>>.Fail(error);
    }

    /// <inheritdoc />
    /// <remarks>Users and groups; assignments to other service principals are not provisioned and are left out.</remarks>
    public async Task<SourceResult<IReadOnlyList<AppRoleAssignmentRef>>> GetAssignmentsAsync(string servicePrincipalId, CancellationToken cancellationToken)
    {
        var assignments = new List<AppRoleAssignmentRef>();
        var error = await PagesAsync($"{_base}/servicePrincipals/{Uri.EscapeDataString(servicePrincipalId)}/appRoleAssignedTo?$top={Top}",
            GraphOperation.ReadServicePrincipals, element =>
            {
                var principalType = Text(element, "principalType");
                SourceObjectType? type = principalType switch
                {
                    _ when "User".Equals(principalType, StringComparison.OrdinalIgnoreCase) => SourceObjectType.User,
                    _ when "Group".Equals(principalType, StringComparison.OrdinalIgnoreCase) => SourceObjectType.Group,
                    _ => null,
                };
                if (type is null || _reader.Id(element, "principalId") is not { } principal) return;
                assignments.Add(new AppRoleAssignmentRef(principal, type.Value,
                    Text(element, "appRoleId") ?? "00000000-0000-0000-0000-000000000000", Text(element, "principalDisplayName")));
            }, cancellationToken);
        return error is null
            ? SourceResult<IReadOnlyList<AppRoleAssignmentRef>>.Ok(assignments)
            : SourceResult<IReadOnlyList<AppRoleAssignmentRef>>.Fail(error);
    }

    /// <inheritdoc />
    public async Task<SourceResult<string?>> FindServicePrincipalAsync(string idAppIdOrName, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(idAppIdOrName)) return SourceResult<string?>.Ok(null);
        var value = idAppIdOrName.Trim();
        if (Guid.TryParse(value, out _))
        {
            using var answer = await GetAsync($"{_base}/servicePrincipals/{Uri.EscapeDataString(value)}?$select=id",
                GraphOperation.ReadServicePrincipals, delta: false, cancellationToken);
            if (answer.Error is { } error) return SourceResult<string?>.Fail(error);
            if (answer.Failure is { Status: not HttpStatusCode.NotFound } failure)
                return SourceResult<string?>.Fail(GraphFailures.ToError(failure, GraphOperation.ReadServicePrincipals, _settings.ClientId));
            if (answer.Body is { } body && _reader.Id(body.RootElement, "id") is { } id) return SourceResult<string?>.Ok(id);
        }
        foreach (var filter in Guid.TryParse(value, out _)
                     ? new[] { $"appId eq {Quote(value)}", $"displayName eq {Quote(value)}" }
                     : [$"displayName eq {Quote(value)}"])
        {
            string? found = null;
            var error = await PagesAsync($"{_base}/servicePrincipals?$filter={Uri.EscapeDataString(filter)}&$select=id&$top=1",
                GraphOperation.ReadServicePrincipals, element => found ??= _reader.Id(element, "id"), cancellationToken, firstPageOnly: true);
            if (error is not null) return SourceResult<string?>.Fail(error);
            if (found is not null) return SourceResult<string?>.Ok(found);
        }
        return SourceResult<string?>.Ok(null);
    }

    /// <inheritdoc />
    public async Task<SourceResult<IReadOnlyList<AppRole>>> GetAppRolesAsync(string servicePrincipalId, CancellationToken cancellationToken)
    {
        using var answer = await GetAsync($"{_base}/servicePrincipals/{Uri.EscapeDataString(servicePrincipalId)}?$select=id,appRoles",
            GraphOperation.ReadServicePrincipals, delta: false, cancellationToken);
        if (answer.Error is { } error) return SourceResult<IReadOnlyList<AppRole>>.Fail(error);
        if (answer.Failure is { } failure)
            return SourceResult<IReadOnlyList<AppRole>>.Fail(GraphFailures.ToError(failure, GraphOperation.ReadServicePrincipals, _settings.ClientId));
        var roles = new List<AppRole>();
        if (answer.Body is { } body && body.RootElement.TryGetProperty("appRoles", out var appRoles) && appRoles.ValueKind == JsonValueKind.Array)
            foreach (var role in appRoles.EnumerateArray())
                if (Text(role, "id") is { } id)
                    roles.Add(new AppRole(id, Text(role, "value"), Text(role, "displayName")));
        return SourceResult<IReadOnlyList<AppRole>>.Ok(roles);
    }

    /// <inheritdoc />
    public async Task<SourceResult<string?>> DefaultDomainAsync(CancellationToken cancellationToken)
    {
        string? domain = null;
        var error = await PagesAsync($"{_base}/domains", GraphOperation.ReadDomains, element =>
        {
            if (element.TryGetProperty("isDefault", out var isDefault) && isDefault.ValueKind == JsonValueKind.True) domain ??= Text(element, "id");
        }, cancellationToken);
        return error is null ? SourceResult<string?>.Ok(domain) : SourceResult<string?>.Fail(error);
    }

    // ---- connection test ------------------------------------------------------------------------------------

    /// <inheritdoc />
    public async Task<IReadOnlyList<ConnectionCheck>> TestAsync(bool groups, CancellationToken cancellationToken)
    {
        var checks = new List<ConnectionCheck>();
        var (_, _, tokenError) = await _tokens.GetAsync(cancellationToken);
        if (tokenError is not null)
        {
            checks.Add(new ConnectionCheck("Token", false, $"{tokenError.Code}: the token endpoint {_tokens.Endpoint} refused or failed.",
                tokenError.Message));
            return checks;
        }
        checks.Add(new ConnectionCheck("Token", true, $"A token for app {_settings.ClientId} was issued by {_tokens.Endpoint}."));
        checks.Add(await CheckAsync("Read users", $"{_base}/users?$select=id&$top=1", GraphOperation.ReadUsers, cancellationToken));
        if (groups) checks.Add(await CheckAsync("Read groups", $"{_base}/groups?$select=id&$top=1", GraphOperation.ReadGroups, cancellationToken));
        checks.Add(await CheckAsync("Read service principals", $"{_base}/servicePrincipals?$select=id&$top=1",
            GraphOperation.ReadServicePrincipals, cancellationToken));
        return checks;
    }

    private async Task<ConnectionCheck> CheckAsync(string name, string url, GraphOperation operation, CancellationToken cancellationToken)
    {
        var error = await PagesAsync(url, operation, _ => { }, cancellationToken, firstPageOnly: true);
        if (error is null) return new ConnectionCheck(name, true, $"{url} answered.");
        var fix = error.HttpStatus == 403
            ? $"Grant the app {_settings.ClientId} the Microsoft Graph application permission {GraphFailures.Permission(operation)} and grant admin consent."
            : error.Message;
        return new ConnectionCheck(name, false, $"{error.Code}: {error.Message}", fix);
    }

    // ---- paging and transport -------------------------------------------------------------------------------

    /// <summary>Every object of every page of a list, by <c>@odata.nextLink</c>.</summary>
    private async Task<SourceError?> PagesAsync(string url, GraphOperation operation, Action<JsonElement> each,
        CancellationToken cancellationToken, bool firstPageOnly = false)
    {
        string? next = url;
        while (next is not null)
        {
            using var answer = await GetAsync(next, operation, delta: false, cancellationToken);
            if (answer.Failure is { } failure) return GraphFailures.ToError(failure, operation, _settings.ClientId);
            if (answer.Error is { } error) return error;
            var root = answer.Body!.RootElement;
            if (ReadValues(root, each) is { } invalid) return invalid;
            if (firstPageOnly) return null;
            next = Link(root, "@odata.nextLink");
            if (next is not null && !OnGraphHost(next)) return ForeignLink(next);
        }
        return null;
    }

    private static SourceError? ReadValues(JsonElement root, Action<JsonElement> each)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("value", out var value) || value.ValueKind != JsonValueKind.Array)
            return Invalid("the answer has no 'value' list");
        try
        {
            foreach (var element in value.EnumerateArray())
                if (element.ValueKind == JsonValueKind.Object) each(element);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return Invalid(e.Message);
        }
        return null;
    }

    /// <summary>
    /// One GET, tried up to <see cref="MaxAttempts"/> times. The answer holds the parsed body, or Graph's failure (for
    /// the caller to name), or an error that needs no more naming (token, transport).
    /// </summary>
    private async Task<GraphAnswer> GetAsync(string url, GraphOperation operation, bool delta, CancellationToken cancellationToken)
    {
        var uri = new Uri(url);
        var renewed = false;
        for (var attempt = 1; ; attempt++)
        {
            var (token, fresh, tokenError) = await _tokens.GetAsync(cancellationToken);
            if (tokenError is not null)
            {
                SourceLog.TokenRefused(_logger, tokenError.Code);
                return new GraphAnswer(null, null, tokenError);
            }
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            request.Headers.TryAddWithoutValidation("client-request-id", Guid.NewGuid().ToString("D"));
            if (delta) request.Headers.TryAddWithoutValidation("Prefer", "odata.maxpagesize=" + PageSize.ToString(System.Globalization.CultureInfo.InvariantCulture));

            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            }
            catch (Exception e) when (GraphFailures.IsConnectionFailure(e, cancellationToken))
            {
                if (GraphFailures.IsCertificateFailure(e) || attempt >= MaxAttempts)
                {
                    var unreachable = GraphFailures.Unreachable(uri, e, _settings.CertificateSha256 is not null);
                    SourceLog.Unreachable(_logger, uri.GetLeftPart(UriPartial.Authority), unreachable.Code, e);
                    return new GraphAnswer(null, null, unreachable);
                }
                var wait = OutboundHttp.RetryDelay(null, attempt, _time, RetryCap);
                SourceLog.Retrying(_logger, operation, GraphFailures.IsTimeout(e, cancellationToken) ? "timeout" : "connection failure", attempt, wait);
                await Task.Delay(wait, _time, cancellationToken);
                continue;
            }

            using (response)
            {
                var status = response.StatusCode;
                if (status == HttpStatusCode.Unauthorized && !fresh && !renewed)
                {
                    // The cached token may have been revoked or the signing keys rolled: one new token, then the answer stands.
                    renewed = true;
                    _tokens.Invalidate(token!);
                    attempt--;
                    continue;
                }
                if (OutboundHttp.IsTransient(status) && attempt < MaxAttempts)
                {
                    var wait = OutboundHttp.RetryDelay(response, attempt, _time, RetryCap);
                    SourceLog.Retrying(_logger, operation, ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture), attempt, wait);
                    await Task.Delay(wait, _time, cancellationToken);
                    continue;
                }
                if ((int)status is >= 300 and < 400)
                    return new GraphAnswer(null, null, new SourceError("SourceUnreachable",
                        $"{uri.GetLeftPart(UriPartial.Authority)} answered a redirect to {response.Headers.Location}: set the Graph URL to the address Graph is served at.",
                        (int)status, JobLevel: true));
                if (!response.IsSuccessStatusCode)
                    return new GraphAnswer(null, await GraphFailures.ReadAsync(response, cancellationToken), null);
                try
                {
                    await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
                    return new GraphAnswer(await JsonDocument.ParseAsync(stream, default, cancellationToken), null, null);
                }
                catch (JsonException e)
                {
                    return new GraphAnswer(null, null, new SourceError("SourceUnreachable",
                        $"{uri.GetLeftPart(UriPartial.Authority)} answered something that is not Graph's JSON ({e.Message}): check the Graph URL.",
                        (int)status, JobLevel: true));
                }
                catch (Exception e) when (GraphFailures.IsConnectionFailure(e, cancellationToken) && attempt < MaxAttempts)
                {
                    // The body broke off mid-way: the whole request is tried again.
                    var wait = OutboundHttp.RetryDelay(null, attempt, _time, RetryCap);
                    SourceLog.Retrying(_logger, operation, "body cut off", attempt, wait);
                    await Task.Delay(wait, _time, cancellationToken);
                }
                catch (Exception e) when (GraphFailures.IsConnectionFailure(e, cancellationToken))
                {
                    return new GraphAnswer(null, null, GraphFailures.Unreachable(uri, e, _settings.CertificateSha256 is not null));
                }
            }
        }
    }

    private sealed record GraphAnswer(JsonDocument? Body, GraphFailure? Failure, SourceError? Error) : IDisposable
    {
        public void Dispose() => Body?.Dispose();
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    private GraphProjection Projection(SourceObjectType type, IReadOnlyCollection<string> attributes) =>
        GraphProjection.Create(type, attributes, Unsupported(type).Keys.ToHashSet(StringComparer.OrdinalIgnoreCase));

    /// <summary>
    /// Whether a 400 named a selected property the directory does not have (the tenant lacks some of Graph's, and an
    /// extension attribute may not exist): it is left out from now on and the request is made again without it.
    /// </summary>
    private bool LearnUnsupported(SourceObjectType type, GraphFailure failure, GraphProjection projection)
    {
        if (GraphFailures.UnknownProperty(failure) is not { } property ||
            !projection.Select.Contains(property, StringComparer.OrdinalIgnoreCase))
            return false;
        if (Unsupported(type).TryAdd(property, 0)) SourceLog.PropertyUnsupported(_logger, property, type);
        return true;
    }

    private ConcurrentDictionary<string, byte> Unsupported(SourceObjectType type) =>
        type == SourceObjectType.User ? _unsupportedUser : _unsupportedGroup;

    private string DeltaUrl(SourceObjectType type, GraphProjection projection) =>
        $"{_base}/{Set(type)}/delta?$select={Uri.EscapeDataString(projection.SelectFor(delta: true))}";

    private static string Set(SourceObjectType type) => type == SourceObjectType.User ? "users" : "groups";

    private static GraphOperation Operation(SourceObjectType type) =>
        type == SourceObjectType.User ? GraphOperation.ReadUsers : GraphOperation.ReadGroups;

    private static string Quote(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string? Link(JsonElement root, string name) => Text(root, name);

    /// <summary>
    /// Whether a link is on the configured Graph server: the bearer token goes only there, whatever a page or a saved
    /// deltaLink names.
    /// </summary>
    private bool OnGraphHost(string link) =>
        Uri.TryCreate(link, UriKind.Absolute, out var uri) && SameServer(uri, _settings.GraphBaseUrl);

    private static bool SameServer(Uri a, Uri b) =>
        Uri.Compare(a, b, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0;

    private static SourceError ForeignLink(string link) =>
        new("SourceUnreachable", $"Graph answered a next page on another server ({new Uri(link).GetLeftPart(UriPartial.Authority)}); the token is not sent there. Check the Graph URL.",
            JobLevel: true);

    private static SourceError Invalid(string what) =>
        new("InvalidResponse", $"Graph's answer could not be read: {what}.");

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        _authorityHttp?.Dispose();
        return ValueTask.CompletedTask;
    }
}
