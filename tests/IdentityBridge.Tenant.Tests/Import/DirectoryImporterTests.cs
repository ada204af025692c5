using IdentityBridge.Storage.Queries;
using IdentityBridge.Tenant.Directory;
using IdentityBridge.Tenant.Import;
using IdentityBridge.Testing.Backends;
using IdentityBridge.Testing.Stores;

namespace IdentityBridge.Tenant.Tests.Import;

public sealed class DirectoryImporterTests
{
    private static async Task<(TestStore Store, TenantDirectory Directory)> OpenAsync(Backend backend)
    {
        var store = await TestStores.OpenAsync(backend, DirectoryTables.All);
        return (store, await TenantDirectory.OpenAsync(store.Store, TimeProvider.System, "contoso.example"));
    }

    private static ImportedUser Read(string csv) => UserFileReader.Read(new StringReader(csv)).Users.Single();

    [BackendTheory]
    public async Task importing_the_same_file_twice_updates_instead_of_duplicating(Backend backend)
    {
        var (store, directory) = await OpenAsync(backend);
        await using var _ = store;
        var importer = new DirectoryImporter(directory);

        var first = await importer.ImportAsync(Read("userPrincipalName,displayName,department\nann@contoso.example,Ann,Sales\n"));
        var again = await importer.ImportAsync(Read("userPrincipalName,displayName,department\nANN@contoso.example,Ann,Legal\n"));

        Assert.Equal(ImportResult.Created, first.Result);
        Assert.Equal(ImportResult.Updated, again.Result);
        Assert.Equal(1, await store.Store.CountAsync(DirectoryTables.User, EncodedQuery.Empty));
        Assert.Equal("Legal", (await directory.FindUserByPrincipalNameAsync("ann@contoso.example"))!["department"]);
    }

    [BackendTheory]
    public async Task imported_id_is_kept_and_the_initial_password_signs_in(Backend backend)
    {
        var (store, directory) = await OpenAsync(backend);
        await using var _ = store;

        var result = await new DirectoryImporter(directory).ImportAsync(Read(
            "version:v1.0\nName [displayName] Required,User name [userPrincipalName] Required,Initial password [passwordProfile] Required,Block sign in (Yes/No) [accountEnabled] Required,Object ID [id]\n" +
            "Bob,bob@contoso.example,Str0ng!pass,No,6f1e2a44-2a9e-4c1e-9c1f-0a1b2c3d4e5f\n"));

        Assert.Equal(ImportResult.Created, result.Result);
        var bob = await store.Store.GetAsync(DirectoryTables.User, "6f1e2a442a9e4c1e9c1f0a1b2c3d4e5f");
        Assert.Equal("bob@contoso.example", bob!["user_principal_name"]);
        Assert.NotNull(await directory.VerifyPasswordAsync("bob@contoso.example", "Str0ng!pass"));
        Assert.Null(await directory.VerifyPasswordAsync("bob@contoso.example", "wrong"));
    }

    [BackendTheory]
    public async Task generated_directory_written_twice_has_the_same_users_and_a_manager_tree(Backend backend)
    {
        var (store, directory) = await OpenAsync(backend);
        await using var _ = store;
        var generator = new DirectoryGenerator(7, "contoso.example");
        var importer = new DirectoryImporter(directory, "generate");

        foreach (var user in generator.Users(30)) Assert.Equal(ImportResult.Created, (await importer.ImportAsync(user, generator)).Result);
        foreach (var user in generator.Users(30)) Assert.Equal(ImportResult.Updated, (await importer.ImportAsync(user, generator)).Result);

        Assert.Equal(30, await store.Store.CountAsync(DirectoryTables.User, EncodedQuery.Empty));
        var ninth = await store.Store.GetAsync(DirectoryTables.User, GraphIds.ToSysId(generator.IdFor("user", 9)));
        Assert.Equal(GraphIds.ToSysId(generator.IdFor("user", 1)), ninth!["manager"]);
    }

    [BackendTheory]
    public async Task generated_users_in_batches_are_recorded_for_delta_and_a_rerun_changes_nothing(Backend backend)
    {
        var (store, directory) = await OpenAsync(backend);
        await using var _ = store;
        var generator = new DirectoryGenerator(7, "contoso.example");
        var importer = new DirectoryImporter(directory, "generate");
        var before = await directory.CurrentSequenceAsync();

        // The first batch overlaps a user written one at a time: it is updated, the others are created.
        await importer.ImportAsync(generator.User(3), generator);
        var first = await importer.ImportManyAsync(generator.Users(20).ToList(), generator);
        var again = await importer.ImportManyAsync(generator.Users(25).ToList(), generator, updateExisting: false);

        Assert.Equal(ImportResult.Updated, first[3].Result);
        Assert.Equal(19, first.Count(r => r.Result == ImportResult.Created));
        Assert.Equal(5, again.Count(r => r.Result == ImportResult.Created));
        Assert.Equal(25, await store.Store.CountAsync(DirectoryTables.User, EncodedQuery.Empty));
        var ninth = await store.Store.GetAsync(DirectoryTables.User, GraphIds.ToSysId(generator.IdFor("user", 9)));
        Assert.Equal(GraphIds.ToSysId(generator.IdFor("user", 1)), ninth!["manager"]);
        Assert.False(string.IsNullOrEmpty(ninth["created_date_time"]));
        // A delta round that began before the load sees every loaded user, each under its own sequence number.
        var changes = await directory.ChangesAsync("user", before, 1_000);
        Assert.Equal(25, changes.Select(c => c["object_id"]).Distinct().Count());
        Assert.Equal(changes.Count, changes.Select(c => c["seq"]).Distinct().Count());
        Assert.Equal(before + changes.Count, await directory.CurrentSequenceAsync());
    }
}
