using System.CommandLine;
using IdentityBridge.Tenant.Certificates;
using IdentityBridge.Tenant.Directory;
using IdentityBridge.Tenant.Hosting;
using IdentityBridge.Tenant.Import;
using IdentityBridge.Tenant.Tokens;
using Spectre.Console;

namespace IdentityBridge.Cli.Commands;

/// <summary>
/// <c>idbridge tenant</c>: runs the Entra-compatible tenant (Microsoft Graph v1.0 and the token endpoint over HTTPS),
/// and its admin verbs: <c>app create</c> (Graph clients), <c>app new|sso|show|assign|unassign|cert</c> (enterprise apps
/// and their single sign-on), <c>role assign</c>, <c>user password</c>, <c>import</c>, <c>generate</c>.
/// </summary>
internal static class TenantCommand
{
    private const string DefaultUrls = "https://127.0.0.1:5100";

    public static Command Create()
    {
        var urls = new Option<string>("--urls")
        {
            Description = "Addresses to listen on, separated by ';'. Microsoft's client libraries need https. Env: IDBRIDGE_TENANT_URLS.",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("IDBRIDGE_TENANT_URLS") ?? DefaultUrls,
        };
        var certificate = new Option<string?>("--certificate")
        {
            Description = "A PFX file to serve https with. Without it a self-signed certificate is made at first start and kept under --data.",
        };
        var certificatePassword = new Option<string?>("--certificate-password")
        {
            Description = "The password of the --certificate file. Env: IDBRIDGE_TENANT_CERTIFICATE_PASSWORD.",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("IDBRIDGE_TENANT_CERTIFICATE_PASSWORD"),
        };
        var store = Store();
        var command = new Command("tenant",
            "Run the Entra-compatible tenant: Microsoft Graph v1.0 (/v1.0/users, /groups, delta, servicePrincipals), " +
            "the OAuth 2.0 client-credentials token endpoint (/{tenantId}/oauth2/v2.0/token) and OpenID discovery, the SAML " +
            "identity provider (/{tenantId}/saml2, federation metadata), the sign-in page and My Apps (/myapps). " +
            "Register a Graph client with 'idbridge tenant app create'; set up single sign-on with 'idbridge tenant app new' and 'app sso'.");
        command.Options.Add(urls);
        command.Options.Add(certificate);
        command.Options.Add(certificatePassword);
        var budget = new Option<int?>("--request-budget")
        {
            Description = "Graph requests one application may make per 10 seconds before it gets 429 with Retry-After. Default: no limit.",
        };
        command.Options.Add(budget);
        store.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var data = parse.GetValue(store.Data)!;
            TenantCertificate served;
            try
            {
                served = TenantCertificate.LoadOrCreate(data, parse.GetValue(certificate), parse.GetValue(certificatePassword));
            }
            catch (Exception e) when (e is ArgumentException or IOException or System.Security.Cryptography.CryptographicException)
            {
                Console.Error.WriteLine(e.Message);
                return 2;
            }
            using var _ = served;
            if (parse.GetValue(budget) is <= 0)
            {
                Console.Error.WriteLine("--request-budget must be a positive number of requests.");
                return 2;
            }
            var options = Options(parse, store) with
            {
                Urls = parse.GetValue(urls)!,
                Certificate = served.Certificate,
                RequestBudget = parse.GetValue(budget),
            };
            TenantApp tenant;
            try
            {
                tenant = await TenantApp.StartAsync(options, cancellationToken: cancellationToken);
            }
            catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
            {
                Console.Error.WriteLine($"Cannot listen on {options.Urls}: the address is in use. Stop what runs there, or choose another address with --urls.");
                return 1;
            }
            await using var running = tenant;
            Console.WriteLine($"Tenant {tenant.TenantId} listening on {string.Join(", ", tenant.Addresses)}.");
            Console.WriteLine($"HTTPS certificate SHA-256 thumbprint: {served.Sha256Thumbprint}" +
                              (served.Generated ? $" (self-signed, kept at {served.Path})" : ""));
            foreach (var address in tenant.Addresses)
            {
                Console.WriteLine($"Token endpoint: {TokenEndpoints.TokenUrl(address.TrimEnd('/'), tenant.TenantId)}");
                Console.WriteLine($"SAML sign-on:   {address.TrimEnd('/')}/{tenant.TenantId}/saml2");
                Console.WriteLine($"My Apps:        {address.TrimEnd('/')}/myapps");
            }
            Console.WriteLine("Ctrl+C stops it.");
            await tenant.WaitForShutdownAsync(cancellationToken);
            Console.WriteLine("Tenant stopped.");
            return 0;
        });

        command.Subcommands.Add(AppCommand());
        command.Subcommands.Add(RoleCommand());
        command.Subcommands.Add(UserCommand());
        command.Subcommands.Add(ImportCommand());
        command.Subcommands.Add(GenerateCommand());
        return command;
    }

    internal static StoreOptionsBinding Store() => new("tenant", "IDBRIDGE_TENANT_");

    internal static TenantOptions Options(ParseResult parse, StoreOptionsBinding store) => new()
    {
        DataDirectory = parse.GetValue(store.Data)!,
        PostgresConnectionString = parse.GetValue(store.Postgres),
    };

    private static Command AppCommand()
    {
        var name = new Option<string>("--name") { Description = "The application's display name.", Required = true };
        var permissions = new Option<string>("--permissions")
        {
            Description = "Application permissions to grant, separated by commas: " + string.Join(", ", ApplicationPermissions.Known) + ".",
            DefaultValueFactory = _ => "User.Read.All,Group.Read.All",
        };
        var days = new Option<int>("--secret-days")
        {
            Description = "How long the client secret is valid, in days (at most 731).",
            DefaultValueFactory = _ => 180,
        };
        var store = Store();
        var create = new Command("create", "Register a client application with a secret and application permissions, and print its credentials once.");
        create.Options.Add(name);
        create.Options.Add(permissions);
        create.Options.Add(days);
        store.AddTo(create);
        create.SetAction(async (parse, cancellationToken) =>
        {
            var granted = parse.GetValue(permissions)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var lifetime = TimeSpan.FromDays(parse.GetValue(days));
            if (lifetime <= TimeSpan.Zero || lifetime > AppRegistrations.MaximumSecretLifetime)
            {
                Console.Error.WriteLine("--secret-days must be from 1 to 731.");
                return 2;
            }
            var options = Options(parse, store);
            var directory = await TenantApp.OpenDirectoryAsync(options, cancellationToken);
            await using var _ = directory.Store;
            ClientCredentials client;
            try
            {
                client = await new AppRegistrations(directory.Store, TimeProvider.System)
                    .CreateClientAsync(parse.GetValue(name)!, granted, lifetime, cancellationToken: cancellationToken);
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine(e.Message);
                return 2;
            }
            Console.WriteLine($"Tenant id:      {directory.TenantId}");
            Console.WriteLine($"Client id:      {client.Application.AppId}");
            Console.WriteLine($"Client secret:  {client.Secret.SecretText}");
            Console.WriteLine($"Expires:        {client.Secret.Credential.EndDateTime:yyyy-MM-dd}");
            Console.WriteLine($"Permissions:    {string.Join(", ", client.Application.Permissions)}");
            Console.WriteLine($"Token endpoint: {TokenEndpoints.TokenUrl(DefaultUrls, directory.TenantId)} (on the tenant's address)");
            Console.WriteLine("The secret is shown only this once; it is stored hashed.");
            return 0;
        });
        var app = new Command("app",
            "Manage applications: 'create' registers a client that calls the tenant's Graph API; 'new', 'sso', 'show', " +
            "'assign', 'unassign' and 'cert' manage enterprise apps and their SAML single sign-on.");
        app.Subcommands.Add(create);
        TenantAppCommands.AddTo(app);
        return app;
    }

    private static Command RoleCommand()
    {
        var user = new Option<string>("--user") { Description = "The user principal name of the user.", Required = true };
        var role = new Option<string>("--role")
        {
            Description = "The directory role, as the portal names it: " + string.Join(", ", IdentityBridge.Tenant.SignIn.DirectoryRoles.BuiltIn.Select(r => r.DisplayName)) + ".",
            Required = true,
        };
        var store = Store();
        var assign = new Command("assign", "Give a user a directory role tenant-wide; Application Administrators may use an app's Test action for anyone.");
        assign.Options.Add(user);
        assign.Options.Add(role);
        store.AddTo(assign);
        assign.SetAction((parse, cancellationToken) => TenantAppCommands.WithAppsAsync(parse, store, async (apps, _) =>
        {
            var given = await apps.AssignDirectoryRoleAsync(parse.GetValue(user)!, parse.GetValue(role)!, "idbridge", cancellationToken);
            if (!given.Succeeded) return TenantAppCommands.Fail(given.Problem!);
            Console.WriteLine($"{parse.GetValue(user)} holds the {given.Value!.DisplayName} role.");
            return 0;
        }, cancellationToken));
        var command = new Command("role", "Manage the directory roles users hold.");
        command.Subcommands.Add(assign);
        return command;
    }

    private static Command UserCommand()
    {
        var user = new Option<string>("--user") { Description = "The user principal name of the user.", Required = true };
        var fromStdin = new Option<bool>("--password-stdin")
        {
            Description = "Read the password from the first line of standard input (for scripts); without it, it is asked for without echo.",
        };
        var store = Store();
        var password = new Command("password",
            "Set a user's password for signing in to the tenant. It is read from standard input, never from the command line, and stored hashed.");
        password.Options.Add(user);
        password.Options.Add(fromStdin);
        store.AddTo(password);
        password.SetAction(async (parse, cancellationToken) =>
        {
            string? secret;
            if (parse.GetValue(fromStdin) || Console.IsInputRedirected) secret = await Console.In.ReadLineAsync(cancellationToken);
            else secret = AnsiConsole.Prompt(new TextPrompt<string>($"Password for {Markup.Escape(parse.GetValue(user)!)}:").Secret());
            if (string.IsNullOrEmpty(secret))
                return TenantAppCommands.Fail("No password was given: pipe it on standard input with --password-stdin, or type it when asked.");
            return await TenantAppCommands.WithAppsAsync(parse, store, async (apps, _) =>
            {
                var set = await apps.SetPasswordAsync(parse.GetValue(user)!, secret, "idbridge", cancellationToken);
                if (!set.Succeeded) return TenantAppCommands.Fail(set.Problem!);
                Console.WriteLine($"The password of {parse.GetValue(user)} is set.");
                return 0;
            }, cancellationToken);
        });
        var command = new Command("user", "Manage the tenant's users' sign-in.");
        command.Subcommands.Add(password);
        return command;
    }

    private static Command ImportCommand()
    {
        var file = new Argument<FileInfo>("file")
        {
            Description = "The admin center's \"Download users\" CSV, its bulk-create template (version:v1.0), or JSON in Graph's user shape.",
        };
        var store = Store();
        var command = new Command("import",
            "Import users into the tenant. Re-importing updates users by id or userPrincipalName; rejected rows are " +
            "reported with their line and reason while the rest are imported.");
        command.Arguments.Add(file);
        store.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                Console.Error.WriteLine($"No file at {path.FullName}.");
                return 2;
            }
            ImportBatch batch;
            using (var reader = new StreamReader(path.FullName))
                batch = UserFileReader.Read(reader);
            foreach (var note in batch.Notes) Console.WriteLine("note: " + note);

            var directory = await TenantApp.OpenDirectoryAsync(Options(parse, store), cancellationToken);
            await using var _ = directory.Store;
            var importer = new DirectoryImporter(directory);
            var problems = batch.Problems.ToList();
            int created = 0, updated = 0;
            await AnsiConsole.Progress().StartAsync(async progress =>
            {
                var task = progress.AddTask($"Importing {batch.Users.Count:N0} users ({batch.Format})", maxValue: Math.Max(1, batch.Users.Count));
                foreach (var user in batch.Users)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var (result, reason) = await importer.ImportAsync(user, cancellationToken);
                    if (result == ImportResult.Created) created++;
                    else if (result == ImportResult.Updated) updated++;
                    else problems.Add(new ImportProblem(user.Line, reason ?? "refused"));
                    task.Increment(1);
                }
            });
            foreach (var problem in problems.OrderBy(p => p.Line))
                Console.WriteLine($"line {problem.Line}: {problem.Reason}");
            Console.WriteLine($"{created} created, {updated} updated, {problems.Count} rejected.");
            return problems.Count == 0 ? 0 : 1;
        });
        return command;
    }

    private static Command GenerateCommand()
    {
        var users = new Option<int>("--users") { Description = "How many users.", DefaultValueFactory = _ => 1000 };
        var groups = new Option<int>("--groups") { Description = "How many groups.", DefaultValueFactory = _ => 50 };
        var seed = new Option<int>("--seed") { Description = "The same seed gives the same directory.", DefaultValueFactory = _ => 1 };
        var store = Store();
        var command = new Command("generate",
            "Fill the tenant with a deterministic, realistic directory: names with diacritics, departments, cities, " +
            "a manager tree, nested groups, guests (#EXT#) and some disabled accounts. Running it again with the same " +
            "seed updates the same objects, so an interrupted run resumes.");
        command.Options.Add(users);
        command.Options.Add(groups);
        command.Options.Add(seed);
        store.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var userCount = parse.GetValue(users);
            var groupCount = parse.GetValue(groups);
            if (userCount < 0 || groupCount < 0)
            {
                Console.Error.WriteLine("--users and --groups must not be negative.");
                return 2;
            }
            var directory = await TenantApp.OpenDirectoryAsync(Options(parse, store), cancellationToken);
            await using var _ = directory.Store;
            var domain = await DefaultDomainAsync(directory, cancellationToken);
            var generator = new DirectoryGenerator(parse.GetValue(seed), domain);
            var importer = new DirectoryImporter(directory, "generate");
            var rejected = 0;
            await AnsiConsole.Progress().StartAsync(async progress =>
            {
                var userTask = progress.AddTask($"Users @{domain}", maxValue: Math.Max(1, userCount));
                // New users go in batches of one transaction each; users already there are updated, so a re-run
                // (or a run after an interrupted one) ends with the same directory.
                foreach (var batch in generator.Users(userCount).Chunk(GenerateBatchSize))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var results = await importer.ImportManyAsync(batch, generator, cancellationToken: cancellationToken);
                    rejected += results.Count(r => r.Result == ImportResult.Rejected);
                    userTask.Increment(batch.Length);
                }
                var groupTask = progress.AddTask("Groups and members", maxValue: Math.Max(1, groupCount));
                foreach (var group in generator.Groups(groupCount, userCount))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    await WriteGroupAsync(directory, generator, group, cancellationToken);
                    groupTask.Increment(1);
                }
            });
            Console.WriteLine($"{userCount - rejected} users and {groupCount} groups in tenant {directory.TenantId} ({domain}); {rejected} rejected.");
            return rejected == 0 ? 0 : 1;
        });
        return command;
    }

    /// <summary>New users written per transaction by <c>tenant generate</c>.</summary>
    internal const int GenerateBatchSize = 1_000;

    internal static async Task<string> DefaultDomainAsync(TenantDirectory directory, CancellationToken cancellationToken)
    {
        var row = await directory.Store.FindAsync(DirectoryTables.Domain, "is_default", "true", cancellationToken);
        return row?["name"] ?? "idbridge.onmicrosoft.com";
    }

    private static async Task WriteGroupAsync(TenantDirectory directory, DirectoryGenerator generator, GeneratedGroup group,
        CancellationToken cancellationToken)
    {
        var sysId = GraphIds.ToSysId(group.Id);
        var values = new Dictionary<string, string?>
        {
            ["display_name"] = group.DisplayName,
            ["description"] = group.Description,
            ["mail_nickname"] = group.MailNickname,
            ["security_enabled"] = "true",
            ["mail_enabled"] = "false",
        };
        if (await directory.Store.GetAsync(DirectoryTables.Group, sysId, cancellationToken: cancellationToken) is null)
        {
            values["sys_id"] = sysId;
            await directory.CreateGroupAsync(values, "generate", cancellationToken);
        }
        else await directory.UpdateGroupAsync(sysId, values, "generate", cancellationToken);
        // Adding a member it already has is refused by the directory, so a second run changes nothing.
        foreach (var user in group.MemberUsers)
            await directory.AddMemberAsync(sysId, GraphIds.ToSysId(generator.IdFor("user", user)), "user", "generate", cancellationToken);
        foreach (var child in group.MemberGroups)
            await directory.AddMemberAsync(sysId, GraphIds.ToSysId(generator.IdFor("group", child)), "group", "generate", cancellationToken);
    }
}
