namespace IdentityBridge.Instance.Tests.TableApi;

/// <summary>Every encoded-query operator of spec section 2, sent over HTTP as <c>sysparm_query</c>.</summary>
public abstract class EncodedQueryTests(RunningInstance instance)
{
    /// <summary>The users (without the scope prefix) a query limited to the cast finds, sorted unless asked not to.</summary>
    private async Task<IReadOnlyList<string>> UsersAsync(Cast cast, string condition, bool inServerOrder = false)
    {
        var query = $"user_nameSTARTSWITH{cast.Scope}^{condition}";
        return await QueryAsync(cast, query, inServerOrder);
    }

    private async Task<IReadOnlyList<string>> QueryAsync(Cast cast, string query, bool inServerOrder = false)
    {
        var reply = await instance.Admin.GetAsync(
            $"/api/now/table/sys_user?sysparm_fields=user_name&sysparm_query={Uri.EscapeDataString(query)}");
        var names = reply.ShouldBe(HttpStatusCode.OK).Column("user_name").Select(n => n![cast.Scope.Length..]).ToList();
        return inServerOrder ? names : names.Order(StringComparer.Ordinal).ToList();
    }

    [BackendFact]
    public async Task equals_and_not_equals_match_exact_values_and_not_equals_includes_empty_ones()
    {
        var cast = await Cast.CreateAsync(instance);

        Assert.Equal(["beth"], await UsersAsync(cast, "first_name=Beth"));
        Assert.Equal(["abel", "charlie", "dana"], await UsersAsync(cast, "first_name!=Beth"));
        Assert.Equal(["abel", "beth", "dana"], await UsersAsync(cast, "title!=R^^D Engineer"));
        Assert.Equal(["abel", "beth", "charlie"], await UsersAsync(cast, "title!=NULL"));
        Assert.Equal(["dana"], await UsersAsync(cast, "title=NULL"));
    }

    [BackendFact]
    public async Task caret_joins_conditions_with_and()
    {
        var cast = await Cast.CreateAsync(instance);

        Assert.Equal(["beth"], await UsersAsync(cast, "city=Lyon^active=true"));
        Assert.Empty(await UsersAsync(cast, "first_name=Abel^last_name=Ross"));
    }

    [BackendFact]
    public async Task caret_or_joins_a_condition_to_its_neighbour_only()
    {
        var cast = await Cast.CreateAsync(instance);

        Assert.Equal(["abel", "dana"], await UsersAsync(cast, "first_name=Abel^ORfirst_name=Dana"));
        Assert.Equal(["abel"], await UsersAsync(cast, "first_name=Abel^ORfirst_name=Dana^city=Paris"));
    }

    [BackendFact]
    public async Task caret_nq_starts_a_new_query_whose_rows_are_added()
    {
        var cast = await Cast.CreateAsync(instance);

        var found = await QueryAsync(cast,
            $"user_nameSTARTSWITH{cast.Scope}^first_name=Abel^NQuser_nameSTARTSWITH{cast.Scope}^last_name=Ross");

        Assert.Equal(["abel", "dana"], found);
    }

    [BackendFact]
    public async Task like_and_not_like_test_containment_and_not_like_includes_empty_values()
    {
        var cast = await Cast.CreateAsync(instance);

        Assert.Equal(["abel", "beth"], await UsersAsync(cast, "titleLIKEa"));
        Assert.Equal(["beth"], await UsersAsync(cast, "titleLIKEManager"));
        Assert.Equal(["beth", "charlie", "dana"], await UsersAsync(cast, "titleNOT LIKESales"));
    }

    [BackendFact]
    public async Task startswith_and_endswith_anchor_the_value()
    {
        var cast = await Cast.CreateAsync(instance);

        Assert.Equal(["beth"], await UsersAsync(cast, "last_nameSTARTSWITHAng"));
        Assert.Equal(["dana"], await UsersAsync(cast, "last_nameENDSWITHoss"));
        Assert.Empty(await UsersAsync(cast, "last_nameSTARTSWITHoss"));
    }

