using System.Net;
using System.Text.Json;
using IdentityBridge.Provisioning.Source;

namespace IdentityBridge.Provisioning.Target;

public sealed partial class ServiceNowConnector
{
    /// <summary>The prefix of the records a connection test writes and deletes at once, so that a leftover is recognised.</summary>
    internal const string TestRecordPrefix = "idbridge.connection-test.";

    private const string RightsFix =
        "Grant the account ServiceNow's admin role (what Entra's tutorial asks for), or user_admin, which administers users, " +
        "groups and group memberships.";

    /// <summary>
    /// Graph's validateCredentials for ServiceNow. A list read answers for the address and the credentials; writes are
    /// proven by creating an inactive, clearly named record and deleting it at once; reads of other records by
    /// reading that record back (a list alone cannot tell: an account without roles sees only its own user).
    /// </summary>
    public async Task<IReadOnlyList<ConnectionCheck>> TestAsync(bool groups, CancellationToken cancellationToken)
    {
        var checks = new List<ConnectionCheck>();
        var address = _instance.GetLeftPart(UriPartial.Authority);

        var users = await ReadPageAsync("sys_user", 2, cancellationToken);
        var refused = users.Error is { Code: "ServiceNowInstanceInvalid", HttpStatus: 400 or 401 };
        if (users.Error is { } probeError && !refused && probeError.Code is not ("InsufficientRights" or "UnprocessableEntity"))
        {
            checks.Add(new ConnectionCheck("The instance answers as ServiceNow", false, probeError.Message,
                $"Check the instance URL (such as https://yourinstance.service-now.com, without a path) and that this host can reach it " +
                $"through any firewall or proxy; a ServiceNow instance answers its Table API at {address}/api/now/table. " +
                TableApiErrors.InstanceInvalidText));
            return checks;
        }
        checks.Add(new ConnectionCheck("The instance answers as ServiceNow", true, $"{address} answered the Table API."));
        if (refused)
        {
            var signInError = users.Error!;
            checks.Add(new ConnectionCheck("The credentials are accepted", false, signInError.Message,
                (_settings.Credentials is TargetCredentials.OAuth
                    ? "Enter the client id and secret of an active OAuth client (System OAuth > Application Registry), and the user " +
                      "name and password of a current, active account for the password grant, or an active OAuth Application User " +
                      "for client credentials. "
                    : "Enter the user name and password of a current, active ServiceNow account that is not locked out. ") +
                TableApiErrors.InstanceInvalidText));
            return checks;
        }
        checks.Add(new ConnectionCheck("The credentials are accepted", true, $"Signed in as {_settings.Credentials}."));

        var userWrite = await CreateAndDeleteAsync("sys_user", new Dictionary<string, string?>
        {
            ["user_name"] = TestRecordPrefix + Guid.NewGuid().ToString("n"),
            ["first_name"] = "IdentityBridge",
            ["last_name"] = "connection test (safe to delete)",
            ["active"] = "false",
        }, cancellationToken);
        checks.Add(ReadCheck("sys_user", users, userWrite, "users"));
        checks.Add(userWrite.Check);
        if (!groups) return checks;

        var groupRead = await ReadPageAsync("sys_user_group", 1, cancellationToken);
        var groupWrite = await CreateAndDeleteAsync("sys_user_group", new Dictionary<string, string?>
        {
            ["name"] = TestRecordPrefix + Guid.NewGuid().ToString("n"),
            ["description"] = "IdentityBridge connection test (safe to delete)",
            ["active"] = "false",
        }, cancellationToken);
        var groupReadCheck = ReadCheck("sys_user_group", groupRead, groupWrite, "groups");
        checks.Add(groupReadCheck);
        checks.Add(groupWrite.Check);

        var members = await ReadPageAsync("sys_user_grmember", 1, cancellationToken);
        // An empty list is what an account without rights sees, and also what an instance without memberships holds:
        // an account that administers groups is taken to read their memberships as well.
        var membersPassed = members.Succeeded && (members.Value!.Count > 0 || (groupReadCheck.Passed && groupWrite.Check.Passed));
        checks.Add(new ConnectionCheck("The account can read sys_user_grmember", membersPassed,
            members.Error?.Message ?? (members.Value!.Count > 0
                ? "Group memberships can be read."
                : membersPassed ? "No membership is visible; the account administers groups, so it reads them."
                : "No group membership is visible to the account."),
            membersPassed ? null : RightsFix));
        return checks;
    }

    private sealed record WriteProbe(ConnectionCheck Check, bool ReadBack);

    private ConnectionCheck ReadCheck(string table, TargetResult<IReadOnlyList<TargetRecord>> list, WriteProbe write, string what)
    {
        var name = $"The account can read {table}";
        if (list.Error is { } error) return new ConnectionCheck(name, false, error.Message, RightsFix);
        if (write.ReadBack || list.Value!.Count >= 2)
            return new ConnectionCheck(name, true, $"The account reads {what} other than itself.");
        return new ConnectionCheck(name, false,
            list.Value!.Count == 0 ? $"The account sees no {what} in {table}." : $"The account sees only {list.Value.Count} record in {table} (its own, without roles).",
            RightsFix);
    }

    private async Task<WriteProbe> CreateAndDeleteAsync(string table, Dictionary<string, string?> values, CancellationToken cancellationToken)
    {
        var name = $"The account can create and delete in {table}";
        var created = await CreateAsync(table, values, [], cancellationToken);
        if (!created.Succeeded)
            return new WriteProbe(new ConnectionCheck(name, false, created.Error!.Message, RightsFix), false);
        var sysId = created.Value!.SysId;
        var read = await GetAsync(table, sysId, [], cancellationToken);
        var deleted = await DeleteAsync(table, sysId, cancellationToken);
        var readBack = read.Succeeded && read.Value is not null;
        if (!deleted.Succeeded)
            return new WriteProbe(new ConnectionCheck(name, false,
                $"Created the inactive test record {sysId} in {table}, but could not delete it: {deleted.Error!.Message} Delete it by hand.",
                RightsFix), readBack);
        return new WriteProbe(new ConnectionCheck(name, true, $"Created and deleted an inactive test record in {table}."), readBack);
    }

    private async Task<TargetResult<IReadOnlyList<TargetRecord>>> ReadPageAsync(string table, int limit, CancellationToken cancellationToken)
    {
        var (answer, error) = await SendAsync(HttpMethod.Get, ListPath(table, "", ["sys_id"], limit, null), null, table,
            "read records of", cancellationToken);
        if (error is not null) return TargetResult<IReadOnlyList<TargetRecord>>.Fail(error);
        if (answer!.Status == HttpStatusCode.NotFound)
            return answer.Error?.Message == "No Record found"
                ? TargetResult<IReadOnlyList<TargetRecord>>.Ok([])
                : TargetResult<IReadOnlyList<TargetRecord>>.Fail(TableApiErrors.InstanceInvalid(
                    $"The instance answered 404 Not Found to a query of {table}: {TableApiErrors.Said(answer.Error)}; " +
                    "the instance URL may carry a path it should not have.", 404));
        if (answer.Result is not { ValueKind: JsonValueKind.Array } rows)
            return TargetResult<IReadOnlyList<TargetRecord>>.Fail(Unexpected(table, "a list of records"));
        return TargetResult<IReadOnlyList<TargetRecord>>.Ok(rows.EnumerateArray().Select(r => ToRecord(r)).OfType<TargetRecord>().ToList());
    }
}
