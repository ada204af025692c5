using IdentityBridge.Instance.Hosting;
using IdentityBridge.Instance.Sessions;
using IdentityBridge.Instance.Sso;
using IdentityBridge.Saml.Validation;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityBridge.Instance.Tests.Sso;

/// <summary>
/// The SAML state kept in the database so that every node shares it: consumed assertions are accepted once, sent
/// requests are answered once, both under concurrent calls, and the resolver builds what validation trusts.
/// </summary>
public abstract class SamlStateTests(RunningInstance instance)
{
    private IReplayCache Replay => instance.Services.GetRequiredService<IReplayCache>();
    private StoreRequestTracker Requests => instance.Services.GetRequiredService<StoreRequestTracker>();
    private IIdentityProviderResolver Resolver => instance.Services.GetRequiredService<IIdentityProviderResolver>();

    private DateTimeOffset Now => instance.Clock.GetUtcNow();

    private static string Key(string scope) => "_" + scope + Guid.NewGuid().ToString("n");

    [BackendFact]
    public async Task an_assertion_key_is_accepted_once()
    {
        var key = Key(instance.NewScope());

        var first = await Replay.TryAddAsync(key, Now.AddMinutes(5), default);
        var second = await Replay.TryAddAsync(key, Now.AddMinutes(5), default);

        Assert.True(first);
        Assert.False(second);
    }

