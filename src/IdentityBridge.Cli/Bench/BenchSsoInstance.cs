using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IdentityBridge.Instance.Hosting;
using IdentityBridge.Storage.Records;

namespace IdentityBridge.Cli.Bench;

/// <summary>
/// A throwaway instance for the SAML benches: on a free loopback port over HTTP, with Multi-Provider SSO on and Test
/// Connection not mandatory, set up through its Table API as an admin would, and bench users matched by email.
/// </summary>
internal sealed class BenchSsoInstance : IAsyncDisposable
{
    private readonly HttpClient _admin;

    private BenchSsoInstance(InstanceApp app, string url, HttpClient admin)
    {
        App = app;
        Url = url;
        _admin = admin;
    }

    public InstanceApp App { get; }
    /// <summary>The instance's base URL: its entity id, with the ACS at <c>/navpage.do</c>.</summary>
    public string Url { get; }

    public static async Task<BenchSsoInstance> StartAsync(string dataDirectory, CancellationToken cancellationToken)
    {
        var url = $"http://127.0.0.1:{BenchReport.FreeLoopbackPort()}";
        var password = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
        var app = await InstanceApp.StartAsync(new InstanceOptions
        {
            Urls = url,
            DataDirectory = dataDirectory,
            AdminPassword = password,
            PasswordIterations = 1_000,
            Announce = TextWriter.Null,
        }, logging: _ => { }, cancellationToken: cancellationToken);
        var admin = new HttpClient { BaseAddress = new Uri(url) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + password)));
        var instance = new BenchSsoInstance(app, url, admin);
        try
        {
            await instance.SetPropertyAsync("glide.authenticate.multisso.enabled", "true", cancellationToken);
            await instance.SetPropertyAsync("glide.authenticate.multisso.test.connection.mandatory", "false", cancellationToken);
            return instance;
        }
        catch
        {
            await instance.DisposeAsync();
            throw;
        }
    }

    /// <summary>Writes through the Table API and answers the record, or throws with the instance's answer.</summary>
    public async Task<JsonObject> SendAsync(HttpMethod method, string table, object body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, "/api/now/table/" + table)
        {
            Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
        };
        using var response = await _admin.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{method} {table} answered {(int)response.StatusCode}: {text}");
        return (JsonNode.Parse(text)!["result"] as JsonObject)!;
    }

    private async Task SetPropertyAsync(string name, string value, CancellationToken cancellationToken)
    {
        var found = JsonNode.Parse(await _admin.GetStringAsync($"/api/now/table/sys_properties?sysparm_query=name={name}&sysparm_fields=sys_id", cancellationToken))!;
        await SendAsync(HttpMethod.Patch, $"sys_properties/{found["result"]![0]!["sys_id"]!.GetValue<string>()}", new { value }, cancellationToken);
    }

    /// <summary>Inserts <c>bench.user{i}</c> with the i-th email, in one transaction.</summary>
    public async Task AddUsersAsync(IReadOnlyList<string> emails, CancellationToken cancellationToken)
    {
        var rows = emails.Select((email, i) => (IReadOnlyDictionary<string, string?>)new Dictionary<string, string?>
        {
            ["user_name"] = $"bench.user{i}", ["email"] = email, ["first_name"] = "Bench", ["last_name"] = $"User {i}",
        }).ToList();
        await App.Store.InsertManyAsync(App.Store.Tables.Find("sys_user")!, rows, new WriteOptions("bench"), cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        _admin.Dispose();
        await App.DisposeAsync();
    }
}
