using System.Globalization;
using System.Text.Json.Nodes;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;
using IdentityBridge.Tenant.Directory;
using Microsoft.AspNetCore.Http;

namespace IdentityBridge.Tenant.Graph;

/// <summary>
/// <c>GET /auditLogs/signIns</c>: the tenant's sign-in log (written by <see cref="SignIn.SignInLog"/>) in Graph's
/// signIn shape, newest first, so an admin or a script can see why a user could not get in without opening the
/// database.
/// </summary>
internal sealed partial class GraphApi
{
    private const string SignInFilters =
        "userPrincipalName eq '...', userId eq '...', appId eq '...', status/errorCode eq <code> and createdDateTime ge|gt|le|lt <date-time>";

    private async Task ListSignInsAsync(GraphRequest request)
    {
        Require(request, GraphPermissions.ReadSignIns);
        request.Allow("$filter", "$top", "$skiptoken");
        var top = request.Top();
        var query = EncodedQuery.Empty;
        foreach (var clause in ClauseFilter.Parse(request.Option("$filter"))) query = query.And(SignInCondition(clause));

        // Newest first, read by offset under a fixed upper bound: sign-ins written after the first page was read do
        // not push the later pages along (the bound is the first page's time, kept in the token).
        int offset = 0;
        string bound;
        if (request.Option("$skiptoken") is { } token)
        {
            var parts = GraphRequest.ReadToken(token)?.Split('|');
            if (parts is not { Length: 3 } || parts[0] != "s" ||
                !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out offset) ||
                !GlideDateTimes.TryParse(parts[2], out _))
                throw GraphException.BadRequest("The $skiptoken is not valid; follow the @odata.nextLink as given.");
            bound = parts[2];
        }
        else bound = directory.Now();
        query = query.And(new QueryCondition("created_date_time", QueryOperator.LessThanOrEquals, bound));

        var result = await Store.QueryAsync(new RecordQuery
        {
            Table = DirectoryTables.SignInLog,
            Query = query with { Order = [new OrderTerm("created_date_time", true), new OrderTerm(TableDefinition.SysId, true)] },
            Limit = top + 1,
            Offset = offset,
            InvalidQueryReturnsNoRows = true,
        }, request.Aborted);
        if (result.DroppedTerms.Count > 0) throw GraphException.BadRequest("Invalid filter clause: a value does not fit its property.");
        var page = result.Rows.Take(top).ToList();
        var names = await UserDisplayNamesAsync(page, request.Aborted);
        var body = new JsonObject
        {
            ["@odata.context"] = request.Root + "$metadata#auditLogs/signIns",
            ["value"] = new JsonArray(page.Select(r => (JsonNode)SignIn(r, names)).ToArray()),
        };
        if (result.Rows.Count > top)
            body["@odata.nextLink"] = request.LinkWith("$skiptoken",
                GraphRequest.Token($"s|{(offset + top).ToString(CultureInfo.InvariantCulture)}|{bound}"));
        await request.WriteAsync(StatusCodes.Status200OK, body);
    }

    private static QueryCondition SignInCondition(FilterClause clause)
    {
        string Column() => clause.Property.ToLowerInvariant() switch
        {
            "userprincipalname" => "user_principal_name",
            "userid" => "user_id",
            "appid" => "app_id",
            "status/errorcode" => "error_code",
            "createddatetime" => "created_date_time",
            _ => throw ClauseFilter.Unsupported(clause, SignInFilters),
        };
        var column = Column();
        if (column == "created_date_time")
        {
            var op = clause.Operator switch
            {
                "ge" => QueryOperator.GreaterThanOrEquals,
                "gt" => QueryOperator.GreaterThan,
                "le" => QueryOperator.LessThanOrEquals,
                "lt" => QueryOperator.LessThan,
                _ => throw ClauseFilter.Unsupported(clause, SignInFilters),
            };
            if (!GlideDateTimes.TryParse(clause.Value, out var when))
                throw GraphException.BadRequest($"Invalid filter clause: '{clause.Value}' is not a date-time such as 2025-06-01T00:00:00Z.");
            return new QueryCondition(column, op, GlideDateTimes.Format(when));
        }
        if (clause.Operator != "eq") throw ClauseFilter.Unsupported(clause, SignInFilters);
        var value = clause.Value;
        if (column == "user_id" && GraphIds.TryToSysId(value, out var sysId)) value = sysId;
        else if (column == "app_id" && Guid.TryParse(value, out var appId)) value = appId.ToString("D");
        else if (column == "error_code" && !int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
            throw GraphException.BadRequest($"Invalid filter clause: status/errorCode takes a number, not '{value}'.");
        // Text compares without regard to case in the store, as user principal names do in Entra.
        return new QueryCondition(column, QueryOperator.Equals, value);
    }

    private async Task<Dictionary<string, string?>> UserDisplayNamesAsync(IReadOnlyList<RecordRow> rows, CancellationToken cancellationToken)
    {
        var ids = rows.Select(r => r["user_id"]).OfType<string>().Where(SysIds.IsSysId).Distinct().ToList();
        if (ids.Count == 0) return [];
        var users = await Store.QueryAsync(new RecordQuery
        {
            Table = DirectoryTables.User,
            Query = EncodedQuery.Where(TableDefinition.SysId, string.Join(',', ids), QueryOperator.In),
            Fields = [TableDefinition.SysId, "display_name"],
            Limit = ids.Count,
        }, cancellationToken);
        return users.Rows.ToDictionary(u => u.SysId, u => u["display_name"]);
    }

    private static JsonObject SignIn(RecordRow row, IReadOnlyDictionary<string, string?> names)
    {
        var errorCode = int.TryParse(row["error_code"], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var code) ? code : 0;
        var userId = row["user_id"];
        return new JsonObject
        {
            ["id"] = SysIds.IsSysId(row.SysId) ? GraphIds.FromSysId(row.SysId) : row.SysId,
            ["createdDateTime"] = GlideDateTimes.TryParse(row["created_date_time"], out var when)
                ? when.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
                : null,
            ["userDisplayName"] = userId is not null && names.TryGetValue(userId, out var name) ? name : null,
            ["userPrincipalName"] = row["user_principal_name"],
            ["userId"] = userId is not null && SysIds.IsSysId(userId) ? GraphIds.FromSysId(userId) : userId,
            ["appId"] = row["app_id"],
            ["appDisplayName"] = row["app_display_name"],
            ["ipAddress"] = row["ip_address"],
            ["clientAppUsed"] = "Browser",
            ["correlationId"] = row["correlation_id"],
            ["isInteractive"] = true,
            ["status"] = new JsonObject
            {
                ["errorCode"] = errorCode,
                ["failureReason"] = errorCode == 0 ? null : row["failure_reason"],
                ["additionalDetails"] = row["detail"],
            },
        };
    }
}
