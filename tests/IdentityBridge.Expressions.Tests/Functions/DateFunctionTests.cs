using IdentityBridge.Expressions.Evaluation;
using static IdentityBridge.Expressions.Tests.Support.Expressions;

namespace IdentityBridge.Expressions.Tests.Functions;

/// <summary>The date functions of spec §3.3; dates print as Entra prints them, M/d/yyyy h:mm:ss tt, in UTC.</summary>
public class DateFunctionTests
{
    private static readonly AttributeBag Workday = new() { ["StatusHireDate"] = "2012-03-16-07:00" };

    [Fact]
    public void cdate_converts_a_workday_date_to_utc_as_in_microsofts_example() =>
        Assert.Equal("3/16/2020 7:00:00 AM", Text("CDate([StatusHireDate])", new() { ["StatusHireDate"] = "2020-03-16-07:00" }));

    [Fact]
    public void cdate_of_a_date_east_of_utc_moves_to_the_day_before_as_in_microsofts_example() =>
        Assert.Equal("6/29/2021 4:00:00 PM", Text("CDate(\"2021-06-30+08:00\")"));

    [Fact]
    public void cdate_of_an_iso_8601_time_with_offset_as_in_microsofts_example() =>
        Assert.Equal("6/15/2009 8:45:30 AM", Text("CDate(\"2009-06-15T01:45:30-07:00\")"));

    [Fact]
    public void cdate_gives_a_date_value() =>
        Assert.Equal(new DateTime(2020, 3, 16, 7, 0, 0, DateTimeKind.Utc), Value("CDate(\"2020-03-16T07:00:00Z\")").DateTime);

    [Fact]
    public void cdate_of_something_that_is_no_date_is_an_error_result() =>
        Assert.Equal(ErrorCodes.InvalidDate, ErrorCode("CDate(\"next tuesday\")"));

    [Theory]
    [InlineData("DateAdd(\"d\", 7, CDate([StatusHireDate]))", "3/23/2012 7:00:00 AM")]
    [InlineData("DateAdd(\"d\", -10, CDate([StatusHireDate]))", "3/6/2012 7:00:00 AM")]
    [InlineData("DateAdd(\"ww\", 2, CDate([StatusHireDate]))", "3/30/2012 7:00:00 AM")]
    [InlineData("DateAdd(\"m\", 10, CDate([StatusHireDate]))", "1/16/2013 7:00:00 AM")]
    [InlineData("DateAdd(\"yyyy\", 2, CDate([StatusHireDate]))", "3/16/2014 7:00:00 AM")]
    public void date_add_moves_the_hire_date_as_in_microsofts_examples(string expression, string expected) =>
        Assert.Equal(expected, Text(expression, Workday));

    [Theory]
    [InlineData("h", "3/16/2012 10:00:00 AM")]
    [InlineData("n", "3/16/2012 7:03:00 AM")]
    [InlineData("s", "3/16/2012 7:00:03 AM")]
    public void date_add_adds_hours_minutes_and_seconds(string interval, string expected) =>
        Assert.Equal(expected, Text($"DateAdd(\"{interval}\", 3, CDate([StatusHireDate]))", Workday));

    [Fact]
    public void date_add_with_an_unknown_interval_is_an_error() =>
        Assert.Equal(ErrorCodes.InvalidArgument, ErrorCode("DateAdd(\"fortnight\", 1, CDate([StatusHireDate]))", Workday));

    [Fact]
    public void date_add_reads_a_date_string_without_cdate() =>
        Assert.Equal("3/17/2012 7:00:00 AM", Text("DateAdd(\"d\", 1, [StatusHireDate])", Workday));

    [Fact]
    public void date_diff_counts_days_from_now_to_the_hire_date()
    {
        // Now is pinned to 3/10/2012 7:00:00 AM; the hire date is 3/16/2012 7:00:00 AM.
        Assert.Equal("6", Text("DateDiff(\"d\", Now(), CDate([StatusHireDate]))", Workday));
        Assert.Equal("-6", Text("DateDiff(\"d\", CDate([StatusHireDate]), Now())", Workday));
    }

