using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using IdentityBridge.Provisioning.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IdentityBridge.Provisioning.Target;

/// <summary>
/// The ServiceNow Table API as the engine's target (spec/servicenow.md 1): batched <c>IN</c> lookups, only the
/// fields asked for, keyset paging, PATCH of the given fields, adaptive concurrency that honours Retry-After, and
/// failures reported with Entra's error codes. HTTP and network failures come back as <see cref="TargetError"/>s;
/// only cancellation and bugs throw.
/// </summary>
public sealed partial class ServiceNowConnector : ITargetConnector
{
    /// <summary>The most values in one <c>IN</c> list: long lists make slow queries on a real instance.</summary>
    internal const int MaxValuesPerQuery = 100;

    /// <summary>
    /// URLs are kept below this: ServiceNow's front ends and the proxies before them refuse request lines of
    /// around 8 KB, and the instance here takes 64 KB.
    /// </summary>
    internal const int MaxUrlLength = 6000;

    private readonly TargetSettings _settings;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly Uri _instance;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RequestGate _gate;
    private readonly InstanceSignIn _signIn;

    public ServiceNowConnector(TargetSettings settings, TimeProvider? time = null, ILogger? logger = null)
        : this(settings, OutboundHttp.CreateClient(Check(settings).Timeout, maxConnections: Math.Max(2, settings.MaxConcurrency)),
            ownsHttp: true, time, logger)
    {
    }

    internal ServiceNowConnector(TargetSettings settings, HttpClient http, bool ownsHttp, TimeProvider? time, ILogger? logger)
    {
        _settings = Check(settings);
        _http = http;
        _ownsHttp = ownsHttp;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        var url = settings.InstanceUrl.GetLeftPart(UriPartial.Path);
        _instance = new Uri(url.EndsWith('/') ? url : url + "/");
        _gate = new RequestGate(settings.MaxConcurrency, settings.MaxRequestsPerSecond, _time, Statistics);
        _signIn = new InstanceSignIn(http, _instance, settings.Credentials, settings.Timeout, _time);
    }

    public TargetStatistics Statistics { get; } = new();

    /// <summary>Rows per page of a query; ServiceNow's default and the instance's maximum are 10,000, smaller pages answer sooner.</summary>
    internal int PageSize { get; init; } = 1000;