    [BackendFact]
    public async Task in_and_not_in_take_comma_separated_lists()
    {
        var cast = await Cast.CreateAsync(instance);

        Assert.Equal(["abel", "dana"], await UsersAsync(cast, "first_nameINAbel,Dana"));
        Assert.Equal(["beth", "charlie"], await UsersAsync(cast, "first_nameNOT INAbel,Dana"));
        Assert.Equal(["beth", "charlie"], await UsersAsync(cast, $"managerIN{cast.Abel},{cast.Beth}"));
    }

    [BackendFact]
    public async Task isempty_isnotempty_anything_and_emptystring_need_no_value()
    {
        var cast = await Cast.CreateAsync(instance);

        Assert.Equal(["abel", "dana"], await UsersAsync(cast, "managerISEMPTY"));
        Assert.Equal(["beth", "charlie"], await UsersAsync(cast, "managerISNOTEMPTY"));
        Assert.Equal(["dana"], await UsersAsync(cast, "titleISEMPTY"));
        Assert.Equal(["abel", "beth", "charlie", "dana"], await UsersAsync(cast, "titleANYTHING"));
        // "" written through the API is stored as empty (NULL), never as an empty string, so nothing matches; a
        // dropped term would have matched all four.
        Assert.Empty(await UsersAsync(cast, "titleEMPTYSTRING"));
    }

    [BackendFact]
    public async Task comparisons_order_numbers_as_numbers_and_strings_lexically()
    {
        var cast = await Cast.CreateAsync(instance);

        Assert.Equal(["charlie"], await UsersAsync(cast, "employee_number<200"));
        Assert.Equal(["beth", "charlie"], await UsersAsync(cast, "employee_number<=200"));
        Assert.Equal(["abel"], await UsersAsync(cast, "employee_number>200"));
        Assert.Equal(["abel", "beth"], await UsersAsync(cast, "employee_number>=200"));
        // 12 > 5 as a number although "12" < "5" as text.
        Assert.Equal(["abel"], await UsersAsync(cast, "failed_attempts>5"));
        Assert.Equal(["charlie", "dana"], await UsersAsync(cast, "failed_attempts<3"));
    }

    [BackendFact]
    public async Task between_takes_both_bounds_inclusively_separated_by_at()
    {
        var cast = await Cast.CreateAsync(instance);

        Assert.Equal(["beth", "charlie"], await UsersAsync(cast, "failed_attemptsBETWEEN2@3"));
        Assert.Equal(["abel", "beth"], await UsersAsync(cast, "employee_numberBETWEEN200@300"));
    }

    [BackendFact]
    public async Task sameas_and_nsameas_compare_two_fields_of_the_row()
    {
        var cast = await Cast.CreateAsync(instance);

        Assert.Equal(["charlie"], await UsersAsync(cast, "first_nameSAMEASlast_name"));
        Assert.Equal(["abel", "beth", "dana"], await UsersAsync(cast, "first_nameNSAMEASlast_name"));
    }

    [BackendFact]
    public async Task orderby_and_orderbydesc_sort_the_result()
    {
        var cast = await Cast.CreateAsync(instance);

        Assert.Equal(["abel", "beth", "charlie", "dana"], await UsersAsync(cast, "ORDERBYfirst_name", inServerOrder: true));
        Assert.Equal(["dana", "charlie", "beth", "abel"], await UsersAsync(cast, "ORDERBYDESCfirst_name", inServerOrder: true));
        Assert.Equal(["dana", "beth", "abel", "charlie"],
            await UsersAsync(cast, "ORDERBYDESCactive^ORDERBYfailed_attempts", inServerOrder: true));
    }

    [BackendFact]
    public async Task caret_eq_ends_the_query()
    {
        var cast = await Cast.CreateAsync(instance);

        Assert.Equal(["abel"], await UsersAsync(cast, "first_name=Abel^EQ^first_name=Beth"));
    }

