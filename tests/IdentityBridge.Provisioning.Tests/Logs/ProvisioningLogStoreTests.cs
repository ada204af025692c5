using IdentityBridge.Provisioning.Logs;

namespace IdentityBridge.Provisioning.Tests.Logs;

public sealed class ProvisioningLogStoreTests
{
    private static ProvisioningLogFilter ForJob(string job = LogEntries.Job) => new() { JobId = job, Limit = 1_000 };

    private static async Task<IReadOnlyList<string>> NamesAsync(LogWorld world, ProvisioningLogFilter filter) =>
        (await world.Logs.QueryAsync(filter)).Entries.Select(e => e.SourceIdentity.DisplayName!).Order(StringComparer.Ordinal).ToList();

    [BackendTheory]
    public async Task an_appended_entry_reads_back_with_every_field(Backend backend)
    {
        await using var world = await LogEntries.OpenAsync(backend);
        var full = LogEntries.Full();
        var plain = LogEntries.User("Abel Tuter") with { TenantId = null, ServicePrincipalId = null, ServicePrincipalDisplayName = null };

        await world.Logs.AppendAsync([full, plain]);

        LogEntries.AssertSame(full, (await world.Logs.GetAsync(full.Id))!);
        LogEntries.AssertSame(plain, (await world.Logs.GetAsync(plain.Id))!);
        Assert.Null(await world.Logs.GetAsync(Guid.NewGuid().ToString()));
    }

    [BackendTheory]
    public async Task appending_the_same_entries_again_keeps_one_of_each(Backend backend)
    {
        await using var world = await LogEntries.OpenAsync(backend);
        var entries = new[] { LogEntries.User("Abel Tuter"), LogEntries.User("Beth Anglin") };

        await world.Logs.AppendAsync(entries);
        await world.Logs.AppendAsync([entries[1], LogEntries.User("Carl Cool")]);

        Assert.Equal(["Abel Tuter", "Beth Anglin", "Carl Cool"], await NamesAsync(world, ForJob()));
    }

    [BackendTheory]
    public async Task identity_matches_the_id_or_display_name_of_either_side_ignoring_case(Backend backend)
    {
        await using var world = await LogEntries.OpenAsync(backend);
        var abel = LogEntries.User("Abel Tuter", "abel.tuter");
        var beth = LogEntries.User("Beth Anglin", "beth.anglin");
        var abraham = LogEntries.User("Abraham Lincoln", "honest.abe");
        await world.Logs.AppendAsync([abel, beth, abraham, LogEntries.User("Abel Tuter") with { JobId = LogEntries.OtherJob }]);

        Assert.Equal(["Abel Tuter"], await NamesAsync(world, ForJob() with { Identity = "ABEL TUTER" }));
        Assert.Equal(["Abel Tuter"], await NamesAsync(world, ForJob() with { Identity = abel.SourceIdentity.Id!.ToUpperInvariant() }));
        Assert.Equal(["Beth Anglin"], await NamesAsync(world, ForJob() with { Identity = beth.TargetIdentity.Id }));
        Assert.Equal(["Beth Anglin"], await NamesAsync(world, ForJob() with { TargetIdentity = "Beth.Anglin" }));
        Assert.Empty(await NamesAsync(world, ForJob() with { SourceIdentity = "beth.anglin" }));
        // Prefixes with letters beyond hex, so the random ids cannot start with them.
        Assert.Equal(["Abraham Lincoln"],
            await NamesAsync(world, ForJob() with { SourceIdentity = "abr", IdentityMatch = IdentityMatch.StartsWith }));
        Assert.Equal(["Abel Tuter"],
            await NamesAsync(world, ForJob() with { SourceIdentity = "abel t", IdentityMatch = IdentityMatch.StartsWith }));
        // The target's user name; ids are hex, so a search with other letters cannot hit them by chance.
        Assert.Equal(["Abraham Lincoln"],
            await NamesAsync(world, ForJob() with { Identity = "NEST.A", IdentityMatch = IdentityMatch.Contains }));
        Assert.Equal(["Abel Tuter"],
            await NamesAsync(world, ForJob() with { SourceIdentity = "L T", IdentityMatch = IdentityMatch.Contains }));
    }