    [BackendFact]
    public async Task of_concurrent_adds_of_one_key_exactly_one_succeeds()
    {
        var key = Key(instance.NewScope());

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => Replay.TryAddAsync(key, Now.AddMinutes(5), default).AsTask())));

        Assert.Single(results, added => added);
    }

    [BackendFact]
    public async Task a_burst_of_sign_ins_shares_commits_and_still_lets_each_key_through_exactly_once()
    {
        var keys = Enumerable.Range(0, 120).Select(_ => Key(instance.NewScope())).ToList();

        // Every key sent three times at once, all interleaved: the batches mix first uses and replays.
        var attempts = keys.SelectMany(k => new[] { k, k, k }).OrderBy(_ => Random.Shared.Next()).ToList();
        var results = await Task.WhenAll(attempts.Select(k => Task.Run(async () => (k, await Replay.TryAddAsync(k, Now.AddMinutes(5), default)))));

        foreach (var key in keys) Assert.Single(results, r => r.k == key && r.Item2);
    }

    [BackendFact]
    public async Task keys_differing_only_in_case_are_two_keys()
    {
        var key = Key(instance.NewScope());

        Assert.True(await Replay.TryAddAsync(key.ToLowerInvariant() + "a", Now.AddMinutes(5), default));
        Assert.True(await Replay.TryAddAsync(key.ToLowerInvariant() + "A", Now.AddMinutes(5), default));
    }

    [BackendFact]
    public async Task housekeeping_forgets_expired_keys_only()
    {
        var scope = instance.NewScope();
        var (old, fresh) = (Key(scope), Key(scope));
        await Replay.TryAddAsync(old, Now.AddMinutes(-1), default);
        await Replay.TryAddAsync(fresh, Now.AddMinutes(5), default);

        await instance.Services.GetRequiredService<StoreReplayCache>().PurgeExpiredAsync(default);

        Assert.True(await Replay.TryAddAsync(old, Now.AddMinutes(5), default));
        Assert.False(await Replay.TryAddAsync(fresh, Now.AddMinutes(5), default));
    }

    [BackendFact]
    public async Task a_sent_request_is_taken_once()
    {
        var record = await instance.CreateIdentityProviderAsync(instance.NewScope() + "idp", $"https://sts.example.org/{Guid.NewGuid():n}");
        var id = "SNC" + Guid.NewGuid().ToString("n");
        await Requests.RememberAsync(id, record.SysId(), SentRequestKind.Authn, "/navpage.do?x=1", false, Now.AddMinutes(5), default);

        var first = await Requests.TakeAsync(id, default);
        var second = await Requests.TakeAsync(id, default);
        var remembered = await Requests.FindAsync(id, default);

        Assert.Equal(new SentRequest(id, record.SysId(), first!.Expires), first);
        Assert.Null(second);
        Assert.Equal("/navpage.do?x=1", remembered!.RelayState);
        Assert.True(remembered.Consumed);
    }

    [BackendFact]
    public async Task of_concurrent_takes_of_one_request_exactly_one_gets_it()
    {
        var record = await instance.CreateIdentityProviderAsync(instance.NewScope() + "idp", $"https://sts.example.org/{Guid.NewGuid():n}");
        var id = "SNC" + Guid.NewGuid().ToString("n");
        await Requests.RememberAsync(id, record.SysId(), SentRequestKind.Authn, null, false, Now.AddMinutes(5), default);

        var takes = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => Requests.TakeAsync(id, default).AsTask())));

        Assert.Single(takes, taken => taken is not null);
    }

    [BackendFact]
    public async Task of_many_requests_each_taken_concurrently_each_is_taken_exactly_once()
    {
        var record = await instance.CreateIdentityProviderAsync(instance.NewScope() + "idp", $"https://sts.example.org/{Guid.NewGuid():n}");
        var ids = Enumerable.Range(0, 10).Select(_ => "SNC" + Guid.NewGuid().ToString("n")).ToList();
        foreach (var id in ids) await Requests.RememberAsync(id, record.SysId(), SentRequestKind.Authn, null, false, Now.AddMinutes(5), default);

        var takes = await Task.WhenAll(ids.SelectMany(id => Enumerable.Range(0, 4)
            .Select(_ => Task.Run(async () => (Id: id, Taken: await Requests.TakeAsync(id, default))))));

        Assert.All(ids, id => Assert.Single(takes, t => t.Id == id && t.Taken is not null));
    }

    [BackendFact]
    public async Task expired_unknown_and_differently_cased_requests_are_not_taken()
    {
        var record = await instance.CreateIdentityProviderAsync(instance.NewScope() + "idp", $"https://sts.example.org/{Guid.NewGuid():n}");
        var expired = "SNC" + Guid.NewGuid().ToString("n");
        var cased = "SNCabc" + Guid.NewGuid().ToString("n");
        await Requests.RememberAsync(expired, record.SysId(), SentRequestKind.Authn, null, false, Now.AddSeconds(-1), default);
        await Requests.RememberAsync(cased, record.SysId(), SentRequestKind.Authn, null, false, Now.AddMinutes(5), default);

        Assert.Null(await Requests.TakeAsync(expired, default));
        Assert.Null(await Requests.TakeAsync("SNC" + Guid.NewGuid().ToString("n"), default));
        Assert.Null(await Requests.TakeAsync(cased.ToUpperInvariant(), default));
        Assert.NotNull(await Requests.TakeAsync(cased, default));
    }

    [BackendFact]
    public async Task a_relay_state_leading_off_the_instance_is_not_kept()
    {
        var record = await instance.CreateIdentityProviderAsync(instance.NewScope() + "idp", $"https://sts.example.org/{Guid.NewGuid():n}");
        var id = "SNC" + Guid.NewGuid().ToString("n");

        await Requests.RememberAsync(id, record.SysId(), SentRequestKind.Authn, "https://evil.example/", false, Now.AddMinutes(5), default);

        Assert.Equal("/navpage.do", (await Requests.FindAsync(id, default))!.RelayState);
    }

    [BackendFact]
    public async Task the_resolver_trusts_every_current_certificate_during_a_rollover_and_skips_an_expired_one()
    {
        var scope = instance.NewScope();
        using var old = TestCertificates.Current(scope + "old");
        using var next = TestCertificates.Create(scope + "next", RunningInstance.Start.AddDays(-1), RunningInstance.Start.AddDays(700));
        using var expired = TestCertificates.Expired(scope + "expired");
        var ids = new[]
        {
            await instance.CreateCertificateAsync(scope + "old", old),
            await instance.CreateCertificateAsync(scope + "next", next),
            await instance.CreateCertificateAsync(scope + "expired", expired),
        };
        var entityId = $"https://sts.example.org/{Guid.NewGuid():n}/";
        var record = await instance.CreateIdentityProviderAsync(scope + "rolling", entityId, ids);
        await instance.Admin.PatchAsync($"/api/now/table/saml2_update1_properties/{record.SysId()}",
            new { audience = "https://instance.example.org", service_url = "https://instance.example.org/navpage.do", clock_skew = "60", allow_sha1 = "true" });

        var trust = await Resolver.FindByIssuerAsync(entityId, default);

        Assert.NotNull(trust);
        Assert.Equal(record.SysId(), trust.RecordId);
        Assert.Equal(entityId, trust.EntityId);
        Assert.Equal([old.Thumbprint, next.Thumbprint], trust.SigningCertificates.Select(c => c.Thumbprint));
        Assert.Equal("https://instance.example.org", trust.Audience);
        Assert.Equal(["https://instance.example.org/navpage.do", instance.BaseUrl + "/navpage.do", instance.BaseUrl + "/consumer.do"],
            trust.AssertionConsumerServiceUrls);
        Assert.Equal(TimeSpan.FromSeconds(60), trust.ClockSkew);
        Assert.True(trust.AllowSha1);
        var logged = await instance.SyslogAsync($"source=SAML2^messageLIKE{scope}expired");
        Assert.Contains(logged, row => row.Text("message")!.Contains("is not used: NotAfter:", StringComparison.Ordinal));
    }

    [BackendFact]
    public async Task the_resolver_matches_the_issuer_exactly_and_falls_back_to_the_global_clock_skew()
    {
        var scope = instance.NewScope();
        var entityId = $"https://sts.example.org/{Guid.NewGuid():n}/";
        await instance.CreateIdentityProviderAsync(scope + "exact", entityId);

        var exact = await Resolver.FindByIssuerAsync(entityId, default);
        var otherCase = await Resolver.FindByIssuerAsync(entityId.ToUpperInvariant(), default);
        var noSlash = await Resolver.FindByIssuerAsync(entityId.TrimEnd('/'), default);

        Assert.NotNull(exact);
        Assert.Empty(exact.SigningCertificates);
        Assert.Equal(instance.BaseUrl, exact.Audience);
        Assert.Equal(TimeSpan.FromSeconds(180), exact.ClockSkew);
        Assert.False(exact.AllowSha1);
        Assert.Null(otherCase);
        Assert.Null(noSlash);
    }

    [BackendFact]
    public async Task single_logout_ends_exactly_the_sessions_the_identity_provider_names()
    {
        var sessions = instance.Services.GetRequiredService<UserSessions>();
        var scope = instance.NewScope();
        var user = await instance.CreateUserAsync(scope + "slo");
        var record = await instance.CreateIdentityProviderAsync(scope + "idp", $"https://sts.example.org/{Guid.NewGuid():n}");
        var nameId = scope + "b.simon@contoso.example";
        var (laptop, _) = await sessions.StartAsync(user.SysId, new SsoOrigin(record.SysId(), nameId, "_index1"), "127.0.0.1", default);
        var (phone, _) = await sessions.StartAsync(user.SysId, new SsoOrigin(record.SysId(), nameId, "_index2"), "127.0.0.1", default);
        var (local, _) = await sessions.StartAsync(user.SysId, null, "127.0.0.1", default);

        var byIndex = await sessions.EndForIdentityProviderAsync(record.SysId(), nameId, "_index1", default);
        var laptopAfter = await sessions.ResolveAsync(laptop, default);
        var phoneAfter = await sessions.ResolveAsync(phone, default);
        var byNameId = await sessions.EndForIdentityProviderAsync(record.SysId(), nameId, null, default);

        Assert.Equal(1, byIndex);
        Assert.Null(laptopAfter);
        Assert.NotNull(phoneAfter);
        Assert.Equal(1, byNameId);
        Assert.Null(await sessions.ResolveAsync(phone, default));
        Assert.NotNull(await sessions.ResolveAsync(local, default));
    }

    [BackendFact]
    public async Task the_public_base_url_defaults_to_the_listen_address()
    {
        var urls = instance.Services.GetRequiredService<InstanceUrls>();

        Assert.Equal(instance.BaseUrl, urls.PublicBaseUrl);
        Assert.Equal("http://localhost:5200", InstanceUrls.Normalise("http://0.0.0.0:5200/"));
    }
}

public sealed class SamlStateTestsOnSqlite(SqliteInstance instance) : SamlStateTests(instance), IClassFixture<SqliteInstance>;

public sealed class SamlStateTestsOnPostgres(PostgresInstance instance) : SamlStateTests(instance), IClassFixture<PostgresInstance>;