    [BackendFact]
    public async Task doubled_caret_is_a_literal_caret_in_a_value()
    {
        var cast = await Cast.CreateAsync(instance);

        Assert.Equal(["charlie"], await UsersAsync(cast, "title=R^^D Engineer"));
        Assert.Equal(["charlie"], await UsersAsync(cast, "titleLIKER^^D"));
    }

    [BackendFact]
    public async Task dot_walking_follows_references_to_other_records()
    {
        var cast = await Cast.CreateAsync(instance);

        Assert.Equal(["beth"], await UsersAsync(cast, $"manager.user_name={cast.UserName("abel")}"));
        Assert.Equal(["charlie"], await UsersAsync(cast, "manager.manager.first_name=Abel"));
        Assert.Equal(["abel", "beth"], await UsersAsync(cast, $"department.name={cast.SalesName}"));
        Assert.Equal(["charlie", "beth"], await UsersAsync(cast, "managerISNOTEMPTY^ORDERBYDESCmanager.first_name", inServerOrder: true));
    }

    [BackendFact]
    public async Task reference_compared_with_a_name_matches_its_display_value()
    {
        var cast = await Cast.CreateAsync(instance);

        Assert.Equal(["abel", "beth"], await UsersAsync(cast, $"department={cast.SalesName}"));
        Assert.Equal(["charlie"], await UsersAsync(cast, "manager=Beth Anglin"));
        Assert.Equal(["charlie"], await UsersAsync(cast, "managerLIKEAnglin"));
        Assert.Equal(["abel", "beth", "dana"], await UsersAsync(cast, $"departmentNOT IN{cast.EngineeringName}"));
    }

    [BackendFact]
    public async Task name_value_pairs_filter_like_query_terms_and_accept_display_values()
    {
        var cast = await Cast.CreateAsync(instance);
        async Task<IReadOnlyList<string>> Filter(string pairs) =>
            (await instance.Admin.GetAsync($"/api/now/table/sys_user?sysparm_fields=user_name&{pairs}"))
            .ShouldBe(HttpStatusCode.OK).Column("user_name").Select(n => n![cast.Scope.Length..]).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(["abel", "beth"], await Filter($"department={Uri.EscapeDataString(cast.SalesName)}"));
        Assert.Equal(["abel", "beth"], await Filter($"department={cast.Sales}"));
        Assert.Equal(["abel", "beth"], await Filter($"department={Uri.EscapeDataString(cast.SalesName)}&active=true"));
        Assert.Equal(["charlie"], await Filter($"active=false&department={Uri.EscapeDataString(cast.EngineeringName)}"));
        Assert.Equal(["beth"], await Filter($"manager={cast.Abel}&active=true"));
    }

    [BackendFact]
    public async Task invalid_terms_are_dropped_unless_the_property_asks_for_no_rows()
    {
        var cast = await Cast.CreateAsync(instance);
        const string invalid = "no_such_field=1^first_nameWHATEVERAbel";

        var dropped = await UsersAsync(cast, invalid);
        await instance.SetPropertyAsync("glide.invalid_query.returns_no_rows", "true");
        try
        {
            var noRows = await UsersAsync(cast, invalid);
            var validStillWorks = await UsersAsync(cast, "first_name=Abel");

            Assert.Equal(["abel", "beth", "charlie", "dana"], dropped);
            Assert.Empty(noRows);
            Assert.Equal(["abel"], validStillWorks);
        }
        finally
        {
            await instance.SetPropertyAsync("glide.invalid_query.returns_no_rows", "false");
        }
    }
}

public sealed class EncodedQueryTestsOnSqlite(SqliteInstance instance) : EncodedQueryTests(instance), IClassFixture<SqliteInstance>;

public sealed class EncodedQueryTestsOnPostgres(PostgresInstance instance) : EncodedQueryTests(instance), IClassFixture<PostgresInstance>;
