using System.Security.Cryptography;

namespace IdentityBridge.Cli.Bench;

/// <summary>
/// The inputs of the three operations the issue names, drawn the same way whether they go over HTTP or straight to
/// the store: a lookup of a random seeded user, a new user, and a random page of a filtered, ordered list.
/// </summary>
internal sealed class UserWorkload
{
    public const int PageSize = 100;

    private readonly int _users;
    // Unique per run, so that a kept store's earlier creates (removed or not) never collide with this run's.
    private readonly string _tag = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));

    public UserWorkload(int users, long matchingRows)
    {
        _users = users;
        MatchingRows = matchingRows;
    }

    /// <summary>Rows of the list page's filter: the list pages through them.</summary>
    public long MatchingRows { get; }

    /// <summary>Active users of two of the departments, by user_name: about a fifth of the store.</summary>
    public static string PageFilter { get; } =
        $"active=true^departmentIN{BenchUsers.DepartmentSysId(0)},{BenchUsers.DepartmentSysId(1)}";

    public string PageQuery { get; } = PageFilter + "^ORDERBYuser_name";

    public string LookupUserName(BenchWorker worker) => BenchUsers.UserName(worker.Random.Next(_users));

    public Dictionary<string, string?> NewUser(BenchWorker worker, string path) =>
        BenchUsers.Created($"{_tag}.{path}", worker.Index, ++worker.Sequence);

    /// <summary>Any offset from the first page to the last full one, so that deep pages are measured too.</summary>
    public int PageOffset(BenchWorker worker) => (int)worker.Random.NextInt64(Math.Max(1, MatchingRows - PageSize + 1));

    public int PageRows(int offset) => (int)Math.Clamp(MatchingRows - offset, 0, PageSize);
}
