using IdentityBridge.Provisioning.Source;

namespace IdentityBridge.Provisioning.Tests.Source;

/// <summary>A delta round read to its end, page by page, as the engine reads it.</summary>
public sealed record SourceRound(List<SourceObject> Objects, string DeltaLink, int Pages)
{
    public SourceObject Single(string id) => Assert.Single(Objects, o => o.Id == id);

    public bool Has(string id) => Objects.Any(o => o.Id == id);

    /// <summary>A group's member changes, merged over every page it came in (Graph may split them).</summary>
    public List<MemberChange> MembersOf(string groupId) =>
        Objects.Where(o => o.Id == groupId).SelectMany(o => o.MemberChanges).ToList();
}

public static class SourceRounds
{
    /// <summary>Every user attribute of Entra's ServiceNow schema, and two the tenant does not have (faxNumber, preferredLanguage).</summary>
    public static readonly string[] UserAttributes =
    [
        "objectId", "userPrincipalName", "originalUserPrincipalName", "displayName", "givenName", "surname", "mail", "mailNickname",
        "jobTitle", "department", "telephoneNumber", "mobile", "physicalDeliveryOfficeName", "employeeId", "manager", "city",
        "companyName", "accountEnabled", "userType", "proxyAddresses", "IsSoftDeleted", "appRoleAssignments",
        "facsimileTelephoneNumber", "preferredLanguage",
    ];

    public static readonly string[] GroupAttributes =
        ["objectId", "displayName", "description", "mail", "mailNickname", "securityEnabled", "members", "IsSoftDeleted"];

    public static async Task<SourceRound> RoundAsync(this GraphSource source, SourceObjectType type, string? deltaLink = null,
        IReadOnlyCollection<string>? attributes = null)
    {
        var objects = new List<SourceObject>();
        var pages = 0;
        var result = await source.ReadDeltaAsync(type, deltaLink,
            attributes ?? (type == SourceObjectType.User ? UserAttributes : GroupAttributes),
            (page, _) =>
            {
                pages++;
                objects.AddRange(page);
                return ValueTask.CompletedTask;
            }, CancellationToken.None);
        Assert.True(result.Succeeded, $"The round failed: {result.Error}");
        return new SourceRound(objects, result.Value!, pages);
    }

    public static SourceError Failed<T>(this SourceResult<T> result)
    {
        Assert.False(result.Succeeded, "The call succeeded where it should have failed.");
        return result.Error!;
    }

    public static T Ok<T>(this SourceResult<T> result)
    {
        Assert.True(result.Succeeded, $"The call failed: {result.Error}");
        return result.Value!;
    }
}