    private static TargetSettings Check(TargetSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!settings.InstanceUrl.IsAbsoluteUri || settings.InstanceUrl.Scheme is not ("https" or "http"))
            throw new ArgumentException("The instance URL must be an absolute http(s) URL such as https://dev12345.service-now.com.", nameof(settings));
        if (settings.MaxConcurrency < 1)
            throw new ArgumentException("MaxConcurrency must be at least 1.", nameof(settings));
        if (settings.MaxRetries < 0)
            throw new ArgumentException("MaxRetries must not be negative.", nameof(settings));
        if (settings.Timeout <= TimeSpan.Zero)
            throw new ArgumentException("Timeout must be positive.", nameof(settings));
        if (settings.MaxRequestsPerSecond is <= 0)
            throw new ArgumentException("MaxRequestsPerSecond must be positive, or null for no cap.", nameof(settings));
        ArgumentNullException.ThrowIfNull(settings.Credentials);
        return settings;
    }

    // ---- reads ------------------------------------------------------------------------------------------------

    public async Task<TargetResult<IReadOnlyList<TargetRecord>>> FindAsync(string table, string field, IReadOnlyCollection<string> values,
        IReadOnlyCollection<string> fields, string? filter, CancellationToken cancellationToken)
    {
        CheckName(table);
        CheckName(field);
        var distinct = values.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (distinct.FirstOrDefault(v => !EncodedQueryText.CanGoInList(v) && !EncodedQueryText.CanStandAlone(v)) is { } inexpressible)
            return TargetResult<IReadOnlyList<TargetRecord>>.Fail(new TargetError("UnprocessableEntity",
                $"The value {Quote(inexpressible)} of {field} cannot be looked up in {table}: an encoded query cannot express it " +
                "(an empty value, NULL, a javascript: value or a NUL character). Change the source value or the matching attribute."));
        if (distinct.Count == 0) return TargetResult<IReadOnlyList<TargetRecord>>.Ok([]);

        var asked = WithField(fields, field);
        var queries = new List<string>();
        var groups = EncodedQueryText.And("", filter).Split("^NQ").Length;
        var fixedLength = ListPath(table, EncodedQueryText.And(field + "IN", filter), asked, PageSize, null).Length;
        var batch = new List<string>();
        var length = fixedLength;
        foreach (var value in distinct.Where(EncodedQueryText.CanGoInList))
        {
            // Each item costs its escaped text and an escaped comma, once per ^NQ group of the filter.
            var cost = (Uri.EscapeDataString(value).Length + 3) * groups;
            if (batch.Count > 0 && (batch.Count == MaxValuesPerQuery || length + cost > MaxUrlLength))
                Flush();
            batch.Add(value);
            length += cost;
        }
        if (batch.Count > 0) Flush();
        foreach (var value in distinct.Where(v => !EncodedQueryText.CanGoInList(v)))
            queries.Add(EncodedQueryText.And(field + "=" + EncodedQueryText.Escape(value), filter));

        var pages = await Task.WhenAll(queries.Select(q => QueryAllAsync(table, q, asked, keyset: true, cancellationToken, field)));
        if (pages.FirstOrDefault(p => !p.Succeeded) is { Error: { } error }) return TargetResult<IReadOnlyList<TargetRecord>>.Fail(error);
        return TargetResult<IReadOnlyList<TargetRecord>>.Ok(Distinct(pages.SelectMany(p => p.Value!)));

        void Flush()
        {
            queries.Add(EncodedQueryText.And(field + "IN" + string.Join(",", batch), filter));
            batch.Clear();
            length = fixedLength;
        }
    }

    public async Task<TargetResult<IReadOnlyList<TargetRecord>>> GetManyAsync(string table, IReadOnlyCollection<string> sysIds,
        IReadOnlyCollection<string> fields, CancellationToken cancellationToken)
    {
        CheckName(table);
        // Anything that is not a sys_id names no record, so it is left out like a record that does not exist.
        var ids = sysIds.Select(id => id.Trim().ToLowerInvariant()).Where(IsSysId).Distinct(StringComparer.Ordinal).ToList();
        var asked = WithField(fields, "sys_id");
        var pages = await Task.WhenAll(ids.Chunk(MaxValuesPerQuery).Select(chunk =>
            QueryAllAsync(table, "sys_idIN" + string.Join(",", chunk), asked, keyset: true, cancellationToken)));
        if (pages.FirstOrDefault(p => !p.Succeeded) is { Error: { } error }) return TargetResult<IReadOnlyList<TargetRecord>>.Fail(error);
        return TargetResult<IReadOnlyList<TargetRecord>>.Ok(Distinct(pages.SelectMany(p => p.Value!)));
    }

    public Task<TargetResult<IReadOnlyList<TargetRecord>>> QueryAsync(string table, string encodedQuery, IReadOnlyCollection<string> fields,
        CancellationToken cancellationToken)
    {
        CheckName(table);
        return QueryAllAsync(table, encodedQuery, WithField(fields, "sys_id"), keyset: !EncodedQueryText.HasOrder(encodedQuery),
            cancellationToken);
    }

    /// <summary>
    /// Every page of a query. Keyset paging (<c>sys_id&gt;last^ORDERBYsys_id</c>) costs the same on every page,
    /// where a deep <c>sysparm_offset</c> makes the database skip all the rows before it; a query that sorts itself
    /// pages by offset. A short page ends the query: the account reads every row of the tables it provisions
    /// (admin or user_admin), so no ACL shortens a page in the middle.
    /// </summary>
    /// <remarks>
    /// <paramref name="compared"/> names the field a lookup compares. sysparm_fields leaves out a field that does not
    /// exist or that the account may not read, and the query then drops its term too and answers rows that match
    /// nothing: the first page that shows it stops the query.
    /// </remarks>
    private async Task<TargetResult<IReadOnlyList<TargetRecord>>> QueryAllAsync(string table, string query, IReadOnlyList<string> fields,
        bool keyset, CancellationToken cancellationToken, string? compared = null)
    {
        var records = new List<TargetRecord>();
        string? last = null;
        var offset = 0;
        while (true)
        {
            var pageQuery = query;
            if (keyset)
            {
                if (last is not null) pageQuery = EncodedQueryText.And("sys_id>" + last, query);
                pageQuery = pageQuery.Length > 0 ? pageQuery + "^ORDERBYsys_id" : "ORDERBYsys_id";
            }
            var (answer, error) = await SendAsync(HttpMethod.Get, ListPath(table, pageQuery, fields, PageSize, keyset ? null : offset), null,
                table, "read records of", cancellationToken);
            if (error is not null) return TargetResult<IReadOnlyList<TargetRecord>>.Fail(error);
            if (answer!.Status == HttpStatusCode.NotFound)
            {
                // Version 1 of the Table API answered 404 "No Record found" for a query without hits; any other 404
                // means the request missed the Table API.
                if (answer.Error?.Message == "No Record found") break;
                return TargetResult<IReadOnlyList<TargetRecord>>.Fail(TableApiErrors.InstanceInvalid(
                    $"The instance answered 404 Not Found to a query of {table}: {TableApiErrors.Said(answer.Error)}; " +
                    "the instance URL may carry a path it should not have.", 404));
            }
            if (answer.Result is not { ValueKind: JsonValueKind.Array } rows)
                return TargetResult<IReadOnlyList<TargetRecord>>.Fail(Unexpected(table, "a list of records"));
            var page = new List<TargetRecord>();
            foreach (var row in rows.EnumerateArray())
            {
                if (ToRecord(row) is not { } record) return TargetResult<IReadOnlyList<TargetRecord>>.Fail(Unexpected(table, "records with a sys_id"));
                page.Add(record);
            }
            if (compared is not null && page.Any(r => !r.Values.ContainsKey(compared)))
                return TargetResult<IReadOnlyList<TargetRecord>>.Fail(new TargetError("UnprocessableEntity",
                    $"The instance answered records of {table} without their {compared}: the field does not exist in {table}, " +
                    "or the account may not read it. Check the matching attribute's target name and the account's roles."));
            records.AddRange(page);
            if (page.Count < PageSize) break;
            if (keyset)
            {
                var next = page[^1].SysId;
                // An instance that ignored the keyset term would answer the same page for ever.
                if (last is not null && string.CompareOrdinal(next, last) <= 0)
                    return TargetResult<IReadOnlyList<TargetRecord>>.Fail(Unexpected(table, "pages in sys_id order"));
                last = next;
            }
            else offset += PageSize;
        }
        return TargetResult<IReadOnlyList<TargetRecord>>.Ok(records);
    }

    // ---- writes -----------------------------------------------------------------------------------------------

    public async Task<TargetResult<TargetRecord>> CreateAsync(string table, IReadOnlyDictionary<string, string?> values,
        IReadOnlyCollection<string> fields, CancellationToken cancellationToken)
    {
        CheckName(table);
        var body = Body(values, omitNull: true);
        var (answer, error) = await SendAsync(HttpMethod.Post, RecordPath(table, null, WithField(fields, "sys_id")), body,
            table, "create a record in", cancellationToken);
        if (error is not null) return TargetResult<TargetRecord>.Fail(error);
        if (answer!.Status == HttpStatusCode.NotFound)
            return TargetResult<TargetRecord>.Fail(new TargetError("UnprocessableEntity",
                $"The instance answered 404 Not Found to a create in {table}: {TableApiErrors.Said(answer.Error)}.", 404));
        return ToRecord(answer.Result) is { } record
            ? TargetResult<TargetRecord>.Ok(record)
            : TargetResult<TargetRecord>.Fail(Unexpected(table, "the created record"));
    }

    public async Task<TargetResult<TargetRecord>> UpdateAsync(string table, string sysId, IReadOnlyDictionary<string, string?> values,
        IReadOnlyCollection<string> fields, CancellationToken cancellationToken)
    {
        CheckName(table);
        // Sending "" clears a field on ServiceNow; null has no meaning there.
        var body = Body(values, omitNull: false);
        var (answer, error) = await SendAsync(HttpMethod.Patch, RecordPath(table, sysId, WithField(fields, "sys_id")), body,
            table, $"update record {sysId} in", cancellationToken);
        if (error is not null) return TargetResult<TargetRecord>.Fail(error);
        if (answer!.Status == HttpStatusCode.NotFound) return TargetResult<TargetRecord>.Fail(Gone(table, sysId));
        return ToRecord(answer.Result) is { } record
            ? TargetResult<TargetRecord>.Ok(record)
            : TargetResult<TargetRecord>.Fail(Unexpected(table, "the updated record"));
    }

    public async Task<TargetResult<bool>> DeleteAsync(string table, string sysId, CancellationToken cancellationToken)
    {
        CheckName(table);
        var (answer, error) = await SendAsync(HttpMethod.Delete, $"api/now/table/{table}/{Uri.EscapeDataString(sysId)}", null,
            table, $"delete record {sysId} from", cancellationToken);
        if (error is not null) return TargetResult<bool>.Fail(error);
        return TargetResult<bool>.Ok(answer!.Status != HttpStatusCode.NotFound);
    }

    /// <summary>One record by sys_id; null when it does not exist (or the account may not read it).</summary>
    internal async Task<TargetResult<TargetRecord?>> GetAsync(string table, string sysId, IReadOnlyCollection<string> fields,
        CancellationToken cancellationToken)
    {
        CheckName(table);
        var (answer, error) = await SendAsync(HttpMethod.Get, RecordPath(table, sysId, WithField(fields, "sys_id")), null,
            table, $"read record {sysId} of", cancellationToken);
        if (error is not null) return TargetResult<TargetRecord?>.Fail(error);
        if (answer!.Status == HttpStatusCode.NotFound) return TargetResult<TargetRecord?>.Ok(null);
        return ToRecord(answer.Result) is { } record
            ? TargetResult<TargetRecord?>.Ok(record)
            : TargetResult<TargetRecord?>.Fail(Unexpected(table, "the record"));
    }

    // ---- requests ---------------------------------------------------------------------------------------------

    /// <summary>An answer worth reading: a success, or a 404 (whose meaning depends on the call).</summary>
    private sealed record Answer(HttpStatusCode Status, JsonElement? Result, (string Message, string? Detail)? Error);

    /// <summary>
    /// What one try came to: an answer, or an error to report, or a failure worth another try after
    /// <see cref="RetryDelay"/>. <see cref="TokenRefused"/> marks a 401 to a cached OAuth token.
    /// </summary>
    private sealed record Attempt(Answer? Answer = null, TargetError? Error = null, string? RetryBecause = null,
        TimeSpan RetryDelay = default, bool TokenRefused = false);

    /// <summary>
    /// Sends one request through the gate, with retries: 429 pauses every request for its Retry-After, 5xx and
    /// timeouts back off. A create is sent again only after 429 or 503, which say it was not applied: any other
    /// failure after it left may hide a record that now exists, which the engine finds by matching again.
    /// </summary>
    private async Task<(Answer? Answer, TargetError? Error)> SendAsync(HttpMethod method, string path, byte[]? body, string table,
        string action, CancellationToken cancellationToken)
    {
        var renewedToken = false;
        for (var attempt = 0; ; attempt++)
        {
            var outcome = await TryOnceAsync(method, path, body, table, action, attempt, cancellationToken);
            if (outcome.TokenRefused && !renewedToken)
            {
                // A token can be revoked or expire early; one fresh token decides whether the credentials still work.
                ServiceNowLog.TokenRefused(_logger);
                renewedToken = true;
                attempt--;
                continue;
            }
            if (outcome.Error is { } error)
            {
                Statistics.CountFailure();
                ServiceNowLog.Failed(_logger, method.Method, table, error.Code, error.Message);
                return (null, error);
            }
            if (outcome.RetryBecause is not { } failure) return (outcome.Answer, null);
            Statistics.CountRetry();
            ServiceNowLog.Retrying(_logger, method.Method, table, failure, outcome.RetryDelay, attempt + 1, _settings.MaxRetries);
            if (outcome.RetryDelay > TimeSpan.Zero) await Task.Delay(outcome.RetryDelay, _time, cancellationToken);
        }
    }

    private async Task<Attempt> TryOnceAsync(HttpMethod method, string path, byte[]? body, string table, string action, int attempt,
        CancellationToken cancellationToken)
    {
        var create = method == HttpMethod.Post;
        var lastTry = attempt >= _settings.MaxRetries;
        using var lease = await _gate.EnterAsync(cancellationToken);
        var (authorization, token, signInError) = await _signIn.AuthorizationAsync(cancellationToken);
        if (signInError is not null) return new Attempt(Error: signInError);

        using var request = new HttpRequestMessage(method, new Uri(_instance, path));
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Authorization = authorization;
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        }

        Statistics.CountRequest();
        HttpResponseMessage response;
        using var deadline = new CancellationTokenSource(_settings.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, linked.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            lease.Congested();
            var failure = $"no answer within {_settings.Timeout.TotalSeconds:0.#} s";
            if (create) return NotResent(failure);
            return lastTry
                ? new Attempt(Error: TableApiErrors.Timeout(
                    $"The instance did not answer a request to {action} {table} within {_settings.Timeout.TotalSeconds:0.#} s, {attempt + 1} times."))
                : new Attempt(RetryBecause: failure, RetryDelay: OutboundHttp.RetryDelay(null, attempt, _time, _settings.MaxRetryDelay));
        }
        catch (HttpRequestException e) when (TableApiErrors.NeverSent(e) || e.HttpRequestError == HttpRequestError.InvalidResponse)
        {
            return new Attempt(Error: TableApiErrors.Unreachable(_instance, e));
        }
        catch (HttpRequestException e)
        {
            // The connection broke after the request left: a reset, or an answer cut short.
            lease.Congested();
            var failure = "the connection was lost before the answer (" + (e.InnerException?.Message ?? e.Message) + ")";
            if (create) return NotResent(failure);
            return lastTry
                ? new Attempt(Error: TableApiErrors.Timeout($"The instance did not answer a request to {action} {table}: {failure}."))
                : new Attempt(RetryBecause: failure, RetryDelay: OutboundHttp.RetryDelay(null, attempt, _time, _settings.MaxRetryDelay));
        }

        using (response)
        {
            var status = response.StatusCode;
            var statusText = TableApiErrors.StatusText(status, response.ReasonPhrase);
            var json = await ReadJsonAsync(response, cancellationToken);
            var said = TableApiErrors.ReadError(json);

            if (status == HttpStatusCode.Unauthorized)
            {
                if (token is not null) _signIn.Refused(token);
                return new Attempt(Error: TableApiErrors.InstanceInvalid($"The instance answered {statusText}: {TableApiErrors.Said(said)}.", 401),
                    TokenRefused: token is not null);
            }
            if ((int)status is >= 300 and < 400)
                return new Attempt(Error: TableApiErrors.InstanceInvalid(
                    $"The instance answered {statusText} with a redirect to {response.Headers.Location?.ToString() ?? "nowhere"}; " +
                    "the instance URL may be wrong (use the https address without a path), or single sign-on may intercept API requests.",
                    (int)status));
            if (status == HttpStatusCode.TooManyRequests)
            {
                Statistics.CountThrottled();
                lease.Congested();
                var pause = OutboundHttp.RetryDelay(response, attempt, _time, _settings.MaxRetryDelay);
                _gate.Pause(pause);
                ServiceNowLog.Throttled(_logger, method.Method, table, pause);
                // The shared pause is the wait: the next try sits it out in EnterAsync with every other request.
                return lastTry
                    ? new Attempt(Error: new TargetError("TooManyRequests",
                        $"The instance kept throttling requests to {action} {table} ({statusText}: {TableApiErrors.Said(said)}) after {attempt + 1} tries.",
                        429, Transient: true))
                    : new Attempt(RetryBecause: statusText);
            }
            if ((int)status >= 500 || OutboundHttp.IsTransient(status))
            {
                lease.Congested();
                var transient = OutboundHttp.IsTransient(status);
                var seen = $"The instance answered {statusText} to a request to {action} {table}: {TableApiErrors.Said(said)}.";
                if (create && status != HttpStatusCode.ServiceUnavailable)
                {
                    ServiceNowLog.CreateNotResent(_logger, table, statusText);
                    return new Attempt(Error: new TargetError("InternalServerError",
                        seen + " The create is not sent again, since the instance may have applied it.", (int)status, Transient: true));
                }
                if (!transient || lastTry)
                    return new Attempt(Error: new TargetError("InternalServerError", transient ? seen + $" Tried {attempt + 1} times." : seen,
                        (int)status, Transient: transient));
                return new Attempt(RetryBecause: statusText, RetryDelay: OutboundHttp.RetryDelay(response, attempt, _time, _settings.MaxRetryDelay));
            }

            lease.Succeeded();
            if (response.IsSuccessStatusCode)
            {
                if (status == HttpStatusCode.NoContent) return new Attempt(new Answer(status, null, null));
                if (json is { ValueKind: JsonValueKind.Object } root && root.TryGetProperty("result", out var result))
                    return new Attempt(new Answer(status, result, null));
                return new Attempt(Error: NotServiceNow(response, statusText));
            }
            // Every error of the Table API comes in ServiceNow's envelope; anything else is another server.
            if (said is null) return new Attempt(Error: NotServiceNow(response, statusText));
            return status switch
            {
                HttpStatusCode.NotFound => new Attempt(new Answer(status, null, said)),
                HttpStatusCode.Forbidden => new Attempt(Error: new TargetError("InsufficientRights",
                    $"The account may not {action} {table}: the instance answered {statusText}: {TableApiErrors.Said(said)}. " +
                    "Grant the account ServiceNow's admin role (or user_admin, which administers users and groups).",
                    403, JobLevel: true)),
                _ => new Attempt(Error: new TargetError("UnprocessableEntity",
                    $"The instance refused a request to {action} {table} with {statusText}: {TableApiErrors.Said(said)}.", (int)status)),
            };
        }

        Attempt NotResent(string failure)
        {
            ServiceNowLog.CreateNotResent(_logger, table, failure);
            return new Attempt(Error: TableApiErrors.Timeout(
                $"A request to {action} {table} got no answer ({failure}). It is not sent again, since the instance may have " +
                "applied it; the record is matched again before it is created."));
        }
    }

    private static async Task<JsonElement?> ReadJsonAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (bytes.Length == 0) return null;
        try
        {
            using var document = JsonDocument.Parse(bytes);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private TargetError NotServiceNow(HttpResponseMessage response, string statusText) =>
        TableApiErrors.InstanceInvalid(
            $"The server at {_instance.GetLeftPart(UriPartial.Authority)} answered {statusText} with " +
            $"{response.Content.Headers.ContentType?.MediaType ?? "no content type"} that is not ServiceNow's Table API JSON; " +
            "check that the URL is the instance's own address.", (int)response.StatusCode);

    private static TargetError Gone(string table, string sysId) =>
        new("InvalidAnchor", $"The record {sysId} in {table} no longer exists; restart the job to match it again.", 404);

    private static TargetError Unexpected(string table, string wanted) =>
        new("UnprocessableEntity", $"The instance's answer for {table} did not hold {wanted} as the Table API does.");

    // ---- wire format ------------------------------------------------------------------------------------------

    private static string ListPath(string table, string query, IReadOnlyList<string> fields, int limit, int? offset)
    {
        var path = new StringBuilder("api/now/table/").Append(table)
            .Append("?sysparm_query=").Append(Uri.EscapeDataString(query))
            .Append("&sysparm_fields=").Append(string.Join(",", fields))
            .Append("&sysparm_limit=").Append(limit.ToString(CultureInfo.InvariantCulture));
        if (offset is { } o) path.Append("&sysparm_offset=").Append(o.ToString(CultureInfo.InvariantCulture));
        return path.Append("&sysparm_exclude_reference_link=true&sysparm_display_value=false")
            .Append("&sysparm_no_count=true&sysparm_suppress_pagination_header=true").ToString();
    }

    private static string RecordPath(string table, string? sysId, IReadOnlyList<string> fields) =>
        $"api/now/table/{table}{(sysId is null ? "" : "/" + Uri.EscapeDataString(sysId))}?sysparm_fields={string.Join(",", fields)}" +
        "&sysparm_exclude_reference_link=true&sysparm_display_value=false";

    private static byte[] Body(IReadOnlyDictionary<string, string?> values, bool omitNull)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in values)
            {
                CheckName(name);
                if (value is null && omitNull) continue;
                writer.WriteString(name, value ?? "");
            }
            writer.WriteEndObject();
        }
        return stream.ToArray();
    }

    /// <summary>A record of the answer. Values are strings; a reference still sent as an object gives its value.</summary>
    private static TargetRecord? ToRecord(JsonElement? element)
    {
        if (element is not { ValueKind: JsonValueKind.Object } row) return null;
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var property in row.EnumerateObject())
            values[property.Name] = property.Value.ValueKind switch
            {
                JsonValueKind.String => property.Value.GetString(),
                JsonValueKind.Null => null,
                JsonValueKind.Object => property.Value.TryGetProperty("value", out var inner) && inner.ValueKind == JsonValueKind.String
                    ? inner.GetString()
                    : property.Value.GetRawText(),
                _ => property.Value.GetRawText(),
            };
        return values.GetValueOrDefault("sys_id") is { Length: > 0 } sysId ? new TargetRecord(sysId, values) : null;
    }

    private static IReadOnlyList<string> WithField(IReadOnlyCollection<string> fields, string field)
    {
        var list = new List<string> { "sys_id" };
        foreach (var f in fields.Append(field))
        {
            CheckName(f);
            if (!list.Contains(f, StringComparer.Ordinal)) list.Add(f);
        }
        return list;
    }

    private static List<TargetRecord> Distinct(IEnumerable<TargetRecord> records)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return records.Where(r => seen.Add(r.SysId)).ToList();
    }

    /// <summary>Table and field names come from the job's schema, never from directory data: a bad one is a bug.</summary>
    private static void CheckName(string name)
    {
        if (!EncodedQueryText.IsName(name))
            throw new ArgumentException($"'{name}' is not a ServiceNow table or field name (lowercase letters, digits and _, dot-walked with .).");
    }

    private static bool IsSysId(string id) => id.Length == 32 && id.All(char.IsAsciiHexDigitLower);

    private static string Quote(string value) =>
        "'" + (value.Length > 80 ? value[..80] + "..." : value).Replace("\0", "\\0", StringComparison.Ordinal) + "'";

    public async ValueTask DisposeAsync()
    {
        _signIn.Dispose();
        if (_ownsHttp) _http.Dispose();
        await ValueTask.CompletedTask;
    }
}
