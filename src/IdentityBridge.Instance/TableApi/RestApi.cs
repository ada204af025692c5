using System.Globalization;
using System.Text;
using System.Text.Json;
using IdentityBridge.Instance.Hosting;
using IdentityBridge.Instance.Logging;
using IdentityBridge.Instance.RateLimiting;
using IdentityBridge.Instance.Security;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;

namespace IdentityBridge.Instance.TableApi;

/// <summary>
/// <c>/api/now/[v1|v2/]table/{table}[/{sys_id}]</c> and <c>/api/now/stats/{table}</c>: authentication, rate
/// limits, ACLs, then the Table API and Aggregate API as ServiceNow answers them (spec/servicenow.md 1).
/// </summary>
public sealed class RestApi(Store store, Authenticator authenticator, RateLimiter rateLimiter, BusinessRules rules,
    SystemProperties properties, SystemLog log, InstanceOptions options)
{
    private enum Resource { Table, Stats }

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var cancellationToken = context.RequestAborted;
        if (HttpMethods.IsPost(request.Method) && request.Headers["X-HTTP-Method-Override"].ToString() is { Length: > 0 } overridden &&
            (HttpMethods.IsPut(overridden) || HttpMethods.IsPatch(overridden) || HttpMethods.IsDelete(overridden) || HttpMethods.IsGet(overridden)))
            request.Method = overridden.ToUpperInvariant();

        var route = Route(request.Path.Value ?? "");
        if (route is null)
        {
            await ApiResponse.WriteErrorAsync(context, ApiError.BadRequest("Requested URI does not represent any resource",
                "Use /api/now/table/{table}, /api/now/table/{table}/{sys_id} or /api/now/stats/{table}"));
            return;
        }
        var (resource, tableName, sysId) = route.Value;

        if (!AcceptsJson(request.Headers.Accept.ToString()))
        {
            await ApiResponse.WriteErrorAsync(context, new ApiError(StatusCodes.Status406NotAcceptable, "Not Acceptable",
                "This instance answers application/json; send Accept: application/json"));
            return;
        }

        var client = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var caller = await authenticator.AuthenticateAsync(request.Headers.Authorization.ToString(), client, cancellationToken);
        if (caller is null)
        {
            if (string.IsNullOrWhiteSpace(request.Headers.Authorization.ToString()))
                await log.WriteAsync(SyslogLevel.Warning, SystemLog.SourceAuthentication,
                    $"Unauthenticated request {request.Method} {request.Path} from {client}", cancellationToken);
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"Service-now\"";
            await ApiResponse.WriteErrorAsync(context, new ApiError(StatusCodes.Status401Unauthorized,
                "User Not Authenticated", "Required to provide Auth information"));
            return;
        }

        var decision = await rateLimiter.CheckAsync(caller, cancellationToken);
        if (decision is not null)
        {
            var headers = context.Response.Headers;
            headers["X-RateLimit-Limit"] = decision.Limit.ToString(CultureInfo.InvariantCulture);
            headers["X-RateLimit-Reset"] = decision.ResetUnixSeconds.ToString(CultureInfo.InvariantCulture);
            headers["X-RateLimit-Rule"] = decision.RuleSysId;
            if (decision.Exceeded)
            {
                headers.RetryAfter = decision.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                await log.WriteAsync(SyslogLevel.Warning, SystemLog.SourceRateLimit,
                    $"Rate limit of {decision.Limit} requests per hour exceeded by {caller.UserName} (rule {decision.RuleSysId}) on {request.Method} {request.Path}",
                    cancellationToken);
                await ApiResponse.WriteErrorAsync(context, new ApiError(StatusCodes.Status429TooManyRequests, "Rate limit exceeded",
                    $"Rate limit of {decision.Limit} requests per hour for Table API exceeded"));
                return;
            }
        }

        var table = store.Tables.Find(tableName);
        if (table is null)
        {
            await ApiResponse.WriteErrorAsync(context, ApiError.InvalidTable(tableName));
            return;
        }

        var method = request.Method;
        switch (resource)
        {
            case Resource.Stats when HttpMethods.IsGet(method) || HttpMethods.IsHead(method):
                await StatsAsync(context, caller, table);
                return;
            case Resource.Table when sysId is null && (HttpMethods.IsGet(method) || HttpMethods.IsHead(method)):
                await ListAsync(context, caller, table);
                return;
            case Resource.Table when sysId is null && HttpMethods.IsPost(method):
                await WriteAsync(context, caller, table, TableOperation.Create, null);
                return;
            case Resource.Table when sysId is not null && (HttpMethods.IsGet(method) || HttpMethods.IsHead(method)):
                await GetAsync(context, caller, table, sysId);
                return;
            case Resource.Table when sysId is not null && (HttpMethods.IsPut(method) || HttpMethods.IsPatch(method)):
                await WriteAsync(context, caller, table, TableOperation.Write, sysId);
                return;
            case Resource.Table when sysId is not null && HttpMethods.IsDelete(method):
                await WriteAsync(context, caller, table, TableOperation.Delete, sysId);
                return;
            default:
                context.Response.Headers.Allow = resource == Resource.Stats ? "GET, HEAD"
                    : sysId is null ? "GET, HEAD, POST" : "GET, HEAD, PUT, PATCH, DELETE";
                await ApiResponse.WriteErrorAsync(context, new ApiError(StatusCodes.Status405MethodNotAllowed, "Method not Supported",
                    $"{method} is not supported on this resource"));
                return;
        }
    }

    private static (Resource Resource, string Table, string? SysId)? Route(string path)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        // api, now, [vN], table|stats, {table}, [{sys_id}]
        if (parts.Length < 4 || parts[0] != "api" || parts[1] != "now") return null;
        var i = 2;
        if (parts[i].Length >= 2 && parts[i][0] == 'v' && parts[i][1..].All(char.IsAsciiDigit)) i++;
        if (parts.Length <= i + 1) return null;
        var resource = parts[i] switch { "table" => Resource.Table, "stats" => Resource.Stats, _ => (Resource?)null };
        if (resource is null) return null;
        var table = Uri.UnescapeDataString(parts[i + 1]);
        if (parts.Length == i + 2) return (resource.Value, table, null);
        if (parts.Length == i + 3 && resource == Resource.Table) return (resource.Value, table, Uri.UnescapeDataString(parts[i + 2]));
        return null;
    }

    private static bool AcceptsJson(string accept)
    {
        if (string.IsNullOrWhiteSpace(accept)) return true;
        foreach (var part in accept.Split(','))
        {
            var media = part.Split(';')[0].Trim();
            if (media is "*/*" or "application/*" or "application/json" or "text/json" or "text/*" || media.EndsWith("+json", StringComparison.Ordinal))
                return true;
        }
        return false;
    }

    private static string BaseUrl(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}";

    private async Task<bool> InvalidQueryReturnsNoRowsAsync(CancellationToken cancellationToken) =>
        await properties.GetBooleanAsync(SystemProperties.InvalidQueryReturnsNoRows, cancellationToken);

    // ---- reads -----------------------------------------------------------------------------------------------

    private async Task ListAsync(HttpContext context, Caller caller, TableDefinition table)
    {
        var (parameters, error) = TableRequest.From(context.Request.Query);
        if (error is not null)
        {
            await ApiResponse.WriteErrorAsync(context, error);
            return;
        }
        var json = new RecordJson(store.Tables, table, parameters!, BaseUrl(context.Request));
        var filter = TableAcl.ReadFilter(caller, table, parameters!.Query);
        QueryResult result;
        if (filter is null)
            result = new QueryResult([], [], 0);
        else
            result = await store.QueryAsync(new RecordQuery
            {
                Table = table,
                Query = filter,
                Fields = json.StoreFields,
                DisplayValues = json.NeedsDisplayValues,
                Limit = parameters.Limit,
                Offset = parameters.Offset,
                IncludeTotal = !parameters.NoCount,
                InvalidQueryReturnsNoRows = await InvalidQueryReturnsNoRowsAsync(context.RequestAborted),
            }, context.RequestAborted);

        var response = context.Response;
        if (result.Total is { } total) response.Headers["X-Total-Count"] = total.ToString(CultureInfo.InvariantCulture);
        if (!parameters.SuppressPaginationHeader)
            response.Headers.Link = PagingLinks(context.Request, parameters, result.Total, result.Rows.Count);
        await WriteResultAsync(context, StatusCodes.Status200OK, writer =>
        {
            writer.WriteStartArray("result");
            foreach (var row in result.Rows) json.Write(writer, row);
            writer.WriteEndArray();
        });
    }

    private async Task GetAsync(HttpContext context, Caller caller, TableDefinition table, string sysId)
    {
        var (parameters, error) = TableRequest.From(context.Request.Query);
        if (error is not null)
        {
            await ApiResponse.WriteErrorAsync(context, error);
            return;
        }
        if (!TableAcl.Allows(caller, table, TableOperation.Read))
            await Denied(context, caller, "read", table, sysId);
        var row = await ReadAsync(caller, table, sysId, parameters!, context.RequestAborted);
        if (row is null)
        {
            await ApiResponse.WriteErrorAsync(context, ApiError.NotFound);
            return;
        }
        var json = new RecordJson(store.Tables, table, parameters!, BaseUrl(context.Request));
        await WriteResultAsync(context, StatusCodes.Status200OK, writer =>
        {
            writer.WritePropertyName("result");
            json.Write(writer, row);
        });
    }

    private async Task<RecordRow?> ReadAsync(Caller caller, TableDefinition table, string sysId, TableRequest parameters,
        CancellationToken cancellationToken)
    {
        var id = sysId.Trim().ToLowerInvariant();
        if (!SysIds.IsSysId(id)) return null;
        var filter = TableAcl.ReadFilter(caller, table, EncodedQuery.Where(TableDefinition.SysId, id));
        if (filter is null) return null;
        var json = new RecordJson(store.Tables, table, parameters, "");
        var result = await store.QueryAsync(new RecordQuery
        {
            Table = table,
            Query = filter,
            Fields = json.StoreFields,
            DisplayValues = json.NeedsDisplayValues,
            Limit = 1,
        }, cancellationToken);
        return result.Rows.Count == 0 ? null : result.Rows[0];
    }

    private async Task StatsAsync(HttpContext context, Caller caller, TableDefinition table)
    {
        var query = context.Request.Query;
        var (parameters, error) = TableRequest.From(query);
        if (error is not null)
        {
            await ApiResponse.WriteErrorAsync(context, error);
            return;
        }
        var count = string.Equals(query["sysparm_count"].ToString(), "true", StringComparison.OrdinalIgnoreCase);
        var groupBy = query["sysparm_group_by"].ToString()
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Take(20).ToList();
        var filter = TableAcl.ReadFilter(caller, table, parameters!.Query);
        var noRows = await InvalidQueryReturnsNoRowsAsync(context.RequestAborted);
        var groups = filter is null
            ? []
            : (await store.GroupCountAsync(table, filter, groupBy, noRows, context.RequestAborted)).Groups;
        var display = parameters.Display != DisplayMode.Raw;

        await WriteResultAsync(context, StatusCodes.Status200OK, writer =>
        {
            if (groupBy.Count == 0)
            {
                writer.WriteStartObject("result");
                WriteStats(writer, groups.Count == 0 ? 0 : groups[0].Count);
                writer.WriteEndObject();
                return;
            }
            writer.WriteStartArray("result");
            foreach (var (keys, n) in groups)
            {
                writer.WriteStartObject();
                WriteStats(writer, n);
                writer.WriteStartArray("groupby_fields");
                foreach (var (field, value, displayValue) in keys)
                {
                    writer.WriteStartObject();
                    writer.WriteString("field", field);
                    writer.WriteString("value", value ?? "");
                    if (display) writer.WriteString("display_value", displayValue ?? "");
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        });

        void WriteStats(Utf8JsonWriter writer, long n)
        {
            writer.WriteStartObject("stats");
            if (count) writer.WriteString("count", n.ToString(CultureInfo.InvariantCulture));
            writer.WriteEndObject();
        }
    }

    // ---- writes ----------------------------------------------------------------------------------------------

    /// <summary>
    /// POST, PUT, PATCH and DELETE: the table ACL, the request, the record written to, the business rules around
    /// the store's write, and ServiceNow's answer (201 with Location, 200 with the record, 204).
    /// </summary>
    private async Task WriteAsync(HttpContext context, Caller caller, TableDefinition table, TableOperation operation, string? sysId)
    {
        var cancellationToken = context.RequestAborted;
        var (verb, aclWord) = operation switch
        {
            TableOperation.Create => ("insert", "Insert"),
            TableOperation.Write => ("update", "Update"),
            _ => ("delete", "Delete"),
        };
        if (!TableAcl.Allows(caller, table, operation))
        {
            await Denied(context, caller, verb, table, sysId);
            await ApiResponse.WriteErrorAsync(context, ApiError.AclDenied(aclWord));
            return;
        }

        var parameters = new TableRequest();
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (operation != TableOperation.Delete)
        {
            var (parsed, error) = TableRequest.From(context.Request.Query);
            var (body, bodyError) = error is null ? await RequestBody.ReadAsync(context, options.MaxRequestBodyBytes) : (null, null);
            if ((error ?? bodyError) is { } problem)
            {
                await ApiResponse.WriteErrorAsync(context, problem);
                return;
            }
            (parameters, values) = (parsed!, body!);
        }

        RecordRow? current = null;
        if (operation != TableOperation.Create)
        {
            var id = sysId!.Trim().ToLowerInvariant();
            current = SysIds.IsSysId(id) ? await store.GetAsync(table, id, cancellationToken: cancellationToken) : null;
            if (current is null)
            {
                await ApiResponse.WriteErrorAsync(context, ApiError.NotFound);
                return;
            }
        }

        var (ruleError, generated) = await rules.BeforeAsync(caller, table, operation, current, values, cancellationToken);
        if (ruleError is not null)
        {
            await RefusedAsync(context, caller, verb, table, ruleError, SystemLog.SourceAcl);
            return;
        }
        var writeOptions = new WriteOptions(caller.UserName, parameters.InputDisplayValue);
        var result = operation switch
        {
            TableOperation.Create => await store.InsertAsync(table, values, writeOptions, cancellationToken),
            TableOperation.Write => await store.UpdateAsync(table, current!.SysId, values, writeOptions, cancellationToken),
            _ => await store.DeleteAsync(table, current!.SysId, cancellationToken),
        };
        if (result.Error is not null)
        {
            await RefusedAsync(context, caller, verb, table, ToApiError(result.Error), SystemLog.SourceRest);
            return;
        }
        await rules.AfterAsync(table, operation, current, result.Row, cancellationToken);

        switch (operation)
        {
            case TableOperation.Create:
                var created = result.Row!.SysId;
                context.Response.Headers.Location = $"{BaseUrl(context.Request)}/api/now/table/{table.Name}/{created}";
                await RespondWithRecordAsync(context, caller, table, created, result.Row, parameters, StatusCodes.Status201Created, generated);
                break;
            case TableOperation.Write:
                await RespondWithRecordAsync(context, caller, table, current!.SysId, result.Row, parameters, StatusCodes.Status200OK, null);
                break;
            default:
                context.Response.StatusCode = StatusCodes.Status204NoContent;
                break;
        }
    }

    private async Task RespondWithRecordAsync(HttpContext context, Caller caller, TableDefinition table, string sysId,
        RecordRow? written, TableRequest parameters, int status, BusinessRules.Generated? generated)
    {
        if (string.Equals(context.Request.Headers["X-no-response-body"].ToString(), "true", StringComparison.OrdinalIgnoreCase))
        {
            context.Response.StatusCode = status;
            return;
        }
        // The record as written holds every column: it answers unless the client asked for display values or
        // dot-walked fields, or the ACLs limit what the caller reads, which only a read applies.
        var row = written is not null && parameters.Display == DisplayMode.Raw && TableAcl.ReadsEveryRow(caller, table) &&
                  (parameters.Fields is null || parameters.Fields.All(f => !f.Contains('.')))
            ? written
            : await ReadAsync(caller, table, sysId, parameters, context.RequestAborted);
        if (row is null)
        {
            context.Response.StatusCode = status;
            return;
        }
        if (generated is not null && row.Values.ContainsKey(generated.Field)) row.Values[generated.Field] = generated.Value;
        var json = new RecordJson(store.Tables, table, parameters, BaseUrl(context.Request));
        await WriteResultAsync(context, status, writer =>
        {
            writer.WritePropertyName("result");
            json.Write(writer, row);
        });
    }

    private static ApiError ToApiError(WriteError error) => error.Kind switch
    {
        WriteErrorKind.InvalidValue => new ApiError(StatusCodes.Status400BadRequest, error.Message, error.Detail),
        WriteErrorKind.NotFound => ApiError.NotFound,
        _ => new ApiError(StatusCodes.Status403Forbidden, error.Message, error.Detail),
    };

    /// <summary>A refused write: a 403 (an ACL rule, or a write the platform aborts) is logged under its source.</summary>
    private async Task RefusedAsync(HttpContext context, Caller caller, string operation, TableDefinition table, ApiError error,
        string source)
    {
        if (error.Status == StatusCodes.Status403Forbidden)
            await log.WriteAsync(SyslogLevel.Warning, source,
                $"Denied {operation} on {table.Name} for {caller.UserName}: {error.Detail ?? error.Message}", context.RequestAborted);
        await ApiResponse.WriteErrorAsync(context, error);
    }

    private Task Denied(HttpContext context, Caller caller, string operation, TableDefinition table, string? sysId) =>
        log.WriteAsync(SyslogLevel.Warning, SystemLog.SourceAcl,
            $"ACL denied {operation} on {table.Name}{(sysId is null ? "" : "/" + (sysId.Length > 40 ? sysId[..40] : sysId))} for {caller.UserName}",
            context.RequestAborted);

    private static async Task WriteResultAsync(HttpContext context, int status, Action<Utf8JsonWriter> body)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = ApiResponse.JsonContentType;
        if (HttpMethods.IsHead(context.Request.Method)) return;
        await using var writer = new Utf8JsonWriter(response.BodyWriter, ApiResponse.WriterOptions);
        writer.WriteStartObject();
        body(writer);
        writer.WriteEndObject();
        await writer.FlushAsync();
    }

    /// <summary>
    /// The Link header as ServiceNow sends it: first, prev (offset minus limit, which ServiceNow sends as -1 on
    /// the first page), next while rows remain, and last (the offset of the final page).
    /// </summary>
    private static string PagingLinks(HttpRequest request, TableRequest parameters, long? total, int returned)
    {
        var limit = Math.Max(1, parameters.Limit);
        var links = new List<string> { Link(0, "first"), Link(parameters.Offset - limit, "prev") };
        var hasNext = total is { } t ? parameters.Offset + limit < t : returned >= limit;
        if (hasNext) links.Add(Link(parameters.Offset + limit, "next"));
        if (total is { } all) links.Add(Link(all == 0 ? 0 : (all - 1) / limit * limit, "last"));
        return string.Join(",", links);

        string Link(long offset, string rel)
        {
            var query = new QueryBuilder();
            foreach (var (name, values) in request.Query)
            {
                if (name is "sysparm_offset" or "sysparm_limit") continue;
                foreach (var value in values) query.Add(name, value ?? "");
            }
            query.Add("sysparm_limit", limit.ToString(CultureInfo.InvariantCulture));
            query.Add("sysparm_offset", offset.ToString(CultureInfo.InvariantCulture));
            var url = new StringBuilder(BaseUrl(request)).Append(request.Path).Append(query.ToQueryString());
            return $"<{url}>;rel=\"{rel}\"";
        }
    }

}
