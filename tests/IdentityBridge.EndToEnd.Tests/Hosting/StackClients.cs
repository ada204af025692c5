using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using IdentityBridge.Tenant.Graph;

namespace IdentityBridge.EndToEnd.Tests.Hosting;

/// <summary>
/// The tenant's Graph token check for the stack: one random admin token with the permissions an admin's automation
/// has, so that the stack sets the tenant up through Graph as an admin does, without an app registration.
/// </summary>
internal sealed class StackGraphTokens : IGraphTokenValidator
{
    public string AdminToken { get; } = "e2e-admin-" + Guid.NewGuid().ToString("N");
    public string TenantId { get; set; } = "";

    public ValueTask<GraphCaller?> ValidateAsync(string bearerToken, CancellationToken ct) =>
        ValueTask.FromResult(bearerToken == AdminToken
            ? new GraphCaller("e2e00000-0000-0000-0000-000000000001", TenantId,
                new HashSet<string> { "Directory.ReadWrite.All", "AppRoleAssignment.ReadWrite.All", "Application.ReadWrite.All" })
            : null);
}

/// <summary>JSON over HTTP for the stack's setup calls: every unexpected status fails with the body, which says why.</summary>
internal static class JsonCalls
{
    public static async Task<JsonElement> SendAsync(HttpClient http, HttpMethod method, string path, object? body,
        AuthenticationHeaderValue authorization, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = authorization;
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (body is not null) request.Content = JsonContent.Create(body);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != expected)
            throw new InvalidOperationException($"{method} {path} answered {(int)response.StatusCode} instead of {(int)expected}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Adds or overrides <paramref name="values"/> with the properties of an anonymous object.</summary>
    public static void Merge(Dictionary<string, object?> values, object? more)
    {
        if (more is null) return;
        foreach (var property in JsonSerializer.SerializeToElement(more).EnumerateObject()) values[property.Name] = property.Value;
    }

    public static AuthenticationHeaderValue Basic(string userName, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(userName + ":" + password)));
}
