using System.CommandLine;
using System.Globalization;
using IdentityBridge.Instance.Hosting;
using IdentityBridge.Instance.Tables;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;
using Spectre.Console;

namespace IdentityBridge.Cli.Commands;

/// <summary><c>idbridge logs</c>: the instance's system log (syslog), filtered, optionally followed.</summary>
internal static class LogsCommand
{
    public static Command Create()
    {
        var level = new Option<string?>("--level")
        {
            Description = "Lowest level to show: debug, info, warning or error (or -1, 0, 1, 2).",
        };
        var source = new Option<string?>("--source") { Description = "Only rows from this source, e.g. Authentication, ACL, \"Rate Limit\"." };
        var since = new Option<string?>("--since")
        {
            Description = "Only rows from this time on: a UTC date-time (2026-11-26 09:00:00) or an age such as 30m, 2h, 7d.",
        };
        var limit = new Option<int>("--limit") { Description = "Most recent rows to show first.", DefaultValueFactory = _ => 100 };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new rows as they are written (Ctrl+C stops)." };
        var store = new StoreOptionsBinding();
        var command = new Command("logs", "Show the instance's system log (syslog): failed logins, ACL denials, rate-limit hits, server errors.");
        command.Options.Add(level);
        command.Options.Add(source);
        command.Options.Add(since);
        command.Options.Add(limit);
        command.Options.Add(follow);
        store.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var query = EncodedQuery.Empty;
            if (parse.GetValue(level) is { } levelText)
            {
                var minimum = ParseLevel(levelText);
                if (minimum is null)
                {
                    Console.Error.WriteLine($"--level '{levelText}' is not a level; use debug, info, warning or error.");
                    return 2;
                }
                var levels = Enumerable.Range(minimum.Value, 3 - minimum.Value).Select(l => l.ToString(CultureInfo.InvariantCulture));
                query = query.And(new QueryCondition("level", QueryOperator.In, string.Join(",", levels)));
            }
            if (parse.GetValue(source) is { Length: > 0 } sourceText)
                query = query.And(new QueryCondition("source", QueryOperator.Equals, sourceText));
            if (parse.GetValue(since) is { Length: > 0 } sinceText)
            {
                var from = ParseSince(sinceText);
                if (from is null)
                {
                    Console.Error.WriteLine($"--since '{sinceText}' is neither a date-time (yyyy-MM-dd HH:mm:ss, UTC) nor an age such as 30m, 2h or 7d.");
                    return 2;
                }
                query = query.And(new QueryCondition("sys_created_on", QueryOperator.GreaterThanOrEquals, GlideDateTimes.Format(from.Value)));
            }

            var options = new InstanceOptions { DataDirectory = parse.GetValue(store.Data)!, PostgresConnectionString = parse.GetValue(store.Postgres) };
            if (options.PostgresConnectionString is null && !File.Exists(InstanceApp.DatabasePath(options.DataDirectory)))
            {
                Console.Error.WriteLine($"No instance database at {InstanceApp.DatabasePath(options.DataDirectory)}; give the instance's --data directory or --postgres connection string.");
                return 2;
            }
            await using var opened = await InstanceApp.OpenStoreAsync(options, cancellationToken);
            var table = opened.Tables.Find(InstanceTables.Syslog)!;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var newest = parse.GetValue(limit);
            var first = await opened.QueryAsync(new RecordQuery
            {
                Table = table,
                Query = query with { Order = [new OrderTerm("sys_created_on", Descending: true)] },
                Limit = Math.Max(1, newest),
            }, cancellationToken);
            var rows = first.Rows.Reverse().ToList();
            foreach (var row in rows) Print(row, seen);
            if (!parse.GetValue(follow)) return 0;

            var last = rows.Count > 0 ? rows[^1]["sys_created_on"]! : GlideDateTimes.Format(DateTimeOffset.UtcNow.AddSeconds(-1));
            try
            {
                while (!cancellationToken.IsCancellationRequested)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                    var next = await opened.QueryAsync(new RecordQuery
                    {
                        Table = table,
                        Query = query.And(new QueryCondition("sys_created_on", QueryOperator.GreaterThanOrEquals, last))
                            with { Order = [new OrderTerm("sys_created_on", Descending: false)] },
                        Limit = 1000,
                    }, cancellationToken);
                    foreach (var row in next.Rows)
                    {
                        Print(row, seen);
                        last = row["sys_created_on"]!;
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
            return 0;
        });
        return command;
    }

    private static void Print(RecordRow row, HashSet<string> seen)
    {
        if (!seen.Add(row.SysId)) return;
        var (label, color) = row["level"] switch
        {
            "2" => ("ERROR", "red"),
            "1" => ("WARN ", "yellow"),
            "-1" => ("DEBUG", "grey"),
            _ => ("INFO ", "blue"),
        };
        // One row per line whatever the terminal's width, so that the output can be piped and grepped.
        if (Console.IsOutputRedirected)
            Console.Out.WriteLine($"{row["sys_created_on"]} {label} {row["source"]}: {row["message"]}");
        else
            AnsiConsole.Console.Write(new Markup(
                $"{row["sys_created_on"]} [{color}]{label}[/] {Markup.Escape(row["source"] ?? "")}: {Markup.Escape(row["message"] ?? "")}\n")
            { Overflow = Overflow.Fold });
    }

    private static int? ParseLevel(string text) => text.Trim().ToLowerInvariant() switch
    {
        "debug" or "-1" => -1,
        "info" or "information" or "0" => 0,
        "warning" or "warn" or "1" => 1,
        "error" or "2" => 2,
        _ => null,
    };

    private static DateTimeOffset? ParseSince(string text)
    {
        if (GlideDateTimes.TryParse(text, out var at)) return at;
        text = text.Trim();
        if (text.Length < 2 || !double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) || amount < 0)
            return null;
        TimeSpan? age = text[^1] switch
        {
            's' => TimeSpan.FromSeconds(amount),
            'm' => TimeSpan.FromMinutes(amount),
            'h' => TimeSpan.FromHours(amount),
            'd' => TimeSpan.FromDays(amount),
            _ => null,
        };
        return age is null ? null : DateTimeOffset.UtcNow - age;
    }
}
