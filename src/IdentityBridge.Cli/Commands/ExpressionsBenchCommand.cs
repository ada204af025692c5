using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using IdentityBridge.Cli.Bench;
using IdentityBridge.Expressions.Evaluation;
using IdentityBridge.Expressions.Schema;
using Spectre.Console;

namespace IdentityBridge.Cli.Commands;

/// <summary>
/// <c>idbridge bench expressions</c>: the whole user mapping set of a synchronization schema (by default the shipped
/// ServiceNow one) evaluated for generated users on one thread, as issue 3 asks: 1,000,000 users in under 3 seconds,
/// with the allocation per user.
/// </summary>
internal static class ExpressionsBenchCommand
{
    /// <summary>The issue's target for 1,000,000 users.</summary>
    private static readonly TimeSpan Target = TimeSpan.FromSeconds(3);

    private const int TargetUsers = 1_000_000;

    public static Command Create()
    {
        var users = new Option<int>("--users")
        {
            HelpName = "N",
            Description = "Generated users to evaluate the mappings for.",
            DefaultValueFactory = _ => TargetUsers,
        };
        users.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1) result.AddError("--users must be at least 1.");
        });
        var schema = new Option<FileInfo?>("--schema")
        {
            HelpName = "file",
            Description = "A synchronization schema whose User mapping to evaluate instead of the shipped ServiceNow default.",
        };
        var json = new Option<string?>("--json") { HelpName = "file", Description = "Also write the figures to this JSON file." };
        var command = new Command("expressions",
            "Benchmark attribute mappings: compile the User mapping set of the default ServiceNow schema (or --schema) once, " +
            "then evaluate every mapping for --users generated users on one thread. Reports the time (target: 1,000,000 " +
            "users in under 3 s), evaluations per second and bytes allocated per user (GC.GetAllocatedBytesForCurrentThread), " +
            "counting only evaluation, not the generation of the users.");
        command.Options.Add(users);
        command.Options.Add(schema);
        command.Options.Add(json);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var schemaText = parse.GetValue(schema) is { } file ? await File.ReadAllTextAsync(file.FullName, cancellationToken) : DefaultSchemas.ServiceNowJson;
            var read = SynchronizationSchemaJson.Read(schemaText);
            var compilation = read.Succeeded ? SchemaCompiler.Compile(read.Schema!) : null;
            if (compilation?.Schema?.For("User") is not { } mapping)
            {
                foreach (var problem in compilation?.Problems ?? read.Problems) Console.Error.WriteLine(problem);
                Console.Error.WriteLine("The schema has no valid, enabled User object mapping to benchmark.");
                return 2;
            }
            var console = AnsiConsole.Console;
            if (Console.IsOutputRedirected) console.Profile.Width = Math.Max(console.Profile.Width, 150);
            var result = Run(mapping, parse.GetValue(users), cancellationToken);
            Write(console, mapping, result);
            if (parse.GetValue(json) is { } path) await BenchReport.WriteFiguresAsync(console, path, result.ToJson(), cancellationToken);
            return result.Interrupted ? 130 : 0;
        });
        return command;
    }

    private sealed record Result(
        int Users, int Mappings, TimeSpan Elapsed, TimeSpan GenerationElapsed, long AllocatedBytes, int Gen0, int Gen1, int Gen2,
        long Values, long Errors, bool Interrupted)
    {
        public long Evaluations => (long)Users * Mappings;

        /// <summary>The time for 1,000,000 users at the measured rate, which is what the target is about.</summary>
        public TimeSpan PerMillionUsers => Elapsed * (TargetUsers / (double)Math.Max(1, Users));

        public double AllocatedBytesPerUser => AllocatedBytes / (double)Math.Max(1, Users);

        public bool TargetMet => PerMillionUsers < Target && Errors == 0;

        public object ToJson() => new
        {
            machine = Machine,
            users = Users,
            mappings_per_user = Mappings,
            evaluations = Evaluations,
            seconds = Elapsed.TotalSeconds,
            seconds_per_million_users = PerMillionUsers.TotalSeconds,
            evaluations_per_second = Evaluations / Elapsed.TotalSeconds,
            allocated_bytes_per_user = AllocatedBytesPerUser,
            gen0_collections = Gen0,
            gen1_collections = Gen1,
            gen2_collections = Gen2,
            evaluation_errors = Errors,
            generation_seconds = GenerationElapsed.TotalSeconds,
            target_seconds_per_million_users = Target.TotalSeconds,
            target_met = TargetMet,
            interrupted = Interrupted,
        };
    }

    private static string Machine =>
        $"{Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, " +
        $"{(GCSettings.IsServerGC ? "server" : "workstation")} GC";

    /// <summary>
    /// Users are generated in batches outside the measured time; each batch is then evaluated inside it. Time and
    /// allocation are summed over the evaluation loops only.
    /// </summary>
    private static Result Run(CompiledObjectMapping mapping, int userCount, CancellationToken cancellationToken)
    {
        var expressions = mapping.AttributeMappings.Where(m => m.Expression is not null).Select(m => m.Expression!).ToArray();
        const int batchSize = 10_000;
        var batch = new AttributeBag[Math.Min(batchSize, userCount)];
        for (var i = 0; i < batch.Length; i++) batch[i] = new AttributeBag();
        var generator = new UserGenerator();
        var context = EvaluationContext.Default;

        // Warm-up, unmeasured: lets tiered compilation reach its optimised code before the clock starts.
        for (var i = 0; i < batch.Length; i++) generator.Fill(batch[i], i);
        for (var round = 0; round < 20; round++)
            foreach (var user in batch)
                foreach (var expression in expressions)
                    expression.Evaluate(user, context);

        long elapsedTicks = 0, generationTicks = 0, allocated = 0, values = 0, errors = 0;
        var gen0 = GC.CollectionCount(0);
        var gen1 = GC.CollectionCount(1);
        var gen2 = GC.CollectionCount(2);
        var done = 0;
        while (done < userCount && !cancellationToken.IsCancellationRequested)
        {
            var count = Math.Min(batch.Length, userCount - done);
            var generationStart = Stopwatch.GetTimestamp();
            for (var i = 0; i < count; i++) generator.Fill(batch[i], done + i);
            generationTicks += Stopwatch.GetTimestamp() - generationStart;

            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < count; i++)
            {
                var user = batch[i];
                foreach (var expression in expressions)
                {
                    var result = expression.Evaluate(user, context);
                    if (result.HasValue) values++;
                    else if (!result.Succeeded) errors++;
                }
            }
            elapsedTicks += Stopwatch.GetTimestamp() - start;
            allocated += GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            done += count;
        }
        return new Result(done, expressions.Length, Stopwatch.GetElapsedTime(0, elapsedTicks), Stopwatch.GetElapsedTime(0, generationTicks), allocated,
            GC.CollectionCount(0) - gen0, GC.CollectionCount(1) - gen1, GC.CollectionCount(2) - gen2, values, errors,
            Interrupted: done < userCount);
    }

    private static void Write(IAnsiConsole console, CompiledObjectMapping mapping, Result result)
    {
        console.WriteLine();
        console.Write(new Rule("[bold]idbridge bench expressions[/]").LeftJustified());
        console.MarkupLine($"Machine: {Markup.Escape(Machine)}");
        console.MarkupLine($"Mapping set: {Markup.Escape(mapping.Definition.Name ?? mapping.SourceObjectName)} " +
                           $"({result.Mappings} mappings: {Markup.Escape(string.Join(", ", mapping.AttributeMappings.Select(m => m.TargetAttributeName)))})");
        if (result.Interrupted) console.MarkupLine("[yellow bold]Interrupted: the figures below cover the users evaluated before Ctrl+C.[/]");
        var table = new Table().Border(TableBorder.Rounded).Title("One thread, evaluation only");
        table.AddColumn("figure");
        table.AddColumn(new TableColumn("value").RightAligned());
        table.AddColumn("target");
        table.AddColumn("result");
        string N(double value, string format = "N0") => value.ToString(format, CultureInfo.InvariantCulture);
        table.AddRow("users", N(result.Users), "", "");
        table.AddRow("evaluations", N(result.Evaluations), "", "");
        table.AddRow("time", $"{N(result.Elapsed.TotalSeconds, "N3")} s", "", "");
        table.AddRow("time per 1,000,000 users", $"{N(result.PerMillionUsers.TotalSeconds, "N3")} s", $"< {N(Target.TotalSeconds)} s",
            result.TargetMet ? "[green]pass[/]" : "[red bold]MISSED[/]");
        table.AddRow("evaluations/s", N(result.Evaluations / result.Elapsed.TotalSeconds), "", "");
        table.AddRow("users/s", N(result.Users / result.Elapsed.TotalSeconds), "", "");
        table.AddRow("ns per evaluation", N(result.Elapsed.TotalNanoseconds / result.Evaluations, "N1"), "", "");
        table.AddRow("bytes allocated per user", N(result.AllocatedBytesPerUser, "N1"), "", "");
        table.AddRow("GCs 0/1/2 over the run (generating users included)", $"{result.Gen0}/{result.Gen1}/{result.Gen2}", "", "");
        table.AddRow("values produced", N(result.Values), "", "");
        table.AddRow("evaluation errors", result.Errors == 0 ? "0" : $"[red bold]{N(result.Errors)}[/]", "0", result.Errors == 0 ? "[green]pass[/]" : "[red bold]MISSED[/]");
        table.AddRow("generating the users (not measured)", $"{N(result.GenerationElapsed.TotalSeconds, "N3")} s", "", "");
        console.Write(table);
        console.MarkupLine(result.TargetMet
            ? "[green bold]Verdict: target met.[/]"
            : $"[red bold]Verdict: MISSED: {N(result.PerMillionUsers.TotalSeconds, "N3")} s per 1,000,000 users (target < {N(Target.TotalSeconds)} s){(result.Errors > 0 ? $", {N(result.Errors)} evaluation errors" : "")}.[/]");
    }

    /// <summary>
    /// Deterministic users with the attributes the ServiceNow mappings read. Values drawn from small pools (names,
    /// departments, cities) are shared strings, as in a real directory; the per-user ones (UPN, mail, employee id,
    /// phone numbers) are new strings for each user. A user in fifty is soft-deleted and one in three has no mobile.
    /// </summary>
    private sealed class UserGenerator
    {
        private static readonly string[] FirstNames = ["Ann", "Bob", "Chloé", "Dmitri", "Eva", "Farid", "Grace", "Hiro", "Inès", "João", "Kofi", "Lena", "Mateo", "Nia", "Oskar", "Priya"];
        private static readonly string[] LastNames = ["Lee", "Smith", "Müller", "García", "Nguyen", "Okafor", "Rossi", "Kowalski", "Tanaka", "Dubois", "Silva", "Johansson"];
        private static readonly string[] Departments = ["Sales", "Research", "Finance", "Legal", "Support", "Marketing", "Operations", "IT"];
        private static readonly string[] Titles = ["Engineer", "Manager", "Analyst", "Director", "Consultant", "Designer", "Technician"];
        private static readonly string[] Cities = ["Redmond", "Seattle", "London", "Paris", "Berlin", "Tokyo", "São Paulo", "Sydney"];
        private static readonly string[] Companies = ["Contoso", "Fabrikam", "Northwind"];
        private readonly ExpressionValue[] _managers = Enumerable.Range(0, 1_000).Select(i => ExpressionValue.FromReference(Guid.CreateVersion7().ToString())).ToArray();

        public void Fill(AttributeBag user, int index)
        {
            var first = FirstNames[index % FirstNames.Length];
            var last = LastNames[index / FirstNames.Length % LastNames.Length];
            var upn = string.Create(CultureInfo.InvariantCulture, $"{first}.{last}{index}@contoso.com");
            user["userPrincipalName"] = upn;
            user["IsSoftDeleted"] = index % 50 == 0 ? ExpressionValue.True : ExpressionValue.False;
            user["mail"] = upn;
            user["givenName"] = first;
            user["surname"] = last;
            user["jobTitle"] = Titles[index % Titles.Length];
            user["department"] = Departments[index % Departments.Length];
            user["telephoneNumber"] = string.Create(CultureInfo.InvariantCulture, $"+1 425 555 {index % 10_000:D4}");
            user["mobile"] = index % 3 == 0 ? ExpressionValue.Null : string.Create(CultureInfo.InvariantCulture, $"+1 206 555 {index % 10_000:D4}");
            user["employeeId"] = string.Create(CultureInfo.InvariantCulture, $"E{index:D7}");
            user["manager"] = _managers[index % _managers.Length];
            user["city"] = Cities[index % Cities.Length];
            user["companyName"] = Companies[index % Companies.Length];
        }
    }
}
