using IdentityBridge.Tenant.Graph;

namespace IdentityBridge.Tenant.Tests.Hosting;

/// <summary>
/// Stands in for the tenant's JWT validator in the Graph tests: fixed token strings map to callers with fixed
/// permissions, so these tests exercise Graph's authorization without issuing tokens.
/// </summary>
public sealed class TestTokens : IGraphTokenValidator
{
    public const string Admin = "test-admin";
    public const string Reader = "test-reader";
    public const string NoPermissions = "test-none";
    public const string OtherTenant = "test-other-tenant";
    public const string AdminAppId = "11111111-1111-1111-1111-111111111111";

    /// <summary>The tenant's id, known once it has started.</summary>
    public string TenantId { get; set; } = "";

    public ValueTask<GraphCaller?> ValidateAsync(string bearerToken, CancellationToken ct) => ValueTask.FromResult(bearerToken switch
    {
        Admin => new GraphCaller(AdminAppId, TenantId, new HashSet<string>
            { "Directory.ReadWrite.All", "AppRoleAssignment.ReadWrite.All", "Application.ReadWrite.All" }),
        Reader => new GraphCaller("22222222-2222-2222-2222-222222222222", TenantId, new HashSet<string> { "User.Read.All", "Group.Read.All" }),
        NoPermissions => new GraphCaller("33333333-3333-3333-3333-333333333333", TenantId, new HashSet<string>()),
        OtherTenant => new GraphCaller(AdminAppId, Guid.NewGuid().ToString("D"), new HashSet<string> { "Directory.ReadWrite.All" }),
        _ => (GraphCaller?)null,
    });
}