    [Theory]
    [InlineData("d", "2021-08-18+08:00", "2021-08-31+08:00", "13")]
    [InlineData("d", "8/25/2021 5:41:18 PM", "2012-03-16-07:00", "-3449")]
    [InlineData("ww", "8/25/2021 5:41:18 PM", "2012-03-16-07:00", "-493")]
    [InlineData("m", "8/25/2021 5:41:18 PM", "2012-03-16-07:00", "-113")]
    [InlineData("yyyy", "8/25/2021 5:41:18 PM", "2012-03-16-07:00", "-9")]
    [InlineData("d", "2021-08-31+08:00", "2021-08-31+08:00", "0")]
    [InlineData("h", "2021-08-24", "2021-08-25", "24")]
    [InlineData("n", "2021-08-24", "2021-08-25", "1440")]
    [InlineData("s", "2021-08-24", "2021-08-25", "86400")]
    public void date_diff_compares_now_with_the_hire_date_as_in_microsofts_examples(string interval, string now, string hireDate, string expected)
    {
        // date1 is Now(), pinned to the moment the table gives, read as CDate reads it.
        var clock = new DateTimeOffset(Value($"CDate(\"{now}\")").DateTime);
        Assert.Equal(expected, Text($"DateDiff(\"{interval}\", Now(), CDate([StatusHireDate]))",
            new() { ["StatusHireDate"] = hireDate }, Context(clock)));
    }

    [Theory]
    [InlineData("1", "2021-08-27T07:00:00Z", "True")]
    [InlineData("1", "2021-09-10T07:00:00Z", "False")]
    [InlineData("0", "2021-08-27T07:00:00Z", "False")]
    public void date_diff_in_iif_enables_accounts_hired_within_five_days_as_in_microsofts_example(string active, string hireDate, string expected)
    {
        const string expression = """
            Switch([Active], , 
              "1", IIF(DateDiff("d", Now(), CDate([StatusHireDate])) > 5, "False", "True"), 
              "0", "False")
            """;
        var now = new DateTimeOffset(2021, 8, 25, 17, 41, 18, TimeSpan.Zero);
        Assert.Equal(expected, Text(expression, new() { ["Active"] = active, ["StatusHireDate"] = hireDate }, Context(now)));
    }

    [Theory]
    [InlineData("yyyy", "2011-12-31T23:00:00Z", "2012-01-01T01:00:00Z", "1")]
    [InlineData("m", "2012-01-31T00:00:00Z", "2012-02-01T00:00:00Z", "1")]
    [InlineData("d", "2012-01-01T23:00:00Z", "2012-01-02T01:00:00Z", "0")]
    [InlineData("ww", "2012-03-10T00:00:00Z", "2012-03-11T00:00:00Z", "1")]
    [InlineData("h", "2012-01-01T00:00:00Z", "2012-01-01T05:59:00Z", "5")]
    [InlineData("n", "2012-01-01T00:00:00Z", "2012-01-01T00:01:59Z", "1")]
    [InlineData("s", "2012-01-01T00:00:00Z", "2012-01-01T00:01:00Z", "60")]
    public void date_diff_counts_as_visual_basic_does(string interval, string from, string to, string expected) =>
        Assert.Equal(expected, Text($"DateDiff(\"{interval}\", \"{from}\", \"{to}\")"));

    [Fact]
    public void date_from_num_reads_an_active_directory_filetime_as_in_microsofts_example() =>
        Assert.Equal("1/1/2012 11:00:00 PM", Text("DateFromNum(129699324000000000)"));

    [Fact]
    public void date_from_num_reads_the_number_from_an_attribute() =>
        Assert.Equal("1/1/2012 11:00:00 PM", Text("DateFromNum([lastLogonTimestamp])", new() { ["lastLogonTimestamp"] = "129699324000000000" }));

