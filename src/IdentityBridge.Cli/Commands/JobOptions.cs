using System.CommandLine;
using System.Text.Json;
using IdentityBridge.Provisioning.Hosting;
using IdentityBridge.Provisioning.Jobs;
using IdentityBridge.Provisioning.Source;

namespace IdentityBridge.Cli.Commands;

/// <summary>
/// The options of <c>job create</c> and <c>job update</c>: where the directory and the instance are, the
/// credentials, the schema and Entra's settings. <c>create</c> starts from Entra's defaults; <c>update</c> changes
/// only the options given.
/// </summary>
internal sealed class JobOptions
{
    public const string SourceSecretVariable = "IDBRIDGE_SOURCE_CLIENT_SECRET";
    public const string InstancePasswordVariable = "IDBRIDGE_INSTANCE_PASSWORD";
    public const string InstanceSecretVariable = "IDBRIDGE_INSTANCE_CLIENT_SECRET";

    private readonly bool _create;

    public JobOptions(bool create)
    {
        _create = create;
        Name = new Option<string?>("--name")
        {
            Description = create ? "The job's name, unique in the store (used by every other verb)." : "A new name for the job.",
            Required = create,
        };
        GraphUrl = new Option<string?>("--graph-url")
        {
            Description = "Microsoft Graph with its version: https://graph.microsoft.com/v1.0, or an IdentityBridge tenant's https://host:port/v1.0.",
            Required = create,
        };
        Authority = new Option<string?>("--authority")
        {
            Description = "The token endpoint's host when it is not the Graph host: https://login.microsoftonline.com for Microsoft's Graph (the default there).",
        };
        TenantId = new Option<string?>("--tenant-id") { Description = "The directory (tenant) id, a GUID.", Required = create };
        ClientId = new Option<string?>("--client-id")
        {
            Description = "The app registration that reads the directory (needs User.Read.All, Group.Read.All, Application.Read.All).",
            Required = create,
        };
        ClientSecret = Secret("--client-secret", SourceSecretVariable, "The app registration's client secret");
        CertificateSha256 = new Option<string?>("--tenant-certificate-sha256")
        {
            Description = "Pin the directory's HTTPS certificate by its SHA-256 thumbprint (hex), for a tenant with a self-signed certificate.",
        };
        InstanceUrl = new Option<string?>("--instance-url")
        {
            Description = "The ServiceNow instance, such as https://dev12345.service-now.com (http only on loopback).",
            Required = create,
        };
        InstanceUser = new Option<string?>("--instance-user")
        {
            Description = "The instance account the job writes as (Entra's 'Admin Username'); with OAuth, the account of the password grant.",
        };
        InstancePassword = Secret("--instance-password", InstancePasswordVariable, "The instance account's password");
        OAuthClientId = new Option<string?>("--oauth-client-id")
        {
            Description = "Sign in to the instance with OAuth (oauth_token.do) as this client instead of Basic authentication.",
        };
        OAuthClientSecret = Secret("--oauth-client-secret", InstanceSecretVariable, "The instance OAuth client's secret");
        Schema = new Option<string?>("--schema")
        {
            Description = "A synchronization schema in Graph's JSON (see `idbridge schema default servicenow`)" +
                          (create ? "; the shipped ServiceNow default without it." : "; 'default' goes back to the shipped ServiceNow schema."),
        };
        Scope = new Option<string?>("--scope")
        {
            Description = "Who is provisioned: 'assigned' (Entra's default, \"Sync only assigned users and groups\", needs --app) or 'all' (\"Sync all users and groups\").",
        };
        App = new Option<string?>("--app")
        {
            Description = "The enterprise app whose assignments define scope: its service principal id, its appId or its display name (looked up in the directory).",
        };
        SkipOutOfScopeDeletions = new Option<bool?>("--skip-out-of-scope-deletions")
        {
            Description = "Entra's SkipOutOfScopeDeletions: users leaving scope are not disabled in the instance.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        DeletionThreshold = new Option<int?>("--deletion-threshold")
        {
            Description = "Entra's accidental-deletion threshold (QuarantineTooManyDeletesThreshold): more disables and deletes than this in one cycle are held back. Default 500; 0 turns the guard off.",
        };
        LogRetentionDays = new Option<int?>("--log-retention-days")
        {
            Description = "How many days provisioning log entries are kept (the worker deletes older ones). Default 30, as Entra keeps them.",
        };
        Interval = new Option<string?>("--interval")
        {
            Description = "Time between cycles of the worker: 40m (Entra's), 10s, 1h, PT40M, or 'continuous' to poll the directory for changes.",
        };
        PollInterval = new Option<string?>("--poll-interval")
        {
            Description = "With --interval continuous, how often the directory is asked for changes (default 2s).",
        };
        FlattenNestedGroups = new Option<bool?>("--flatten-nested-groups")
        {
            Description = "Members of groups nested in an assigned group are in scope too (Entra takes direct members only).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        MatchingFilter = new Option<string[]>("--matching-filter")
        {
            Description = "table=encodedquery: narrows matching on that table, e.g. sys_user=active=true so a rehire does not meet their old record. Repeatable; 'table=' removes one.",
            AllowMultipleArgumentsPerToken = false,
        };
        CreateMissingReferences = new Option<bool?>("--create-missing-references")
        {
            Description = "Create a department, location or company that has no record in the instance, instead of failing the user with InvalidLookupReference (Entra's behaviour).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        ReferenceMap = new Option<string?>("--reference-map")
        {
            Description = "A JSON file translating directory values to the instance's display values before the lookup, per table: {\"cmn_location\": {\"LA\": \"Los Angeles\"}}.",
        };
        MaxConcurrency = new Option<int?>("--max-concurrency") { Description = "Most requests in flight to the instance at once, 1 to 64 (default 8)." };
        MaxRate = new Option<double?>("--max-rate") { Description = "Most requests per second to the instance; no cap without it." };
    }

    public Option<string?> Name { get; }
    public Option<string?> GraphUrl { get; }
    public Option<string?> Authority { get; }
    public Option<string?> TenantId { get; }
    public Option<string?> ClientId { get; }
    public Option<string?> ClientSecret { get; }
    public Option<string?> CertificateSha256 { get; }
    public Option<string?> InstanceUrl { get; }
    public Option<string?> InstanceUser { get; }
    public Option<string?> InstancePassword { get; }
    public Option<string?> OAuthClientId { get; }
    public Option<string?> OAuthClientSecret { get; }
    public Option<string?> Schema { get; }
    public Option<string?> Scope { get; }
    public Option<string?> App { get; }
    public Option<bool?> SkipOutOfScopeDeletions { get; }
    public Option<int?> DeletionThreshold { get; }
    public Option<int?> LogRetentionDays { get; }
    public Option<string?> Interval { get; }
    public Option<string?> PollInterval { get; }
    public Option<bool?> FlattenNestedGroups { get; }
    public Option<string[]> MatchingFilter { get; }
    public Option<bool?> CreateMissingReferences { get; }
    public Option<string?> ReferenceMap { get; }
    public Option<int?> MaxConcurrency { get; }
    public Option<double?> MaxRate { get; }

    private IEnumerable<Option> All =>
    [
        Name, GraphUrl, Authority, TenantId, ClientId, ClientSecret, CertificateSha256, InstanceUrl, InstanceUser, InstancePassword,
        OAuthClientId, OAuthClientSecret, Schema, Scope, App, SkipOutOfScopeDeletions, DeletionThreshold, LogRetentionDays, Interval, PollInterval,
        FlattenNestedGroups, MatchingFilter, CreateMissingReferences, ReferenceMap, MaxConcurrency, MaxRate,
    ];

    public void AddTo(Command command)
    {
        foreach (var option in All) command.Options.Add(option);
    }

    /// <summary>Whether any option was given (an update without any changes nothing).</summary>
    public bool AnyGiven(ParseResult parse) => All.Any(o => Given(parse, o));

    /// <summary>
    /// Secrets travel best in environment variables, which other users cannot read from the process list. The option
    /// takes the secret itself, or nothing to read its variable (useful with <c>job update</c>).
    /// </summary>
    private static Option<string?> Secret(string name, string variable, string what) => new(name)
    {
        Description = $"{what}. Prefer the environment variable {variable}: a value on the command line shows in the process list. " +
                      $"Given without a value, it is read from {variable}.",
        Arity = ArgumentArity.ZeroOrOne,
    };

    private static bool Given(ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };

    /// <summary>The secret given on the command line, or read from its variable when the option has no value (or, on create, is absent).</summary>
    private string? SecretValue(ParseResult parse, Option<string?> option, string variable)
    {
        if (parse.GetResult(option) is { Implicit: false } result)
        {
            if (result.Tokens.Count > 0) return parse.GetValue(option);
            return Environment.GetEnvironmentVariable(variable) is { Length: > 0 } fromVariable
                ? fromVariable
                : throw new CliFailure($"{option.Name} was given without a value and {variable} is not set; set the variable (or give the value).");
        }
        return _create ? Environment.GetEnvironmentVariable(variable) : null;
    }

    /// <summary>
    /// The definition the options describe: from Entra's defaults on create, from <paramref name="current"/> on
    /// update with only the given options changed. <paramref name="notes"/> collects what the user should know
    /// (a restart that is needed).
    /// </summary>
    public async Task<JobDefinition> ApplyAsync(ParseResult parse, JobDefinition? current, List<string> notes, CancellationToken cancellationToken)
    {
        var source = current?.Source ?? new JobSource { GraphUrl = "", TenantId = "", ClientId = "" };
        var target = current?.Target ?? new JobTarget { InstanceUrl = "" };
        var settings = current?.Settings ?? new JobSettings();
        string? Text(Option<string?> option) => parse.GetValue(option)?.Trim();

        if (Given(parse, GraphUrl)) source = source with { GraphUrl = Text(GraphUrl) ?? "" };
        if (Given(parse, Authority)) source = source with { Authority = NullIfEmpty(Text(Authority)) };
        if (Given(parse, TenantId)) source = source with { TenantId = Text(TenantId) ?? "" };
        if (Given(parse, ClientId)) source = source with { ClientId = Text(ClientId) ?? "" };
        if (SecretValue(parse, ClientSecret, SourceSecretVariable) is { } clientSecret) source = source with { ClientSecret = clientSecret };
        if (Given(parse, CertificateSha256)) source = source with { CertificateSha256 = NullIfEmpty(Text(CertificateSha256)) };

        if (Given(parse, InstanceUrl)) target = target with { InstanceUrl = Text(InstanceUrl)?.TrimEnd('/') ?? "" };
        if (Given(parse, InstanceUser)) target = target with { UserName = NullIfEmpty(Text(InstanceUser)) };
        if (SecretValue(parse, InstancePassword, InstancePasswordVariable) is { } password) target = target with { Password = password };
        if (Given(parse, OAuthClientId))
        {
            var oauth = NullIfEmpty(Text(OAuthClientId));
            target = target with { ClientId = oauth, Authentication = oauth is null ? "basic" : "oauth" };
        }
        if (SecretValue(parse, OAuthClientSecret, InstanceSecretVariable) is { } oauthSecret) target = target with { ClientSecret = oauthSecret };
        if (Given(parse, MaxConcurrency)) target = target with { MaxConcurrency = parse.GetValue(MaxConcurrency) ?? 8 };
        if (Given(parse, MaxRate))
        {
            var rate = parse.GetValue(MaxRate);
            if (rate is <= 0 || rate is { } r && (double.IsNaN(r) || double.IsInfinity(r)))
                throw new CliFailure("--max-rate must be a number of requests per second above 0 (leave it out for no cap).");
            target = target with { MaxRequestsPerSecond = rate };
        }

        var schema = current?.Schema;
        if (Given(parse, Schema))
        {
            schema = await ReadSchemaAsync(Text(Schema) ?? "", cancellationToken);
            if (current is not null && schema != current.Schema)
                notes.Add("The schema changed. Entra restarts a job when its mappings change: run `idbridge job restart <job>` so that the next cycle is a full one and every object is evaluated with the new mappings.");
        }

        if (Given(parse, Scope))
        {
            var scope = ParseScope(Text(Scope) ?? "");
            if (current is not null && scope != current.Settings.Scope)
                notes.Add("The scope changed. Run `idbridge job restart <job>` so that the next cycle is a full one and evaluates every object against the new scope, as Entra does.");
            settings = settings with { Scope = scope };
        }
        if (GivenBool(parse, SkipOutOfScopeDeletions) is { } skip) settings = settings with { SkipOutOfScopeDeletions = skip };
        if (Given(parse, DeletionThreshold))
        {
            var threshold = parse.GetValue(DeletionThreshold) ?? 500;
            if (threshold < 0) throw new CliFailure("--deletion-threshold must be 0 (no guard) or more.");
            settings = settings with { DeletionThreshold = threshold };
        }
        if (Given(parse, LogRetentionDays))
        {
            var days = parse.GetValue(LogRetentionDays) ?? 30;
            if (days is < 1 or > 3650) throw new CliFailure("--log-retention-days must be from 1 to 3650.");
            settings = settings with { LogRetentionDays = days };
        }
        if (Given(parse, Interval)) settings = settings with { Interval = ParseInterval(Text(Interval) ?? "") };
        if (Given(parse, PollInterval))
        {
            var text = Text(PollInterval) ?? "";
            settings = settings with
            {
                PollInterval = ProvisioningBinding.ParseDuration(text)
                               ?? throw new CliFailure($"--poll-interval '{text}' is not a duration; give one such as 2s, 500ms or 1m."),
            };
        }
        if (GivenBool(parse, FlattenNestedGroups) is { } flatten) settings = settings with { FlattenNestedGroups = flatten };
        if (Given(parse, MatchingFilter))
        {
            var filters = new Dictionary<string, string>(settings.MatchingFilters, StringComparer.OrdinalIgnoreCase);
            foreach (var text in parse.GetValue(MatchingFilter) ?? [])
            {
                var equals = text.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                    throw new CliFailure($"--matching-filter '{text}' is not table=encodedquery; give one such as sys_user=active=true.");
                var table = text[..equals].Trim();
                var query = text[(equals + 1)..].Trim();
                if (query.Length == 0) filters.Remove(table);
                else filters[table] = query;
            }
            settings = settings with { MatchingFilters = filters };
        }
        if (GivenBool(parse, CreateMissingReferences) is { } createReferences)
            settings = settings with { MissingReferences = createReferences ? MissingReferencePolicy.Create : MissingReferencePolicy.Fail };
        if (Given(parse, ReferenceMap)) settings = settings with { ReferenceMap = await ReadReferenceMapAsync(Text(ReferenceMap) ?? "", cancellationToken) };

        JobDefinition Build(JobSettings chosen) => new()
        {
            Name = Given(parse, Name) ? Text(Name) ?? "" : current?.Name ?? "",
            Source = source,
            Target = target,
            Schema = schema,
            Settings = chosen,
        };

        // The app is looked up last, over the network, once every value that can be checked here is good.
        if (Given(parse, App))
        {
            var local = JobStore.Validate(Build(settings with { ServicePrincipalId = settings.ServicePrincipalId ?? "(the app)" }));
            if (local.Count > 0) throw new JobDefinitionException(local);
            var app = Text(App) ?? "";
            var id = app.Length == 0 ? null : await ResolveAppAsync(source, app, cancellationToken);
            if (current is not null && id != current.Settings.ServicePrincipalId)
                notes.Add("The enterprise app changed. Run `idbridge job restart <job>` so that the next cycle is a full one against the new app's assignments.");
            settings = settings with { ServicePrincipalId = id };
        }
        else if (_create && settings.Scope == ProvisioningScope.AssignedUsersAndGroups)
            throw new CliFailure("--scope assigned (Entra's default) needs --app: the enterprise app whose assigned users and groups are provisioned " +
                                 "(its service principal id, appId or display name). Or give --scope all.");

        return Build(settings);
    }

    /// <summary>A flag's value: <c>--flag</c> and <c>--flag true</c> set it, <c>--flag false</c> clears it; null when absent.</summary>
    private static bool? GivenBool(ParseResult parse, Option<bool?> option) =>
        parse.GetResult(option) is { Implicit: false } result ? result.Tokens.Count == 0 || parse.GetValue(option) != false : null;

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    public static ProvisioningScope ParseScope(string text) => text.Trim().ToLowerInvariant() switch
    {
        "assigned" or "assignedusersandgroups" => ProvisioningScope.AssignedUsersAndGroups,
        "all" or "allusersandgroups" => ProvisioningScope.AllUsersAndGroups,
        _ => throw new CliFailure($"--scope '{text}' is not a scope; give 'assigned' (only users and groups assigned to --app) or 'all'."),
    };

    public static TimeSpan ParseInterval(string text)
    {
        if (text.Equals("continuous", StringComparison.OrdinalIgnoreCase)) return TimeSpan.Zero;
        return ProvisioningBinding.ParseDuration(text) is { } interval && interval > TimeSpan.Zero
            ? interval
            : throw new CliFailure($"--interval '{text}' is not an interval; give one such as 40m, 10s, 1h or PT40M, or 'continuous'.");
    }

    private static async Task<string?> ReadSchemaAsync(string path, CancellationToken cancellationToken)
    {
        if (path.Equals("default", StringComparison.OrdinalIgnoreCase)) return null;
        try
        {
            return await File.ReadAllTextAsync(path, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliFailure($"--schema: cannot read {Path.GetFullPath(path)}: {e.Message}");
        }
    }

    private static async Task<Dictionary<string, Dictionary<string, string>>> ReadReferenceMapAsync(string path, CancellationToken cancellationToken)
    {
        const string Shape = "write it as {\"cmn_location\": {\"LA\": \"Los Angeles\"}}: per table, directory value to the instance's display value.";
        string json;
        try
        {
            json = await File.ReadAllTextAsync(path, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliFailure($"--reference-map: cannot read {Path.GetFullPath(path)}: {e.Message}");
        }
        try
        {
            var map = JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, string>>>(json)
                      ?? throw new CliFailure($"--reference-map {path} is empty; " + Shape);
            return new Dictionary<string, Dictionary<string, string>>(
                map.Select(t => KeyValuePair.Create(t.Key, new Dictionary<string, string>(t.Value, StringComparer.OrdinalIgnoreCase))),
                StringComparer.OrdinalIgnoreCase);
        }
        catch (JsonException e)
        {
            // The serializer's message names .NET types; the JSON path says where the file goes wrong.
            throw new CliFailure($"--reference-map {path}: {(string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "the file" : e.Path)} " +
                                 "is not what a reference map holds; " + Shape);
        }
    }

    /// <summary>
    /// The enterprise app's service principal id, looked up in the directory the job reads (by id, appId or
    /// display name), as the portal's provisioning blade knows it from where it was opened.
    /// </summary>
    private static async Task<string> ResolveAppAsync(JobSource source, string app, CancellationToken cancellationToken)
    {
        var probe = new JobRecord
        {
            SysId = "",
            JobId = "",
            ScheduleState = "Active",
            Status = new SynchronizationStatus(),
            Definition = new JobDefinition { Name = "app", Source = source, Target = new JobTarget { InstanceUrl = "http://127.0.0.1" } },
        };
        // An unreachable directory is retried for a while before the lookup gives up; say what is being waited for.
        Console.Error.WriteLine($"Looking up the enterprise app '{app}' in the directory at {source.GraphUrl}...");
        await using var directory = new GraphSource(ProvisioningHost.SourceSettingsOf(probe));
        var found = await directory.FindServicePrincipalAsync(app, cancellationToken);
        if (found.Error is { } error)
            throw new CliFailure($"Cannot look up the app '{app}' in the directory: {error.Code}: {error.Message}\n" +
                                 "Check --graph-url, --authority, --tenant-id, --client-id, the client secret and --tenant-certificate-sha256; " +
                                 "reading enterprise apps needs Application.Read.All (or Directory.Read.All).", exitCode: 1);
        return found.Value ?? throw new CliFailure(
            $"No enterprise app '{app}' in the directory; give its service principal (object) id, its appId or its display name " +
            "as Entra's Enterprise applications list shows it.");
    }
}
