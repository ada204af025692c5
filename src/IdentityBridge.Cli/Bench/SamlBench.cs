using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IdentityBridge.Instance.Hosting;
using IdentityBridge.Instance.Sso;
using IdentityBridge.Saml.Messages;
using IdentityBridge.Saml.Validation;
using IdentityBridge.Storage;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace IdentityBridge.Cli.Bench;

internal sealed record SamlBenchOptions
{
    public int Responses { get; init; } = 20_000;
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);
    public int Concurrency { get; init; } = 8;
    public string? JsonPath { get; init; }
}

/// <summary>
/// <c>idbridge bench saml</c>: how fast the instance's assertion consumer service accepts sign-ins. Three figures on
/// the same 2048-bit key: the raw RSA verify rate (the physical floor of any SAML service provider), full
/// validations on one thread (parse, structure, signature, every check, the replay insert into a real store), and
/// sign-ins over HTTP at the instance's ACS (validation, user lookup, session, cookie).
/// </summary>
internal static class SamlBench
{
    public const double ValidationsPerCoreTarget = 3_000;
    private const string IdpEntityId = "https://sts.windows.net/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/";

    public sealed record Result(
        double RawVerifiesPerSecond, long Validations, TimeSpan ValidationElapsed, long ValidationFailures,
        long ParallelValidations, TimeSpan ParallelElapsed, int Callers, double LibraryPerSecond,
        PhaseMeasurement? Http, string? HttpSkipped, int Users)
    {
        public double ValidationsPerSecond => Validations / ValidationElapsed.TotalSeconds;
        public double ParallelPerSecond => ParallelValidations / ParallelElapsed.TotalSeconds;
        public double ParallelPerCore => ParallelPerSecond / Environment.ProcessorCount;
        public bool TargetMet => ValidationsPerSecond >= ValidationsPerCoreTarget && ValidationFailures == 0 && (Http?.Failures ?? 0) == 0;
    }

    public static async Task<Result> RunAsync(SamlBenchOptions options, IAnsiConsole console, CancellationToken cancellationToken)
    {
        using var idp = CreateCertificate("CN=Microsoft Azure Federated SSO Certificate");
        var trust = new IdentityProviderTrust
        {
            RecordId = "bench",
            EntityId = IdpEntityId,
            SigningCertificates = [X509CertificateLoader.LoadCertificate(idp.RawData)],
            Audience = "https://bench.example",
            AssertionConsumerServiceUrls = ["https://bench.example/navpage.do"],
        };

        var raw = MeasureRawVerify(idp, TimeSpan.FromSeconds(3));

        var directory = Directory.CreateTempSubdirectory("idbridge-bench-saml-");
        try
        {
            var responses = await GenerateAsync(console, "Signing responses for the validation phases", options.Responses * 3, idp,
                i => Description(trust.AssertionConsumerServiceUrls[0], trust.Audience, $"user{i % 1000}@contoso.example"), cancellationToken);
            await using var store = await InstanceApp.OpenStoreAsync(new InstanceOptions { DataDirectory = Path.Combine(directory.FullName, "validation") }, cancellationToken);
            var validator = new ResponseValidator(new FixedResolver(trust), new StoreReplayCache(store, TimeProvider.System), new NoRequests(), TimeProvider.System);
            var (validations, elapsed, failures) = await MeasureValidationAsync(validator, trust, responses[..options.Responses], 1, cancellationToken);
            // As an ACS under load sees them: many sign-ins at once on every core, their replay inserts sharing commits.
            var callers = Environment.ProcessorCount * 8;
            var (parallel, parallelElapsed, parallelFailures) = await MeasureValidationAsync(validator, trust, responses[options.Responses..(options.Responses * 2)], callers, cancellationToken);
            failures += parallelFailures;
            // The library alone, its replay cache in memory: what the store's insert adds shows as the difference.
            var library = new ResponseValidator(new FixedResolver(trust), new MemoryReplayCache(), new NoRequests(), TimeProvider.System);
            var (alone, aloneElapsed, aloneFailures) = await MeasureValidationAsync(library, trust, responses[(options.Responses * 2)..], 1, cancellationToken);
            failures += aloneFailures;
            responses = [];

            var (http, skipped, users) = await MeasureHttpAsync(options, console, idp, directory.FullName, cancellationToken);
            return new Result(raw, validations, elapsed, failures, parallel, parallelElapsed, callers, alone / aloneElapsed.TotalSeconds, http, skipped, users);
        }
        finally
        {
            try { directory.Delete(recursive: true); } catch (IOException) { }
        }
    }

