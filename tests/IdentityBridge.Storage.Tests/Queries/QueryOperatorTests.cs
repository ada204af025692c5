using IdentityBridge.Storage.Tests.World;
using static IdentityBridge.Storage.Tests.World.Names;

namespace IdentityBridge.Storage.Tests.Queries;

/// <summary>Each operator of the encoded-query grammar (spec/servicenow.md section 2), run on the <see cref="Cast"/>.</summary>
public sealed class QueryOperatorTests
{
    [BackendTheory]
    public async Task conditions_joined_by_caret_must_all_match(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddCastAsync();

        Assert.Equal([Abel], await people.UserNamesAsync("active=true^logins>9"));
        Assert.Equal([Abel, Beth], await people.UserNamesAsync("active=true^state=active"));
    }

    [BackendTheory]
    public async Task or_condition_matches_either_neighbour(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddCastAsync();

        Assert.Equal([Abel, Beth], await people.UserNamesAsync("logins=9^ORlogins=100"));
        Assert.Equal([Abel, Charlie, Dana], await people.UserNamesAsync("logins=100^ORstate=retired^ORtitleISEMPTY"));
    }

    [BackendTheory]
    public async Task or_binds_only_to_the_condition_before_it(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddCastAsync();

        // state=active AND (logins=9 OR logins=10): Charlie has 10 logins but is retired.
        Assert.Equal([Beth], await people.UserNamesAsync("state=active^logins=9^ORlogins=10"));
    }

    [BackendTheory]
    public async Task new_query_matches_the_records_of_either_group(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddCastAsync();

        Assert.Equal([Beth, Charlie, Dana], await people.UserNamesAsync("active=true^logins=9^NQstate=retired^ORstate=new"));
        Assert.Equal([Abel, Charlie], await people.UserNamesAsync("active=false^NQlogins=100"));
    }

    [BackendTheory]
    public async Task equals_matches_whole_values_whatever_their_case(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddCastAsync();

        Assert.Equal([Beth], await people.UserNamesAsync("first_name=Beth"));
        Assert.Equal([Abel], await people.UserNamesAsync("user_name=ABEL.TUTER"));
        Assert.Equal([Beth], await people.UserNamesAsync("name=bEtH aNgLiN"));
        Assert.Equal([Charlie], await people.UserNamesAsync("state=RETIRED"));
        Assert.Empty(await people.UserNamesAsync("first_name=Bet"));
        Assert.Equal([Abel, Beth], await people.UserNamesAsync("active=true"));
        Assert.Equal([Charlie], await people.UserNamesAsync("logins=10"));
        Assert.Equal([Charlie], await people.UserNamesAsync("last_login=2024-01-15 12:00:00"));
    }

    [BackendTheory]
    public async Task not_equals_also_matches_empty_values(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddCastAsync();

        Assert.Equal([Charlie, Dana], await people.UserNamesAsync("active!=true"));
        Assert.Equal([Abel, Beth, Dana], await people.UserNamesAsync("logins!=10"));
        Assert.Equal([Abel, Beth, Dana], await people.UserNamesAsync("title!=ENGINEER"));
        Assert.Equal([Abel, Beth, Charlie], await people.UserNamesAsync("last_login!=2020-01-01 00:00:00^titleISNOTEMPTY"));
    }

    [BackendTheory]
    public async Task null_as_a_value_means_empty(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddCastAsync();

        Assert.Equal([Abel, Dana], await people.UserNamesAsync("manager=NULL"));
        Assert.Equal([Beth, Charlie], await people.UserNamesAsync("manager!=NULL"));
    }

    [BackendTheory]
    public async Task like_matches_part_of_the_text_whatever_its_case(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddCastAsync();

        Assert.Equal([Beth], await people.UserNamesAsync("titleLIKEmanager"));
        Assert.Equal([Abel, Charlie], await people.UserNamesAsync("titleLIKESALES^ORtitleLIKEgineer"));
        Assert.Equal([Abel], await people.UserNamesAsync("title*of sa"));
    }

    [BackendTheory]
    public async Task not_like_matches_text_without_the_part_and_empty_values(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddCastAsync();

        Assert.Equal([Beth, Charlie, Dana], await people.UserNamesAsync("titleNOT LIKEsales"));
        Assert.Equal([Beth, Charlie, Dana], await people.UserNamesAsync("title!*SALES"));
    }

    [BackendTheory]
    public async Task startswith_and_endswith_match_the_ends_of_the_text(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddCastAsync();

        Assert.Equal([Charlie], await people.UserNamesAsync("user_nameSTARTSWITHc"));
        Assert.Equal([Abel], await people.UserNamesAsync("titleSTARTSWITHhead"));
        Assert.Empty(await people.UserNamesAsync("titleSTARTSWITHsales"));
        Assert.Equal([Beth, Charlie], await people.UserNamesAsync("titleENDSWITHER"));
        Assert.Equal([Beth], await people.UserNamesAsync("title%manager"));
    }

    [BackendTheory]
    public async Task in_matches_any_value_of_the_list(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddCastAsync();

        Assert.Equal([Abel, Dana], await people.UserNamesAsync("user_nameINabel.tuter,DANA.ROSS,nobody"));
        Assert.Equal([Beth, Charlie], await people.UserNamesAsync("loginsIN9,10"));
        Assert.Equal([Abel, Beth], await people.UserNamesAsync("stateINactive"));
    }

    [BackendTheory]
    public async Task not_in_matches_values_outside_the_list_and_empty_values(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddCastAsync();

        Assert.Equal([Dana], await people.UserNamesAsync("stateNOT INactive,retired"));
        Assert.Equal([Abel, Dana], await people.UserNamesAsync("loginsNOT IN9,10"));
    }

