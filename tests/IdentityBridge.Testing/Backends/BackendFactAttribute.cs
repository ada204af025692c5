using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace IdentityBridge.Testing.Backends;

/// <summary>Marks a class fixture that runs the tests of its class on PostgreSQL.</summary>
public interface IPostgresFixture;

/// <summary>
/// A test of a scenario class that runs once per backend through subclasses (<c>...OnSqlite</c>, <c>...OnPostgres</c>)
/// with a class fixture for each. The PostgreSQL ones fail where PostgreSQL is not installed, saying how to install
/// it, unless <c>IDBRIDGE_SKIP_POSTGRES=1</c> asks to skip them.
/// </summary>
[XunitTestCaseDiscoverer("IdentityBridge.Testing.Backends.BackendFactDiscoverer", "IdentityBridge.Testing")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class BackendFactAttribute : FactAttribute;

/// <summary>xUnit 2 decides skips at discovery, so the PostgreSQL skip is decided here rather than in the fixture.</summary>
public sealed class BackendFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod,
        IAttributeInfo factAttribute)
    {
        var display = discoveryOptions.MethodDisplayOrDefault();
        var displayOptions = discoveryOptions.MethodDisplayOptionsOrDefault();
        var onPostgres = testMethod.TestClass.Class.ToRuntimeType().GetInterfaces().Any(i =>
            i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IClassFixture<>) &&
            typeof(IPostgresFixture).IsAssignableFrom(i.GetGenericArguments()[0]));
        var reason = onPostgres ? Postgres.PostgresServer.SkipReason : null;
        yield return reason is null
            ? new XunitTestCase(diagnosticMessageSink, display, displayOptions, testMethod)
            : new XunitSkippedDataRowTestCase(diagnosticMessageSink, display, displayOptions, testMethod, reason);
    }
}