    [BackendTheory]
    public async Task action_status_cycle_change_and_error_code_each_narrow_the_entries(Backend backend)
    {
        await using var world = await LogEntries.OpenAsync(backend);
        var created = LogEntries.User("Created");
        var failed = LogEntries.User("Failed") with
        {
            Action = ProvisioningAction.Update,
            Status = ProvisioningResult.Failure,
            Error = new ProvisioningError("InvalidLookupReference", "No such department"),
        };
        var skipped = LogEntries.User("Skipped") with
        {
            Action = ProvisioningAction.Other,
            Status = ProvisioningResult.Skipped,
            CycleId = "c0ffee00-0000-4000-8000-000000000002",
        };
        var staged = LogEntries.User("Staged") with { Action = ProvisioningAction.StagedDelete };
        await world.Logs.AppendAsync([created, failed, skipped, staged]);

        Assert.Equal(["Failed"], await NamesAsync(world, ForJob() with { Action = ProvisioningAction.Update }));
        Assert.Equal(["Staged"], await NamesAsync(world, ForJob() with { Action = ProvisioningAction.StagedDelete }));
        Assert.Equal(["Created", "Staged"], await NamesAsync(world, ForJob() with { Status = ProvisioningResult.Success }));
        Assert.Equal(["Skipped"], await NamesAsync(world, ForJob() with { CycleId = skipped.CycleId }));
        Assert.Equal(["Failed"], await NamesAsync(world, ForJob() with { ChangeId = failed.ChangeId }));
        Assert.Equal(["Failed"], await NamesAsync(world, ForJob() with { ErrorCode = "invalidlookupreference" }));
        Assert.Empty(await NamesAsync(world, ForJob() with { Action = ProvisioningAction.Create, Status = ProvisioningResult.Failure }));
        Assert.Empty(await NamesAsync(world, ForJob(LogEntries.OtherJob)));
    }

    [BackendTheory]
    public async Task a_time_range_includes_its_start_and_excludes_its_end(Backend backend)
    {
        await using var world = await LogEntries.OpenAsync(backend);
        var start = LogEntries.Start;
        await world.Logs.AppendAsync(
        [
            LogEntries.User("Before", at: start.AddTicks(-1)),
            LogEntries.User("At start", at: start),
            LogEntries.User("Inside", at: start.AddMinutes(30).AddTicks(1)),
            LogEntries.User("At end", at: start.AddHours(1)),
        ]);

        Assert.Equal(["At start", "Inside"],
            await NamesAsync(world, ForJob() with { From = start, To = start.AddHours(1) }));
        Assert.Equal(["At end", "Inside"],
            await NamesAsync(world, ForJob() with { From = start.AddMinutes(30).ToOffset(TimeSpan.FromHours(5)) }));
    }

    [BackendTheory]
    public async Task pages_run_newest_first_without_gaps_or_repeats(Backend backend)
    {
        await using var world = await LogEntries.OpenAsync(backend);
        // Many entries share a time, as hundreds a second do; the order among them must still be fixed.
        var entries = Enumerable.Range(0, 250)
            .Select(i => LogEntries.User($"user{i:D3}", at: LogEntries.Start.AddMilliseconds(i / 10)))
            .ToList();
        await world.Logs.AppendAsync(entries);

        var read = new List<ProvisioningLogEntry>();
        string? continuation = null;
        var pages = 0;
        do
        {
            var page = await world.Logs.QueryAsync(ForJob() with { Limit = 30, Continuation = continuation });
            Assert.True(page.Entries.Count == 30 || page.Continuation is null);
            read.AddRange(page.Entries);
            continuation = page.Continuation;
            pages++;
            if (pages == 1) await world.Logs.AppendAsync([LogEntries.User("latecomer", at: LogEntries.Start.AddDays(1))]);
        } while (continuation is not null);

        Assert.Equal(9, pages);
        Assert.Equal(250, read.Select(e => e.Id).Distinct().Count());
        Assert.DoesNotContain(read, e => e.SourceIdentity.DisplayName == "latecomer");
        Assert.Equal(read.Select(e => e.ActivityDateTime).OrderDescending(), read.Select(e => e.ActivityDateTime));
        Assert.Equal("latecomer", (await world.Logs.QueryAsync(ForJob() with { Limit = 1 })).Entries[0].SourceIdentity.DisplayName);
    }

    [BackendTheory]
    public async Task reading_all_walks_every_page(Backend backend)
    {
        await using var world = await LogEntries.OpenAsync(backend);
        await world.Logs.AppendAsync(Enumerable.Range(0, 25).Select(i => LogEntries.User($"user{i:D2}", at: LogEntries.Start.AddSeconds(i))).ToList());

        var all = await world.Logs.ReadAllAsync(ForJob() with { Limit = 7 }).ToListAsync();

        Assert.Equal(Enumerable.Range(0, 25).Reverse().Select(i => $"user{i:D2}"), all.Select(e => e.SourceIdentity.DisplayName));
    }

