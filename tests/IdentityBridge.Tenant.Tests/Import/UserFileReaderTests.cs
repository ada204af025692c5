using IdentityBridge.Tenant.Import;

namespace IdentityBridge.Tenant.Tests.Import;

public sealed class UserFileReaderTests
{
    private static ImportBatch Read(string text) => UserFileReader.Read(new StringReader(text));

    private static string? Text(ImportedUser user, string property) => user.Properties.GetValueOrDefault(property)?.ToString();

    [Fact]
    public void bulk_create_template_is_read_after_its_version_line_and_block_sign_in_inverts_account_enabled()
    {
        var batch = Read(
            "version:v1.0\n" +
            "Name [displayName] Required,User name [userPrincipalName] Required,Initial password [passwordProfile] Required,Block sign in (Yes/No) [accountEnabled] Required,First name [givenName],Last name [surname],Job title [jobTitle],Department [department],Usage location [usageLocation]\n" +
            "Chris Green,chris@contoso.com,Pa55w.rd!,No,Chris,Green,Engineer,Sales,US\n" +
            "Zoë Müller,zoe@contoso.com,An0ther!pass,Yes,Zoë,Müller,,Legal,DE\n");

        Assert.StartsWith("bulk-create template version:v1.0", batch.Format);
        Assert.Empty(batch.Problems);
        Assert.Equal(2, batch.Users.Count);
        var chris = batch.Users[0];
        Assert.Equal(3, chris.Line);
        Assert.Equal("chris@contoso.com", chris.UserPrincipalName);
        Assert.Equal("Pa55w.rd!", chris.Password);
        Assert.Equal("true", Text(chris, "accountEnabled"));
        Assert.Equal("Sales", Text(chris, "department"));
        Assert.Equal("false", Text(batch.Users[1], "accountEnabled"));
        Assert.Equal("Zoë", Text(batch.Users[1], "givenName"));
        Assert.False(batch.Users[1].Properties.ContainsKey("jobTitle"));
    }

    [Fact]
    public void downloaded_users_csv_maps_graph_headers_and_keeps_quoted_commas_and_line_breaks()
    {
        var batch = Read(
            "\uFEFFuserPrincipalName,displayName,surname,mail,givenName,id,userType,jobTitle,department,accountEnabled,telephoneNumber,streetAddress,city\n" +
            "abel@contoso.com,\"Tuter, Abel\",Tuter,abel@contoso.com,Abel,6f1e2a44-2a9e-4c1e-9c1f-0a1b2c3d4e5f,Member,\"R&D \"\"lead\"\"\",Engineering,True,+1 555 0100,\"1 Main St\nSuite 2\",Seattle\n" +
            "beth@contoso.com,Beth Anglin,Anglin,,Beth,,Guest,,,False,,,\n");

        Assert.Empty(batch.Problems);
        var abel = batch.Users[0];
        Assert.Equal("Tuter, Abel", Text(abel, "displayName"));
        Assert.Equal("R&D \"lead\"", Text(abel, "jobTitle"));
        Assert.Equal("1 Main St\nSuite 2", Text(abel, "streetAddress"));
        Assert.Equal("6f1e2a44-2a9e-4c1e-9c1f-0a1b2c3d4e5f", Text(abel, "id"));
        Assert.Equal(["+1 555 0100"], abel.Properties["businessPhones"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.Equal(4, batch.Users[1].Line);
        Assert.Equal("Guest", Text(batch.Users[1], "userType"));
        Assert.Equal("false", Text(batch.Users[1], "accountEnabled"));
    }

    [Fact]
    public void rejected_rows_are_reported_with_line_and_reason_and_the_rest_are_read()
    {
        var batch = Read(
            "userPrincipalName,displayName,id,accountEnabled,userType\n" +
            "good@contoso.com,Good,,true,Member\n" +
            ",No Name,,true,Member\n" +
            "not-an-upn,Bad,,true,Member\n" +
            "badid@contoso.com,Bad Id,12345,true,Member\n" +
            "badbool@contoso.com,Bad Bool,,maybe,Member\n" +
            "badtype@contoso.com,Bad Type,,true,Robot\n" +
            "\n" +
            "also.good@contoso.com,Also Good,,false,Guest\n");

        Assert.Equal(["good@contoso.com", "also.good@contoso.com"], batch.Users.Select(u => u.UserPrincipalName));
        Assert.Equal([3, 4, 5, 6, 7], batch.Problems.Select(p => p.Line));
        Assert.Contains("missing", batch.Problems[0].Reason);
        Assert.Contains("'not-an-upn' is not a user principal name", batch.Problems[1].Reason);
        Assert.Contains("'12345' is not an object id", batch.Problems[2].Reason);
        Assert.Contains("'maybe'", batch.Problems[3].Reason);
        Assert.Contains("'Robot'", batch.Problems[4].Reason);
    }

    [Fact]
    public void unknown_columns_are_noted_and_ignored()
    {
        var batch = Read("userPrincipalName,favouriteColour\nann@contoso.com,teal\n");

        Assert.Single(batch.Users);
        Assert.False(batch.Users[0].Properties.ContainsKey("favouriteColour"));
        Assert.Contains(batch.Notes, n => n.Contains("favouriteColour"));
    }

    [Fact]
    public void file_without_a_user_principal_name_column_is_refused_as_a_whole()
    {
        var batch = Read("displayName,mail\nAnn,ann@contoso.com\n");

        Assert.Empty(batch.Users);
        Assert.Contains("user principal name", Assert.Single(batch.Problems).Reason);
    }

    [Fact]
    public void json_in_graphs_user_shape_is_read_from_an_array_or_a_page()
    {
        var page = Read("""
            {"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users","value":[
              {"id":"6f1e2a44-2a9e-4c1e-9c1f-0a1b2c3d4e5f","userPrincipalName":"ann@contoso.com","displayName":"Ann",
               "accountEnabled":false,"businessPhones":["+1 555 0100"],"passwordProfile":{"password":"S3cret!pass"},
               "extension_0a1b_costCenter":"CC-7"},
              {"displayName":"No UPN"},
              42
            ]}
            """);
        var array = Read("""[{"userPrincipalName":"bob@contoso.com"}]""");

        var ann = Assert.Single(page.Users);
        Assert.Equal("false", Text(ann, "accountEnabled"));
        Assert.Equal("S3cret!pass", ann.Password);
        Assert.Equal("CC-7", Text(ann, "extension_0a1b_costCenter"));
        Assert.Equal([2, 3], page.Problems.Select(p => p.Line));
        Assert.Equal("bob", Text(Assert.Single(array.Users), "displayName"));
    }

    [Fact]
    public void malformed_json_is_one_problem_not_an_exception()
    {
        var batch = Read("[{\"userPrincipalName\": ");

        Assert.Empty(batch.Users);
        Assert.Contains("not valid JSON", Assert.Single(batch.Problems).Reason);
    }
}
