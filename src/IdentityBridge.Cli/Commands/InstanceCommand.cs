using System.CommandLine;
using IdentityBridge.Instance.Hosting;

namespace IdentityBridge.Cli.Commands;

internal static class InstanceCommand
{
    public static Command Create()
    {
        var urls = new Option<string>("--urls")
        {
            Description = "Addresses to listen on, separated by ';'. Env: IDBRIDGE_URLS.",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("IDBRIDGE_URLS") ?? "http://127.0.0.1:5200",
        };
        var publicUrl = new Option<string?>("--public-url")
        {
            HelpName = "url",
            Description = "The instance's address as browsers and identity providers reach it (the SAML entity id and the " +
                          "reply URLs /navpage.do and /consumer.do derive from it), e.g. https://instance.example.com. " +
                          "Default: the first --urls address. Env: IDBRIDGE_PUBLIC_URL.",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("IDBRIDGE_PUBLIC_URL"),
        };
        publicUrl.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { Length: > 0 } value &&
                (!Uri.TryCreate(value, UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http") || url.Query.Length > 0))
                result.AddError($"--public-url '{value}' is not an absolute http(s) address without a query, such as https://instance.example.com.");
        });
        var store = new StoreOptionsBinding();
        var command = new Command("instance",
            "Run the ServiceNow-compatible instance: the REST Table API (/api/now/table), the Aggregate API " +
            "(/api/now/stats), OAuth (/oauth_token.do), the login pages and SAML single sign-on (Multi-Provider SSO: " +
            "/login_with_sso.do, the ACS at /navpage.do and /consumer.do). On first start it creates the user 'admin' " +
            "with the password from IDBRIDGE_ADMIN_PASSWORD, or a generated one that it prints once.");
        command.Options.Add(urls);
        command.Options.Add(publicUrl);
        store.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new InstanceOptions
            {
                Urls = parse.GetValue(urls)!,
                PublicBaseUrl = parse.GetValue(publicUrl)?.TrimEnd('/'),
                DataDirectory = parse.GetValue(store.Data)!,
                PostgresConnectionString = parse.GetValue(store.Postgres),
                AdminPassword = Environment.GetEnvironmentVariable("IDBRIDGE_ADMIN_PASSWORD"),
            };
            InstanceApp instance;
            try
            {
                instance = await InstanceApp.StartAsync(options, cancellationToken: cancellationToken);
            }
            catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
            {
                Console.Error.WriteLine($"Cannot listen on {options.Urls}: the address is in use. Stop what runs there, or choose another address with --urls.");
                return 1;
            }
            await using var running = instance;
            Console.WriteLine($"Instance listening on {string.Join(", ", instance.Addresses)} " +
                              $"({(options.PostgresConnectionString is null ? "SQLite " + InstanceApp.DatabasePath(options.DataDirectory) : "PostgreSQL")}). Ctrl+C stops it.");
            await instance.WaitForShutdownAsync(cancellationToken);
            Console.WriteLine("Instance stopped.");
            return 0;
        });
        return command;
    }
}
