using System.Net;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Maintenance;
using IdentityBridge.Storage.Security;
using IdentityBridge.Tenant.Directory;
using IdentityBridge.Tenant.Graph;
using IdentityBridge.Tenant.Saml;
using IdentityBridge.Tenant.SignIn;
using IdentityBridge.Tenant.Tokens;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IdentityBridge.Tenant.Hosting;

/// <summary>A running tenant: its Kestrel server, its store and directory, and the addresses it listens on.</summary>
public sealed class TenantApp : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _housekeeping;

    private TenantApp(WebApplication app, TenantDirectory directory, TokenAuthority tokens)
    {
        _app = app;
        Tokens = tokens;
        Directory = directory;
        var server = app.Services.GetRequiredService<IServer>();
        Addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];
        // Listings purge expired users themselves before they answer; this keeps the tables from growing meanwhile.
        _housekeeping = PeriodicMaintenance.RunAsync(TimeSpan.FromMinutes(10), directory.PurgeExpiredAsync, _stopping.Token);
    }

    public TenantDirectory Directory { get; }
    public TokenAuthority Tokens { get; }
    public Store Store => Directory.Store;
    /// <summary>The tenant id (a GUID), fixed at first start.</summary>
    public string TenantId => Directory.TenantId;
    public IReadOnlyList<string> Addresses { get; }
    public IServiceProvider Services => _app.Services;

    /// <summary>The SQLite file a tenant uses under its data directory.</summary>
    public static string DatabasePath(string dataDirectory) => Path.Combine(dataDirectory, "tenant.db");

    public static Task<Store> OpenStoreAsync(TenantOptions options, CancellationToken cancellationToken = default) =>
        Store.OpenAsync(new StoreOptions
        {
            SqlitePath = string.IsNullOrWhiteSpace(options.PostgresConnectionString) ? DatabasePath(options.DataDirectory) : null,
            PostgresConnectionString = options.PostgresConnectionString,
            PasswordIterations = options.PasswordIterations,
            Time = options.Time,
        }, [.. DirectoryTables.All, .. TokenTables.All], cancellationToken);

    /// <summary>Opens the store and the directory without serving HTTP (for import and generation).</summary>
    public static async Task<TenantDirectory> OpenDirectoryAsync(TenantOptions options, CancellationToken cancellationToken = default)
    {
        var store = await OpenStoreAsync(options, cancellationToken);
        try
        {
            return await TenantDirectory.OpenAsync(store, options.Time, options.DefaultDomain, cancellationToken);
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    public static async Task<TenantApp> StartAsync(TenantOptions options, Action<ILoggingBuilder>? logging = null,
        CancellationToken cancellationToken = default)
    {
        var directory = await OpenDirectoryAsync(options, cancellationToken);
        try
        {
            var tokens = await TokenAuthority.OpenAsync(directory.Store, directory.TenantId, options.Time,
                cancellationToken: cancellationToken);
            options = options with { TokenValidator = options.TokenValidator ?? tokens.Validator };
            var app = Build(options, directory, tokens, logging);
            await app.StartAsync(cancellationToken);
            return new TenantApp(app, directory, tokens);
        }
        catch
        {
            await directory.Store.DisposeAsync();
            throw;
        }
    }

    private static WebApplication Build(TenantOptions options, TenantDirectory directory, TokenAuthority tokens, Action<ILoggingBuilder>? logging)
    {
        var builder = WebApplication.CreateSlimBuilder();
        var urls = options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            kestrel.Limits.MaxRequestLineSize = 64 * 1024;
            kestrel.Limits.MaxRequestBufferSize = 1024 * 1024;
            // Each address is bound here rather than through UseUrls, so an https address gets the tenant's certificate.
            foreach (var url in urls) Listen(kestrel, url, options);
        });
        builder.Logging.ClearProviders();
        if (logging is null)
        {
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        }
        else logging(builder.Logging);

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(directory);
        services.AddSingleton(directory.Store);
        services.AddSingleton(options.Time);
        services.AddSingleton<GraphRateLimiter>();
        // One key for every node of a tenant (IDBRIDGE_TENANT_KEY), else a key file beside the database: it encrypts
        // the private keys of the apps' SAML signing certificates at rest.
        services.AddSingleton(_ => SecretProtector.Load(Path.Combine(options.DataDirectory, "tenant.key"),
            Environment.GetEnvironmentVariable("IDBRIDGE_TENANT_KEY"), "IDBRIDGE_TENANT_KEY"));
        services.AddSingleton<TokenSigningCertificates>();
        services.AddSingleton<SamlApplications>();
        services.AddSingleton<TenantSessions>();
        services.AddSingleton<DirectoryRoles>();
        services.AddSingleton<SignInLog>();
        services.AddSingleton<SmartLockout>();
        services.AddSingleton<PasswordCheck>();
        services.AddSingleton<SignInPage>();
        services.AddSingleton<SignOutPage>();
        services.AddSingleton<MyAppsPage>();
        services.AddSingleton<SignInEndpoints>();
        services.AddSingleton(new FederationMetadataOptions { IssuerTemplate = options.SamlIssuerTemplate });
        services.AddSingleton(tokens.Keys);
        services.AddSingleton(tokens);
        services.AddSingleton<FederationMetadataEndpoint>();
        services.AddSingleton<PairwiseNameIds>();
        services.AddSingleton<PendingRequests>();
        services.AddSingleton<SamlResponseBuilder>();
        services.AddSingleton<TestPage>();
        services.AddSingleton<IdentityProviderEndpoint>();
        services.AddSingleton<GraphApi>();
        services.AddSingleton<GraphErrors>();

        var app = builder.Build();
        var graph = app.Services.GetRequiredService<GraphApi>();
        var errors = app.Services.GetRequiredService<GraphErrors>();
        var metadata = app.Services.GetRequiredService<FederationMetadataEndpoint>();
        var signIn = app.Services.GetRequiredService<SignInEndpoints>();
        var identityProvider = app.Services.GetRequiredService<IdentityProviderEndpoint>();
        app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/v1.0", StringComparison.OrdinalIgnoreCase))
                await errors.InvokeAsync(context, () => graph.HandleAsync(context));
            else if (!await metadata.TryHandleAsync(context) && !await signIn.TryHandleAsync(context) &&
                     !await identityProvider.TryHandleAsync(context) &&
                     !await TokenEndpoints.TryHandleAsync(context, tokens)) await next(context);
        });
        return app;
    }

    private static void Listen(Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions kestrel, string url, TenantOptions options)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new ArgumentException($"'{url}' is not an http or https address such as https://127.0.0.1:5100.", nameof(options));
        var https = uri.Scheme == Uri.UriSchemeHttps;
        if (https && options.Certificate is null)
            throw new ArgumentException($"'{url}' is an https address: give the tenant a certificate (TenantOptions.Certificate).", nameof(options));
        void Configure(Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions listen)
        {
            if (https) listen.UseHttps(options.Certificate!);
        }
        if (uri.Host is "localhost") kestrel.ListenLocalhost(uri.Port, Configure);
        else if (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address)) kestrel.Listen(address, uri.Port, Configure);
        else if (uri.Host is "*" or "+" or "0.0.0.0") kestrel.ListenAnyIP(uri.Port, Configure);
        else throw new ArgumentException($"'{url}' names a host; give an IP address such as 127.0.0.1.", nameof(options));
    }

    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _housekeeping;
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Directory.Store.DisposeAsync();
        Tokens.Dispose();
        _stopping.Dispose();
    }
}