    [Fact]
    public void date_from_num_of_ads_never_value_is_an_error_result() =>
        Assert.Equal(ErrorCodes.InvalidArgument, ErrorCode("DateFromNum(9223372036854775807)"));

    [Fact]
    public void num_from_date_is_the_inverse_of_date_from_num() =>
        Assert.Equal("129699324000000000", Text("NumFromDate(\"2012-01-01T23:00:00Z\")"));

    [Fact]
    public void num_from_date_of_a_workday_contract_end_date_in_pacific_time_as_in_microsofts_example()
    {
        // Microsoft documents no number; 31 December 2020 23:59:59 at -08:00 is 1 January 2021 07:59:59 UTC.
        const string expression = "NumFromDate(Join(\"\", FormatDateTime([ContractEndDate], ,\"yyyy-MM-ddzzz\", \"yyyy-MM-dd\"), \" 23:59:59-08:00\"))";
        Assert.Equal("132539615990000000", Text(expression, new() { ["ContractEndDate"] = "2020-12-31-08:00" }));
    }

    [Fact]
    public void num_from_date_of_a_successfactors_end_date_in_pacific_time_as_in_microsofts_example()
    {
        const string expression = "NumFromDate(Join(\"\",FormatDateTime([endDate], ,\"M/d/yyyy hh:mm:ss tt\",\"yyyy-MM-dd\"),\" 23:59:59-08:00\"))";
        Assert.Equal("132539615990000000", Text(expression, new() { ["endDate"] = "12/31/2020 12:00:00 AM" }));
    }

    [Fact]
    public void format_date_time_reformats_an_ad_generalized_time_as_in_microsofts_example() =>
        Assert.Equal("2015-01-23", Text("FormatDateTime([extensionAttribute1], , \"yyyyMMddHHmmss.fZ\", \"yyyy-MM-dd\")",
            new() { ["extensionAttribute1"] = "20150123105347.1Z" }));

    [Fact]
    public void format_date_time_converts_a_workday_date_to_ad_format_in_utc() =>
        Assert.Equal("20211223080000.0Z", Text("FormatDateTime([StatusHireDate], , \"yyyy-MM-ddzzz\", \"yyyyMMddHHmmss.fZ\")",
            new() { ["StatusHireDate"] = "2021-12-23-08:00" }));

    [Fact]
    public void format_date_time_accepts_the_older_three_argument_form() =>
        Assert.Equal("2015-01-23", Text("FormatDateTime(\"20150123105347.1Z\", \"yyyyMMddHHmmss.fZ\", \"yyyy-MM-dd\")"));

    [Fact]
    public void format_date_time_takes_date_time_styles_by_name() =>
        Assert.Equal("2015-01-23 10:53", Text("FormatDateTime(\" 2015-01-23 10:53 \", \"AllowWhiteSpaces\", \"yyyy-MM-dd HH:mm\", \"yyyy-MM-dd HH:mm\")"));

    [Fact]
    public void format_date_time_with_unknown_styles_is_an_error() =>
        Assert.Equal(ErrorCodes.InvalidArgument, ErrorCode("FormatDateTime(\"2015\", \"Sideways\", \"yyyy\", \"yyyy\")"));

    [Fact]
    public void format_date_time_of_a_value_that_does_not_match_the_input_format_is_an_error_result() =>
        Assert.Equal(ErrorCodes.InvalidDate, ErrorCode("FormatDateTime(\"23/01/2015\", , \"yyyy-MM-dd\", \"yyyyMMdd\")"));

    [Fact]
    public void now_prints_the_pinned_clock_in_entras_format_as_in_microsofts_example() =>
        Assert.Equal("7/2/2021 3:33:38 PM", Text("Now()", context: Context(new DateTimeOffset(2021, 7, 2, 15, 33, 38, TimeSpan.Zero))));

    [Fact]
    public void now_is_utc_whatever_the_clocks_offset() =>
        Assert.Equal("7/2/2021 1:33:38 PM", Text("Now()", context: Context(new DateTimeOffset(2021, 7, 2, 15, 33, 38, TimeSpan.FromHours(2)))));
}