    private static double MeasureRawVerify(X509Certificate2 certificate, TimeSpan duration)
    {
        using var signer = certificate.GetRSAPrivateKey()!;
        using var verifier = certificate.GetRSAPublicKey()!;
        var data = RandomNumberGenerator.GetBytes(2048);
        var signature = signer.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        for (var i = 0; i < 2000; i++) verifier.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        long count = 0;
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < duration)
        {
            for (var i = 0; i < 500; i++) verifier.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            count += 500;
        }
        return count / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    /// <summary>
    /// The validator with the instance's replay cache on a real SQLite store, on <paramref name="threads"/> threads
    /// that share the responses. A replayed response must be refused: checked once, outside the measured loop.
    /// </summary>
    private static async Task<(long Count, TimeSpan Elapsed, long Failures)> MeasureValidationAsync(ResponseValidator validator,
        IdentityProviderTrust trust, string[] responses, int threads, CancellationToken cancellationToken)
    {
        var acs = trust.AssertionConsumerServiceUrls[0];
        var warmUp = Math.Min(1000, responses.Length / 10);
        long failures = 0;
        for (var i = 0; i < warmUp; i++)
            if (!(await validator.ValidateAsync(responses[i], acs, cancellationToken)).IsValid) failures++;
        if ((await validator.ValidateAsync(responses[0], acs, cancellationToken)).IsValid) failures++;
        var next = warmUp - 1;
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, threads).Select(_ => Task.Run(async () =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < responses.Length && !cancellationToken.IsCancellationRequested)
                if (!(await validator.ValidateAsync(responses[index], acs, cancellationToken)).IsValid) Interlocked.Increment(ref failures);
        }, cancellationToken)));
        return (responses.Length - warmUp, Stopwatch.GetElapsedTime(started), failures);
    }

    /// <summary>
    /// A real instance on loopback with one identity-provider record and its users, configured through the Table API
    /// as an admin would; concurrent browsers post signed responses to /navpage.do and must get a session back.
    /// </summary>
    private static async Task<(PhaseMeasurement? Phase, string? Skipped, int Users)> MeasureHttpAsync(SamlBenchOptions options,
        IAnsiConsole console, X509Certificate2 idp, string directory, CancellationToken cancellationToken)
    {
        const int users = 1000;
        await using var instance = await BenchSsoInstance.StartAsync(Path.Combine(directory, "instance"), cancellationToken);
        var baseUrl = instance.Url;
        var certificate = await instance.SendAsync(HttpMethod.Post, "sys_certificate", new
        {
            name = "Bench IdP", format = "pem", type = "trust_store", pem_certificate = idp.ExportCertificatePem(),
        }, cancellationToken);
        await instance.SendAsync(HttpMethod.Post, "saml2_update1_properties", new
        {
            name = "Bench IdP", idp = IdpEntityId, active = "true", user_field = "email", x509_cert = certificate["sys_id"]!.GetValue<string>(),
            issuer = baseUrl, audience = baseUrl, service_url = baseUrl + "/navpage.do",
        }, cancellationToken);
        await instance.AddUsersAsync(Enumerable.Range(0, users).Select(i => $"user{i}@contoso.example").ToList(), cancellationToken);

        // Enough responses for the measured time at a generous rate, signed beforehand so that only the ACS is measured.
        var needed = (int)Math.Clamp(options.Duration.TotalSeconds * 4_000 + 4_000, 4_000, 200_000);
        var responses = await GenerateAsync(console, "Signing responses for the HTTP phase", needed, idp,
            i => Description(baseUrl + "/navpage.do", baseUrl, $"user{i % users}@contoso.example"), cancellationToken);
        var next = -1;

        using var handler = new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false, MaxConnectionsPerServer = options.Concurrency };
        using var client = new HttpClient(handler) { BaseAddress = new Uri(baseUrl) };
        var phase = await LoadRunner.MeasureAsync("sign-in", "HTTP", users, options.Concurrency, TimeSpan.FromSeconds(2), options.Duration,
            async (worker, token) =>
            {
                var index = Interlocked.Increment(ref next);
                if (index >= responses.Length) return "ran out of pre-signed responses";
                using var content = new FormUrlEncodedContent([new("SAMLResponse", responses[index]), new("RelayState", "/navpage.do")]);
                using var response = await client.PostAsync("/navpage.do", content, token);
                if (response.StatusCode != HttpStatusCode.Found)
                    return $"the ACS answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(token)}";
                return response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("JSESSIONID=", StringComparison.Ordinal))
                    ? null : "the ACS answered without a session cookie";
            }, cancellationToken);
        return (phase, null, users);
    }

    private static ResponseDescription Description(string acs, string audience, string nameId) => new()
    {
        Issuer = IdpEntityId,
        Destination = acs,
        Audience = audience,
        NameId = nameId,
        IssueInstant = DateTimeOffset.UtcNow,
        Attributes =
        [
            new("http://schemas.microsoft.com/identity/claims/tenantid", ["0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"]),
            new("http://schemas.microsoft.com/identity/claims/objectidentifier", [Guid.NewGuid().ToString()]),
            new("http://schemas.microsoft.com/identity/claims/displayname", ["Bench User"]),
            new("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname", ["Bench"]),
            new("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname", ["User"]),
            new("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress", [nameId]),
            new("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name", [nameId]),
        ],
    };

    private static async Task<string[]> GenerateAsync(IAnsiConsole console, string title, int count, X509Certificate2 idp,
        Func<int, ResponseDescription> describe, CancellationToken cancellationToken)
    {
        var responses = new string[count];
        await console.Progress().AutoClear(true).StartAsync(async progress =>
        {
            var task = progress.AddTask(title, maxValue: count);
            var done = 0;
            await Parallel.ForAsync(0, count, new ParallelOptions { CancellationToken = cancellationToken }, (i, _) =>
            {
                responses[i] = ResponseWriter.Encode(ResponseWriter.WriteSigned(describe(i), idp));
                if (Interlocked.Increment(ref done) % 500 == 0) task.Value = done;
                return ValueTask.CompletedTask;
            });
            task.Value = count;
        });
        return responses;
    }

    private static X509Certificate2 CreateCertificate(string subject)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(3));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
    }

    public static void Write(IAnsiConsole console, Result result)
    {
        string N(double value, string format = "N0") => value.ToString(format, CultureInfo.InvariantCulture);
        console.WriteLine();
        console.Write(new Rule("[bold]idbridge bench saml[/]").LeftJustified());
        console.MarkupLine($"Machine: {Markup.Escape(BenchReport.Machine)}");
        var table = new Table().Border(TableBorder.Rounded).Title("RSA-2048, RSA-SHA256, Entra-shaped assertion-signed responses");
        table.AddColumn("figure");
        table.AddColumn(new TableColumn("value").RightAligned());
        table.AddColumn("target");
        table.AddColumn("result");
        table.AddRow("raw RSA verify, one thread (the floor)", $"{N(result.RawVerifiesPerSecond)}/s", "", "");
        table.AddRow("validations, one thread (parse, verify, all checks, replay insert in SQLite)", $"{N(result.ValidationsPerSecond)}/s",
            $">= {N(ValidationsPerCoreTarget)}/s", result.ValidationsPerSecond >= ValidationsPerCoreTarget ? "[green]pass[/]" : "[red bold]MISSED[/]");
        table.AddRow("time per validation", $"{N(result.ValidationElapsed.TotalMicroseconds / Math.Max(1, result.Validations), "N1")} µs", "", "");
        table.AddRow("validations, one thread, replay cache in memory (the library alone)", $"{N(result.LibraryPerSecond)}/s", "", "");
        table.AddRow("validation cost over the raw verify", $"{N(result.RawVerifiesPerSecond / result.ValidationsPerSecond, "N1")}x", "", "");
        table.AddRow($"validations, {result.Callers} concurrent callers on {Environment.ProcessorCount} cores (replay inserts share commits)", $"{N(result.ParallelPerSecond)}/s", "", "");
        table.AddRow($"  per core", $"{N(result.ParallelPerCore)}/s", $">= {N(ValidationsPerCoreTarget)}/s",
            result.ParallelPerCore >= ValidationsPerCoreTarget ? "[green]pass[/]" : "[red bold]MISSED[/]");
        table.AddRow("validations refused (must be 0)", N(result.ValidationFailures), "0", result.ValidationFailures == 0 ? "[green]pass[/]" : "[red bold]MISSED[/]");
        if (result.Http is { } http)
        {
            table.AddRow($"sign-ins over HTTP at /navpage.do ({result.Users:N0} users, session issued)", $"{N(http.PerSecond)}/s", "", "");
            table.AddRow("sign-in latency p50 / p99", $"{N(http.P50, "N2")} / {N(http.P99, "N2")} ms", "", "");
            table.AddRow("sign-ins refused (must be 0)", N(http.Failures), "0", http.Failures == 0 ? "[green]pass[/]" : "[red bold]MISSED[/]");
        }
        else table.AddRow("sign-ins over HTTP", "not measured", "", Markup.Escape(result.HttpSkipped ?? ""));
        console.Write(table);
        if (result.Http?.FirstFailure is { } failure) console.MarkupLine($"[red]First refused sign-in: {Markup.Escape(failure)}[/]");
        console.MarkupLine(result.TargetMet ? "[green bold]Verdict: target met.[/]" : "[red bold]Verdict: MISSED.[/]");
    }

    public static object ToJson(Result result) => new
    {
        machine = BenchReport.Machine,
        raw_rsa_verifies_per_second = result.RawVerifiesPerSecond,
        validations = result.Validations,
        validations_per_second_one_thread = result.ValidationsPerSecond,
        microseconds_per_validation = result.ValidationElapsed.TotalMicroseconds / Math.Max(1, result.Validations),
        validation_failures = result.ValidationFailures,
        library_validations_per_second_one_thread = result.LibraryPerSecond,
        validations_per_second_all_cores = result.ParallelPerSecond,
        validations_per_second_per_core = result.ParallelPerCore,
        concurrent_callers = result.Callers,
        cores = Environment.ProcessorCount,
        http_sign_ins_per_second = result.Http?.PerSecond,
        http_p50_ms = result.Http?.P50,
        http_p99_ms = result.Http?.P99,
        http_failures = result.Http?.Failures,
        target_validations_per_second = ValidationsPerCoreTarget,
        target_met = result.TargetMet,
    };

    private sealed class FixedResolver(IdentityProviderTrust trust) : IIdentityProviderResolver
    {
        public ValueTask<IdentityProviderTrust?> FindByIssuerAsync(string issuer, CancellationToken cancellationToken) =>
            ValueTask.FromResult(issuer == trust.EntityId ? trust : null);
    }

    private sealed class MemoryReplayCache : IReplayCache
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> _seen = new();
        public ValueTask<bool> TryAddAsync(string key, DateTimeOffset expires, CancellationToken cancellationToken) =>
            ValueTask.FromResult(_seen.TryAdd(key, expires));
    }

    private sealed class NoRequests : IRequestTracker
    {
        public ValueTask<SentRequest?> TakeAsync(string requestId, CancellationToken cancellationToken) => ValueTask.FromResult<SentRequest?>(null);
    }
}