    [BackendTheory]
    public async Task isempty_and_isnotempty_split_records_on_whether_a_field_holds_a_value(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddCastAsync();

        Assert.Equal([Dana], await people.UserNamesAsync("titleISEMPTY"));
        Assert.Equal([Abel, Dana], await people.UserNamesAsync("managerISEMPTY"));
        Assert.Equal([Dana], await people.UserNamesAsync("loginsISEMPTY"));
        Assert.Equal([Dana], await people.UserNamesAsync("activeISEMPTY"));
        Assert.Equal([Dana], await people.UserNamesAsync("last_loginISEMPTY"));
        Assert.Equal([Beth, Charlie], await people.UserNamesAsync("managerISNOTEMPTY"));
        Assert.Equal([Charlie, Dana], await people.UserNamesAsync("nicknameISNOTEMPTY"));
        Assert.Equal([Abel, Beth, Charlie], await people.UserNamesAsync("loginsISNOTEMPTY"));
    }

    [BackendTheory]
    public async Task anything_matches_every_record_empty_or_not(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddCastAsync();

        Assert.Equal([Abel, Beth, Charlie, Dana], await people.UserNamesAsync("titleANYTHING"));
        Assert.Equal([Abel, Beth, Charlie, Dana], await people.UserNamesAsync("loginsANYTHING"));
        Assert.Equal([Abel, Beth], await people.UserNamesAsync("managerANYTHING^active=true"));
    }

    [BackendTheory]
    public async Task emptystring_matches_an_empty_string_but_not_a_missing_value(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddCastAsync();
        // The store writes "" as NULL; an empty string can only come from outside it.
        await people.ExecuteSqlAsync("UPDATE \"person\" SET \"nickname\" = '' WHERE \"user_name\" = 'abel.tuter'");

        Assert.Equal([Abel], await people.UserNamesAsync("nicknameEMPTYSTRING"));
        Assert.Equal([Abel, Beth], await people.UserNamesAsync("nicknameISEMPTY"));
        Assert.Empty((await people.QueryAsync("nicknameEMPTYSTRING")).DroppedTerms);
    }

    [BackendTheory]
    public async Task less_and_greater_compare_integers_as_numbers(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddCastAsync();

        // As text "100" < "9"; as numbers 9 < 10 < 100.
        Assert.Equal([Beth], await people.UserNamesAsync("logins<10"));
        Assert.Equal([Beth, Charlie], await people.UserNamesAsync("logins<=10"));
        Assert.Equal([Abel], await people.UserNamesAsync("logins>10"));
        Assert.Equal([Abel, Charlie], await people.UserNamesAsync("logins>=10"));
    }

    [BackendTheory]
    public async Task less_and_greater_compare_dates_chronologically(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddCastAsync();

        Assert.Equal([Beth], await people.UserNamesAsync("last_login<2024-01-01"));
        Assert.Equal([Beth], await people.UserNamesAsync("last_login<=2023-12-31 23:59:59"));
        Assert.Equal([Abel, Charlie], await people.UserNamesAsync("last_login>2024-01-15"));
        Assert.Equal([Abel], await people.UserNamesAsync("last_login>2024-01-15 12:00:00"));
        Assert.Equal([Abel, Charlie], await people.UserNamesAsync("last_login>=2024-01-15 12:00:00"));
        // Any ISO 8601 form is read as UTC: 13:00 at +01:00 is Charlie's 12:00 UTC.
        Assert.Equal([Charlie], await people.UserNamesAsync("last_login=2024-01-15T13:00:00+01:00"));
    }

    [BackendTheory]
    public async Task less_and_greater_compare_text_alphabetically(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddCastAsync();

        Assert.Equal([Abel, Beth], await people.UserNamesAsync("user_name<c"));
        Assert.Equal([Abel, Charlie, Dana], await people.UserNamesAsync("last_name>ROSS^ORlast_name=ross"));
    }

    [BackendTheory]
    public async Task between_matches_values_within_both_bounds(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddCastAsync();

        Assert.Equal([Beth, Charlie], await people.UserNamesAsync("loginsBETWEEN9@10"));
        Assert.Equal([Charlie], await people.UserNamesAsync("last_loginBETWEEN2024-01-01@2024-02-01"));
        Assert.Equal([Beth, Charlie], await people.UserNamesAsync("user_nameBETWEENb@d"));
        Assert.Empty(await people.UserNamesAsync("loginsBETWEEN11@99"));
    }

    [BackendTheory]
    public async Task sameas_and_nsameas_compare_two_fields_of_the_record(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddCastAsync();

        // Charlie's nickname is CHARLIE; Dana's is Dee; Abel and Beth have none.
        Assert.Equal([Charlie], await people.UserNamesAsync("nicknameSAMEASfirst_name"));
        Assert.Equal([Abel, Beth, Dana], await people.UserNamesAsync("nicknameNSAMEASfirst_name"));
    }

    [BackendTheory]
    public async Task doubled_caret_stands_for_a_caret_in_a_value(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddPersonAsync("fish", ("title", "Fish ^ Chips"));
        await people.AddPersonAsync("chips", ("title", "Chips"));

        Assert.Equal(["fish"], await people.UserNamesAsync("title=Fish ^^ Chips"));
        Assert.Equal(["fish"], await people.UserNamesAsync("titleLIKE^^"));
        Assert.Equal(["chips", "fish"], await people.UserNamesAsync("titleENDSWITH^^ Chips^ORtitle=chips"));
    }
}