    [BackendTheory]
    public async Task counts_total_the_entries_by_action_and_status(Backend backend)
    {
        await using var world = await LogEntries.OpenAsync(backend);
        await world.Logs.AppendAsync(
        [
            LogEntries.User("a"),
            LogEntries.User("b"),
            LogEntries.User("c") with { Action = ProvisioningAction.Update, Status = ProvisioningResult.Failure },
            LogEntries.User("d") with { Action = ProvisioningAction.Other, Status = ProvisioningResult.Skipped },
            LogEntries.User("e") with { Action = ProvisioningAction.Other, Status = ProvisioningResult.Skipped },
            LogEntries.User("f") with { Action = ProvisioningAction.Other, Status = ProvisioningResult.Skipped, JobId = LogEntries.OtherJob },
        ]);

        var counts = await world.Logs.CountAsync(ForJob() with { Limit = 1 });
        var failures = await world.Logs.CountAsync(ForJob() with { Status = ProvisioningResult.Failure });

        Assert.Equal(5, counts.Total);
        Assert.Equal(2, counts.ByAction[ProvisioningAction.Create]);
        Assert.Equal(1, counts.ByAction[ProvisioningAction.Update]);
        Assert.Equal(2, counts.ByAction[ProvisioningAction.Other]);
        Assert.Equal(0, counts.ByAction[ProvisioningAction.Delete]);
        Assert.Equal(2, counts.ByStatus[ProvisioningResult.Success]);
        Assert.Equal(2, counts.ByStatus[ProvisioningResult.Skipped]);
        Assert.Equal(0, counts.ByStatus[ProvisioningResult.Warning]);
        Assert.Equal(2, counts.ByActionAndStatus[(ProvisioningAction.Other, ProvisioningResult.Skipped)]);
        Assert.Equal(1, failures.Total);
    }

    [BackendTheory]
    public async Task purge_removes_the_entries_of_every_job_older_than_the_cutoff(Backend backend)
    {
        await using var world = await LogEntries.OpenAsync(backend);
        var now = LogEntries.Start;
        await world.Logs.AppendAsync(
        [
            LogEntries.User("old", at: now - ProvisioningLogStore.DefaultRetention - TimeSpan.FromSeconds(1)),
            LogEntries.User("old elsewhere", at: now.AddDays(-45)) with { JobId = LogEntries.OtherJob },
            LogEntries.User("recent", at: now.AddDays(-29)),
        ]);

        var purged = await world.Logs.PurgeAsync(now - ProvisioningLogStore.DefaultRetention);

        Assert.Equal(2, purged);
        Assert.Equal(["recent"], await NamesAsync(world, ForJob()));
        Assert.Empty(await NamesAsync(world, ForJob(LogEntries.OtherJob)));
    }

    [BackendTheory]
    public async Task hostile_directory_values_are_kept_as_data(Backend backend)
    {
        await using var world = await LogEntries.OpenAsync(backend);
        var injection = LogEntries.User("x'); DELETE FROM prov_log; --");
        var wildcards = LogEntries.User("100%_sure");
        var nul = LogEntries.User("nul\0name");
        var longName = LogEntries.User(new string('a', 5_000));
        await world.Logs.AppendAsync([injection, wildcards, nul, longName, LogEntries.User("1000 sure")]);

        Assert.Equal([injection.SourceIdentity.DisplayName!], await NamesAsync(world, ForJob() with { Identity = injection.SourceIdentity.DisplayName }));
        Assert.Equal(["100%_sure"], await NamesAsync(world, ForJob() with { Identity = "%_", IdentityMatch = IdentityMatch.Contains }));
        Assert.Equal("nul\uFFFDname", (await world.Logs.GetAsync(nul.Id))!.SourceIdentity.DisplayName);
        var stored = (await world.Logs.GetAsync(longName.Id))!.SourceIdentity.DisplayName!;
        Assert.Equal(1_024, stored.Length);
        Assert.EndsWith("\u2026", stored, StringComparison.Ordinal);
        Assert.Equal(5, (await world.Logs.CountAsync(ForJob())).Total);
    }

    [BackendTheory]
    public async Task a_limit_out_of_range_or_a_foreign_continuation_is_refused(Backend backend)
    {
        await using var world = await LogEntries.OpenAsync(backend);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => world.Logs.QueryAsync(ForJob() with { Limit = 0 }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => world.Logs.QueryAsync(ForJob() with { Limit = 10_001 }));
        await Assert.ThrowsAsync<ArgumentException>(() => world.Logs.QueryAsync(ForJob() with { Continuation = "' OR 1=1 --" }));
        Assert.Empty((await world.Logs.QueryAsync(ForJob() with { Limit = 10_000 })).Entries);
    }
}
