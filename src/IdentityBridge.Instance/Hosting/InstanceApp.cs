using IdentityBridge.Instance.Logging;
using IdentityBridge.Instance.OAuth;
using IdentityBridge.Instance.RateLimiting;
using IdentityBridge.Instance.Pages;
using IdentityBridge.Instance.Security;
using IdentityBridge.Instance.Sessions;
using IdentityBridge.Instance.Sso;
using IdentityBridge.Instance.TableApi;
using IdentityBridge.Instance.Tables;
using IdentityBridge.Saml.Validation;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Maintenance;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IdentityBridge.Instance.Hosting;

/// <summary>A running instance: its Kestrel server, its store and the addresses it listens on.</summary>
public sealed class InstanceApp : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _housekeeping;

    private InstanceApp(WebApplication app, Store store)
    {
        _app = app;
        Store = store;
        var server = app.Services.GetRequiredService<IServer>();
        Addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];
        _housekeeping = PeriodicMaintenance.RunAsync(TimeSpan.FromMinutes(10), HousekeepingAsync, _stopping.Token);
    }

    /// <summary>
    /// Removes what has expired: OAuth tokens, browser sessions, SAML requests and consumed-assertion keys. Each is
    /// refused when expired whether removed or not; removing them keeps the tables small.
    /// </summary>
    internal async Task HousekeepingAsync(CancellationToken cancellationToken)
    {
        var services = _app.Services;
        await services.GetRequiredService<TokenService>().PurgeExpiredAsync(cancellationToken);
        await services.GetRequiredService<UserSessions>().PurgeExpiredAsync(cancellationToken);
        await services.GetRequiredService<StoreRequestTracker>().PurgeExpiredAsync(cancellationToken);
        await services.GetRequiredService<StoreReplayCache>().PurgeExpiredAsync(cancellationToken);
        // "Refresh MultiSSO IDP Metadata": each record is due once per interval, whichever node gets to it.
        await services.GetRequiredService<MetadataRefresh>().RefreshDueAsync(cancellationToken);
    }

    public Store Store { get; }
    public IReadOnlyList<string> Addresses { get; }
    public IServiceProvider Services => _app.Services;

    /// <summary>The SQLite file an instance uses under its data directory.</summary>
    public static string DatabasePath(string dataDirectory) => Path.Combine(dataDirectory, "instance.db");

    public static Task<Store> OpenStoreAsync(InstanceOptions options, CancellationToken cancellationToken = default) =>
        Store.OpenAsync(new StoreOptions
        {
            SqlitePath = string.IsNullOrWhiteSpace(options.PostgresConnectionString) ? DatabasePath(options.DataDirectory) : null,
            PostgresConnectionString = options.PostgresConnectionString,
            PasswordIterations = options.PasswordIterations,
            Time = options.Time,
        }, InstanceTables.All, cancellationToken);

    public static async Task<InstanceApp> StartAsync(InstanceOptions options, Action<ILoggingBuilder>? logging = null,
        CancellationToken cancellationToken = default)
    {
        var store = await OpenStoreAsync(options, cancellationToken);
        try
        {
            await Bootstrap.RunAsync(store, options, cancellationToken);
            var app = Build(options, store, logging);
            await app.StartAsync(cancellationToken);
            return new InstanceApp(app, store);
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    private static WebApplication Build(InstanceOptions options, Store store, Action<ILoggingBuilder>? logging)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            kestrel.Limits.MaxRequestLineSize = 64 * 1024;
            kestrel.Limits.MaxRequestBufferSize = 1024 * 1024;
        });
        builder.Logging.ClearProviders();
        if (logging is null)
        {
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            // A failure to start (an address in use) reaches the caller as an exception, which says it once and plainly.
            builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        }
        else logging(builder.Logging);

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(store);
        services.AddSingleton(options.Time);
        services.AddSingleton<SystemProperties>();
        services.AddSingleton<SystemLog>();
        services.AddSingleton<RoleResolver>();
        services.AddSingleton<TokenService>();
        services.AddSingleton<Authenticator>();
        services.AddSingleton<RateLimiter>();
        services.AddSingleton<BusinessRules>();
        services.AddSingleton<RestApi>();
        services.AddSingleton<TokenEndpoint>();
        services.AddSingleton<InstanceUrls>();
        services.AddSingleton<SsoRules>();
        services.AddSingleton<MetadataSource>();
        services.AddSingleton<MetadataCertificates>();
        services.AddSingleton<MetadataImport>();
        services.AddSingleton<MetadataRefresh>();
        services.AddSingleton<IdentityProviderDirectory>();
        services.AddSingleton<IIdentityProviderResolver>(sp => sp.GetRequiredService<IdentityProviderDirectory>());
        services.AddSingleton<StoreReplayCache>();
        services.AddSingleton<IReplayCache>(sp => sp.GetRequiredService<StoreReplayCache>());
        services.AddSingleton<StoreRequestTracker>();
        services.AddSingleton<IRequestTracker>(sp => sp.GetRequiredService<StoreRequestTracker>());
        services.AddSingleton<SsoUserResolver>();
        services.AddSingleton<UserSessions>();
        services.AddSingleton<LoginFormToken>();
        // The seam SAML sign-in plugs into; until then the pages say SAML is not available.
        services.AddSingleton<ServiceProviderKeys>();
        services.AddSingleton<SamlServiceProvider>();
        services.AddSingleton<ISamlServiceProvider>(provider => provider.GetRequiredService<SamlServiceProvider>());
        services.AddSingleton<SamlPages>();
        services.AddSingleton<LoginPages>();

        var app = builder.Build();
        var rest = app.Services.GetRequiredService<RestApi>();
        var token = app.Services.GetRequiredService<TokenEndpoint>();
        var pages = app.Services.GetRequiredService<LoginPages>();
        var samlPages = app.Services.GetRequiredService<SamlPages>();
        var errors = ActivatorUtilities.CreateInstance<ServerErrors>(app.Services);
        app.Use(errors.InvokeAsync);
        app.Use(async (context, next) =>
        {
            var path = context.Request.Path;
            if (path.StartsWithSegments("/api/now", StringComparison.Ordinal)) await rest.HandleAsync(context);
            else if (path.Equals("/oauth_token.do", StringComparison.Ordinal)) await token.HandleAsync(context);
            else if (LoginPages.Handles(path)) await pages.HandleAsync(context);
            else if (SamlPages.Handles(path)) await samlPages.HandleAsync(context);
            else await next(context);
        });
        app.Run(context => ApiResponse.WriteErrorAsync(context, new ApiError(StatusCodes.Status404NotFound,
            "Requested URI does not represent any resource", null)));
        return app;
    }

    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _housekeeping;
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Store.DisposeAsync();
        _stopping.Dispose();
    }
}
