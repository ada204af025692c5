using System.CommandLine;
using System.Globalization;
using IdentityBridge.Tenant.Directory;
using IdentityBridge.Tenant.Graph;
using IdentityBridge.Tenant.Hosting;
using IdentityBridge.Tenant.Saml;
using Spectre.Console;

namespace IdentityBridge.Cli.Commands;

/// <summary>
/// <c>idbridge tenant app new|sso|show|assign|unassign|cert</c>: enterprise apps and their SAML single sign-on, the
/// portal's "Enterprise applications" blade on the command line. The work is <see cref="EnterpriseApps"/>'s; these
/// verbs read options and print. Bad input exits with 2 and a message that says what to give instead.
/// </summary>
internal static class TenantAppCommands
{
    private const string Actor = "idbridge";

    /// <summary>Adds the enterprise-app verbs to <c>tenant app</c>.</summary>
    public static void AddTo(Command app)
    {
        app.Subcommands.Add(NewCommand());
        app.Subcommands.Add(SsoCommand());
        app.Subcommands.Add(ShowCommand());
        app.Subcommands.Add(AssignCommand(assign: true));
        app.Subcommands.Add(AssignCommand(assign: false));
        app.Subcommands.Add(CertCommand());
    }

    internal static int Fail(string message)
    {
        Console.Error.WriteLine(message);
        return 2;
    }

    /// <summary>The tenant's address for printed URLs: the first of IDBRIDGE_TENANT_URLS, else the tenant's default.</summary>
    internal static Option<string> TenantUrlOption() => new("--tenant-url")
    {
        Description = "The tenant's address, for the URLs printed (Login URL, metadata). Env: first entry of IDBRIDGE_TENANT_URLS.",
        DefaultValueFactory = _ => (Environment.GetEnvironmentVariable("IDBRIDGE_TENANT_URLS") ?? "https://127.0.0.1:5100")
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "https://127.0.0.1:5100",
    };

    private static Option<string> AppOption() => new("--app")
    {
        Description = "The enterprise app: its application id, object id or display name.",
        Required = true,
    };

    /// <summary>Opens the tenant's store and the service over it, runs the verb and closes the store.</summary>
    internal static async Task<int> WithAppsAsync(ParseResult parse, StoreOptionsBinding store,
        Func<EnterpriseApps, TenantDirectory, Task<int>> run, CancellationToken cancellationToken)
    {
        var options = TenantCommand.Options(parse, store);
        var directory = await TenantApp.OpenDirectoryAsync(options, cancellationToken);
        await using var _ = directory.Store;
        EnterpriseApps apps;
        try
        {
            apps = EnterpriseApps.Open(directory, options.DataDirectory, TimeProvider.System);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or FormatException or UnauthorizedAccessException)
        {
            return Fail("The tenant's key cannot be read: " + e.Message);
        }
        return await run(apps, directory);
    }

    private static async Task<(SamlApplication? App, int ExitCode)> FindAsync(EnterpriseApps apps, string reference, CancellationToken cancellationToken)
    {
        var found = await apps.FindAsync(reference, cancellationToken);
        return found.Succeeded ? (found.Value, 0) : (null, Fail(found.Problem!));
    }

    private static bool ValidTenantUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp);

    private static Command NewCommand()
    {
        var name = new Option<string>("--name") { Description = "The app's display name.", Required = true };
        var appId = new Option<string?>("--app-id") { Description = "The application id (a GUID); a new one when left out." };
        var store = TenantCommand.Store();
        var command = new Command("new", "Create an enterprise app (a non-gallery application) and print its application id and object id.");
        command.Options.Add(name);
        command.Options.Add(appId);
        store.AddTo(command);
        command.SetAction((parse, cancellationToken) => WithAppsAsync(parse, store, async (apps, _) =>
        {
            var created = await apps.CreateAsync(parse.GetValue(name)!, parse.GetValue(appId), Actor, cancellationToken);
            if (!created.Succeeded) return Fail(created.Problem!);
            Console.WriteLine($"Application id: {created.Value!.AppId}");
            Console.WriteLine($"Object id:      {GraphIds.FromSysId(created.Value.ServicePrincipalSysId)}");
            Console.WriteLine($"Set up SAML with 'idbridge tenant app sso --app {created.Value.AppId} --mode saml --identifier <entity id> --reply-url <ACS URL>'.");
            return 0;
        }, cancellationToken));
        return command;
    }

    private static Command SsoCommand()
    {
        var app = AppOption();
        var mode = new Option<string?>("--mode") { Description = "Single sign-on mode: saml, password, oidc or notSupported. saml also creates the first signing certificate." };
        var identifiers = new Option<string[]>("--identifier") { Description = "An Identifier (entity id); repeat for more, the first is the default. Replaces the list." };
        var replyUrls = new Option<string[]>("--reply-url") { Description = "A Reply URL (ACS URL); repeat for more, the first is the default. Replaces the list." };
        var defaultReply = new Option<string?>("--default-reply-url") { Description = "Which Reply URL IdP-initiated sign-on posts to." };
        var signOn = new Option<string?>("--sign-on-url") { Description = "The Sign-on URL a tile opens (SP-initiated); \"\" clears it." };
        var relay = new Option<string?>("--relay-state") { Description = "RelayState posted with IdP-initiated responses; \"\" clears it." };
        var logout = new Option<string?>("--logout-url") { Description = "Where single logout messages go; \"\" clears it." };
        var nameIdSource = new Option<string?>("--name-id-source") { Description = "The user attribute the NameID carries, such as user.mail or user.userprincipalname." };
        var nameIdFormat = new Option<string?>("--name-id-format") { Description = "The NameID format URI, or 'default' for Entra's Default." };
        var claims = new Option<string[]>("--claim") { Description = "A claim as <name>=<source>, such as email=user.mail; repeat for more. Adds it or changes its source." };
        var removeClaims = new Option<string[]>("--remove-claim") { Description = "The name of a claim to stop issuing; repeat for more." };
        var groupClaims = new Option<string?>("--group-claims") { Description = "Groups in the groups claim: none, securityGroups, all or applicationGroups." };
        var roleClaims = new Option<bool?>("--role-claims") { Description = "Whether assigned app roles are issued in the role claim: true or false." };
        var signingOption = new Option<string?>("--signing-option") { Description = "What is signed: assertion, response or responseAndAssertion." };
        var signingAlgorithm = new Option<string?>("--signing-algorithm") { Description = "sha256, or sha1 for a service provider that cannot check anything else." };
        var assignmentRequired = new Option<bool?>("--assignment-required") { Description = "Whether only assigned users and groups may sign in: true or false." };
        var notify = new Option<string[]>("--notify") { Description = "An email address told before a certificate expires; repeat for more. Replaces the list." };
        var verificationCerts = new Option<string[]>("--verification-cert")
        {
            Description = "A PEM or .cer file with a public certificate the app signs its SAML requests with; repeat for more. Replaces the list; 'none' clears it.",
        };
        var requireVerification = new Option<bool?>("--require-verification") { Description = "Whether unsigned SAML requests are refused: true or false." };
        var allowSha1Requests = new Option<bool?>("--allow-sha1-requests") { Description = "Whether requests signed with RSA-SHA1 are accepted: true or false." };
        var tenantUrl = TenantUrlOption();
        var store = TenantCommand.Store();
        var command = new Command("sso", "Change an enterprise app's single sign-on settings. Only the options given change; the result is printed as 'show' prints it.");
        foreach (var option in new Option[]
                 {
                     app, mode, identifiers, replyUrls, defaultReply, signOn, relay, logout, nameIdSource, nameIdFormat, claims, removeClaims,
                     groupClaims, roleClaims, signingOption, signingAlgorithm, assignmentRequired, notify, verificationCerts,
                     requireVerification, allowSha1Requests, tenantUrl,
                 })
            command.Options.Add(option);
        store.AddTo(command);
        command.SetAction((parse, cancellationToken) =>
        {
            if (!ValidTenantUrl(parse.GetValue(tenantUrl)!)) return Task.FromResult(Fail("--tenant-url must be an http or https address such as https://127.0.0.1:5100."));
            var setClaims = new List<SamlClaim>();
            foreach (var text in parse.GetValue(claims) ?? [])
            {
                var at = text.IndexOf('=', StringComparison.Ordinal);
                if (at <= 0 || at == text.Length - 1)
                    return Task.FromResult(Fail($"--claim '{text}' is not <name>=<source>; write it as email=user.mail."));
                setClaims.Add(new SamlClaim(text[..at].Trim(), text[(at + 1)..].Trim()));
            }
            IReadOnlyList<string>? Given(Option<string[]> option) => parse.GetResult(option) is null ? null : parse.GetValue(option) ?? [];
            var (certificates, certificateProblem) = ReadCertificateFiles(Given(verificationCerts));
            if (certificateProblem is not null) return Task.FromResult(Fail(certificateProblem));
            var change = new SingleSignOnChange
            {
                Mode = parse.GetValue(mode),
                Identifiers = Given(identifiers),
                ReplyUrls = Given(replyUrls),
                DefaultReplyUrl = parse.GetValue(defaultReply),
                SignOnUrl = parse.GetValue(signOn),
                RelayState = parse.GetValue(relay),
                LogoutUrl = parse.GetValue(logout),
                NameIdSource = parse.GetValue(nameIdSource),
                NameIdFormat = parse.GetValue(nameIdFormat),
                SetClaims = setClaims,
                RemoveClaims = parse.GetValue(removeClaims) ?? [],
                GroupClaims = parse.GetValue(groupClaims),
                RoleClaims = parse.GetValue(roleClaims),
                SigningOption = parse.GetValue(signingOption),
                SigningAlgorithm = parse.GetValue(signingAlgorithm),
                AssignmentRequired = parse.GetValue(assignmentRequired),
                NotificationEmailAddresses = Given(notify),
                VerificationCertificates = certificates,
                RequireVerificationCertificates = parse.GetValue(requireVerification),
                AllowSha1RequestSignatures = parse.GetValue(allowSha1Requests),
            };
            return WithAppsAsync(parse, store, async (apps, directory) =>
            {
                var (found, exit) = await FindAsync(apps, parse.GetValue(app)!, cancellationToken);
                if (found is null) return exit;
                var changed = await apps.ChangeSingleSignOnAsync(found, change, Actor, cancellationToken);
                if (!changed.Succeeded) return Fail(changed.Problem!);
                await PrintAsync(apps, changed.Value!, parse.GetValue(tenantUrl)!, directory.TenantId, cancellationToken);
                return 0;
            }, cancellationToken);
        });
        return command;
    }

    /// <summary>The text of each certificate file (PEM, or a DER .cer as base64); 'none' alone is the empty list.</summary>
    private static (IReadOnlyList<string>? Certificates, string? Problem) ReadCertificateFiles(IReadOnlyList<string>? paths)
    {
        if (paths is null) return (null, null);
        if (paths.Count == 1 && paths[0].Equals("none", StringComparison.OrdinalIgnoreCase)) return ([], null);
        var certificates = new List<string>();
        foreach (var path in paths)
        {
            try
            {
                var info = new FileInfo(path);
                if (!info.Exists) return (null, $"--verification-cert: the file '{path}' does not exist; give the path of a PEM or .cer certificate file.");
                if (info.Length > 64 * 1024) return (null, $"--verification-cert: '{path}' is {info.Length} bytes, too large for a certificate.");
                var bytes = File.ReadAllBytes(path);
                var text = System.Text.Encoding.UTF8.GetString(bytes);
                // A binary DER file starts with a SEQUENCE tag; text files are PEM or base64.
                certificates.Add(bytes.Length > 0 && bytes[0] == 0x30 ? Convert.ToBase64String(bytes) : text);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                return (null, $"--verification-cert: '{path}' cannot be read: {e.Message}");
            }
        }
        return (certificates, null);
    }

    private static Command ShowCommand()
    {
        var app = AppOption();
        var tenantUrl = TenantUrlOption();
        var store = TenantCommand.Store();
        var command = new Command("show",
            "Print an enterprise app's single sign-on settings, the Login URL, Entra Identifier and App Federation Metadata Url to give the " +
            "service provider, and its signing certificates.");
        command.Options.Add(app);
        command.Options.Add(tenantUrl);
        store.AddTo(command);
        command.SetAction((parse, cancellationToken) =>
        {
            if (!ValidTenantUrl(parse.GetValue(tenantUrl)!)) return Task.FromResult(Fail("--tenant-url must be an http or https address such as https://127.0.0.1:5100."));
            return WithAppsAsync(parse, store, async (apps, directory) =>
            {
                var (found, exit) = await FindAsync(apps, parse.GetValue(app)!, cancellationToken);
                if (found is null) return exit;
                await PrintAsync(apps, found, parse.GetValue(tenantUrl)!, directory.TenantId, cancellationToken);
                return 0;
            }, cancellationToken);
        });
        return command;
    }

    private static async Task PrintAsync(EnterpriseApps apps, SamlApplication app, string tenantUrl, string tenantId, CancellationToken cancellationToken)
    {
        var endpoints = EnterpriseApps.EndpointsOf(app, tenantUrl, tenantId);
        var settings = app.Settings;
        var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(app.DisplayName)).AddColumn("Setting").AddColumn("Value");
        void Row(string name, string? value) => table.AddRow(Markup.Escape(name), Markup.Escape(string.IsNullOrEmpty(value) ? "-" : value));
        Row("Application id", app.AppId);
        Row("Object id", GraphIds.FromSysId(app.ServicePrincipalSysId));
        Row("Single sign-on mode", app.PreferredSingleSignOnMode);
        Row("Assignment required", app.AssignmentRequired ? "yes" : "no");
        Row("Identifiers", string.Join(Environment.NewLine, app.Identifiers.Select((id, i) => i == 0 ? id + " (default)" : id)));
        Row("Reply URLs", string.Join(Environment.NewLine, app.ReplyUrls.OrderBy(r => r.Index)
            .Select(r => $"{r.Index}: {r.Uri}" + (r == app.DefaultReplyUrl ? " (default)" : ""))));
        Row("Sign-on URL", app.SignOnUrl);
        Row("Relay State", settings.RelayState);
        Row("Logout URL", app.LogoutUrl);
        Row("NameID", $"{settings.NameIdSource} ({settings.NameIdFormat ?? "Default format"})");
        Row("Claims", string.Join(Environment.NewLine, settings.Claims.Select(c => $"{c.Name} = {c.Source}")));
        Row("Group claims", SingleSignOnJson.Wire(settings.GroupClaims));
        Row("Role claims", settings.RoleClaims ? "yes" : "no");
        Row("Signing", $"{SingleSignOnJson.Wire(settings.SigningOption)}, {settings.SigningAlgorithm}");
        Row("Notification emails", string.Join(", ", app.NotificationEmailAddresses));
        Row("Verification certificates", string.Join(Environment.NewLine, VerificationCertificates.Describe(settings)
            .Select(c => $"{c.Thumbprint} (expires {c.EndDateTime.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)})")));
        Row("Require verification", settings.RequireVerificationCertificates ? "yes" : "no");
        Row("Allow RSA-SHA1 requests", settings.AllowSha1RequestSignatures ? "yes" : "no");
        Row("Login URL", endpoints.LoginUrl);
        Row("Logout URL (IdP)", endpoints.LogoutUrl);
        Row("Entra Identifier", endpoints.Issuer);
        Row("App Federation Metadata Url", endpoints.MetadataUrl);
        AnsiConsole.Write(table);
        PrintCertificates(await apps.CertificatesOfAsync(app, cancellationToken));
    }

    private static void PrintCertificates(IReadOnlyList<TokenSigningCertificate> certificates)
    {
        if (certificates.Count == 0)
        {
            Console.WriteLine("No signing certificate: 'idbridge tenant app cert add' or '--mode saml' creates one.");
            return;
        }
        var now = DateTimeOffset.UtcNow;
        var table = new Table().Border(TableBorder.Rounded).Title("SAML signing certificates")
            .AddColumn("Thumbprint").AddColumn("Active").AddColumn("Expires").AddColumn(new TableColumn("Days left").RightAligned());
        foreach (var certificate in certificates)
            table.AddRow(certificate.Thumbprint, certificate.Active ? "yes" : "no",
                certificate.EndDateTime.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture),
                Math.Max(0, (int)Math.Floor((certificate.EndDateTime - now).TotalDays)).ToString(CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
    }

    private static Command AssignCommand(bool assign)
    {
        var app = AppOption();
        var user = new Option<string?>("--user") { Description = "The user principal name of the user." };
        var group = new Option<string?>("--group") { Description = "The display name of the group (its direct members get access)." };
        var role = new Option<string?>("--role") { Description = "The app role id; the default access role when left out." };
        var store = TenantCommand.Store();
        var command = assign
            ? new Command("assign", "Assign a user or group to an enterprise app, so they may sign in and see its tile in My Apps.")
            : new Command("unassign", "Remove a user's or group's assignment to an enterprise app.");
        command.Options.Add(app);
        command.Options.Add(user);
        command.Options.Add(group);
        command.Options.Add(role);
        store.AddTo(command);
        command.SetAction((parse, cancellationToken) => WithAppsAsync(parse, store, async (apps, _) =>
        {
            var (found, exit) = await FindAsync(apps, parse.GetValue(app)!, cancellationToken);
            if (found is null) return exit;
            if (assign)
            {
                var assigned = await apps.AssignAsync(found, parse.GetValue(user), parse.GetValue(group), parse.GetValue(role), Actor, cancellationToken);
                if (!assigned.Succeeded) return Fail(assigned.Problem!);
                Console.WriteLine($"{assigned.Value!["principal_display_name"]} ({assigned.Value["principal_type"]}) is assigned to {found.DisplayName}.");
                return 0;
            }
            var removed = await apps.UnassignAsync(found, parse.GetValue(user), parse.GetValue(group), parse.GetValue(role), cancellationToken);
            if (!removed.Succeeded) return Fail(removed.Problem!);
            Console.WriteLine($"{removed.Value} assignment(s) to {found.DisplayName} removed.");
            return 0;
        }, cancellationToken));
        return command;
    }

    private static Command CertCommand()
    {
        var cert = new Command("cert", "List, add, activate and delete an enterprise app's SAML signing certificates.");

        var listApp = AppOption();
        var listStore = TenantCommand.Store();
        var list = new Command("list", "List the app's signing certificates, the active one first.");
        list.Options.Add(listApp);
        listStore.AddTo(list);
        list.SetAction((parse, cancellationToken) => WithAppsAsync(parse, listStore, async (apps, _) =>
        {
            var (found, exit) = await FindAsync(apps, parse.GetValue(listApp)!, cancellationToken);
            if (found is null) return exit;
            PrintCertificates(await apps.CertificatesOfAsync(found, cancellationToken));
            return 0;
        }, cancellationToken));

        var addApp = AppOption();
        var years = new Option<int>("--years")
        {
            Description = $"How long the certificate is valid, in years (1 to {TokenSigningCertificates.MaxValidityYears}).",
            DefaultValueFactory = _ => TokenSigningCertificates.MaxValidityYears,
        };
        var addStore = TenantCommand.Store();
        var add = new Command("add", "Create a new signing certificate. The first one is active; later ones wait for 'cert activate', so the service provider can import them first.");
        add.Options.Add(addApp);
        add.Options.Add(years);
        addStore.AddTo(add);
        add.SetAction((parse, cancellationToken) => WithAppsAsync(parse, addStore, async (apps, _) =>
        {
            var (found, exit) = await FindAsync(apps, parse.GetValue(addApp)!, cancellationToken);
            if (found is null) return exit;
            var added = await apps.AddCertificateAsync(found, parse.GetValue(years), Actor, cancellationToken);
            if (!added.Succeeded) return Fail(added.Problem!);
            Console.WriteLine($"Certificate {added.Value!.Thumbprint} added ({(added.Value.Active ? "active" : "inactive: activate it with 'cert activate'")}), " +
                              $"valid until {added.Value.EndDateTime.UtcDateTime:yyyy-MM-dd}.");
            return 0;
        }, cancellationToken));

        var activateApp = AppOption();
        var thumbprint = new Option<string>("--thumbprint") { Description = "The thumbprint of the certificate to sign with.", Required = true };
        var activateStore = TenantCommand.Store();
        var activate = new Command("activate", "Make a certificate the one that signs; the others become inactive (rollover).");
        activate.Options.Add(activateApp);
        activate.Options.Add(thumbprint);
        activateStore.AddTo(activate);
        activate.SetAction((parse, cancellationToken) => WithAppsAsync(parse, activateStore, async (apps, _) =>
        {
            var (found, exit) = await FindAsync(apps, parse.GetValue(activateApp)!, cancellationToken);
            if (found is null) return exit;
            var activated = await apps.ActivateCertificateAsync(found, parse.GetValue(thumbprint)!, Actor, cancellationToken);
            if (!activated.Succeeded) return Fail(activated.Problem!);
            Console.WriteLine($"Certificate {activated.Value!.Thumbprint} now signs for {found.DisplayName}.");
            return 0;
        }, cancellationToken));

        var deleteApp = AppOption();
        var deleteThumbprint = new Option<string>("--thumbprint") { Description = "The thumbprint of the inactive certificate to delete.", Required = true };
        var deleteStore = TenantCommand.Store();
        var delete = new Command("delete", "Delete an inactive certificate (the last step of a rollover): the app's federation metadata stops listing it, " +
                                           "so the service provider stops trusting it at its next metadata refresh.");
        delete.Options.Add(deleteApp);
        delete.Options.Add(deleteThumbprint);
        deleteStore.AddTo(delete);
        delete.SetAction((parse, cancellationToken) => WithAppsAsync(parse, deleteStore, async (apps, _) =>
        {
            var (found, exit) = await FindAsync(apps, parse.GetValue(deleteApp)!, cancellationToken);
            if (found is null) return exit;
            var deleted = await apps.DeleteCertificateAsync(found, parse.GetValue(deleteThumbprint)!, Actor, cancellationToken);
            if (!deleted.Succeeded) return Fail(deleted.Problem!);
            Console.WriteLine($"Certificate {deleted.Value!.Thumbprint} deleted from {found.DisplayName}; its federation metadata no longer lists it.");
            return 0;
        }, cancellationToken));

        cert.Subcommands.Add(list);
        cert.Subcommands.Add(add);
        cert.Subcommands.Add(activate);
        cert.Subcommands.Add(delete);
        return cert;
    }
}
