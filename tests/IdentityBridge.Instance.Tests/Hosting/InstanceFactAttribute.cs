using IdentityBridge.Testing.Postgres;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace IdentityBridge.Instance.Tests.Hosting;

/// <summary>
/// A test against a running instance. Scenario classes are abstract and run once per backend through their
/// <c>...OnSqlite</c> and <c>...OnPostgres</c> subclasses; the PostgreSQL ones fail where PostgreSQL is not installed,
/// saying how to install it, unless <c>IDBRIDGE_SKIP_POSTGRES=1</c> asks to skip them.
/// </summary>
[XunitTestCaseDiscoverer("IdentityBridge.Instance.Tests.Hosting.InstanceFactDiscoverer", "IdentityBridge.Instance.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class InstanceFactAttribute : FactAttribute;

/// <summary>xUnit 2 decides skips at discovery, so the PostgreSQL skip is decided here rather than in the fixture.</summary>
public sealed class InstanceFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod,
        IAttributeInfo factAttribute)
    {
        var display = discoveryOptions.MethodDisplayOrDefault();
        var displayOptions = discoveryOptions.MethodDisplayOptionsOrDefault();
        var onPostgres = typeof(IClassFixture<PostgresInstance>).IsAssignableFrom(testMethod.TestClass.Class.ToRuntimeType());
        var reason = onPostgres ? PostgresServer.SkipReason : null;
        yield return reason is null
            ? new XunitTestCase(diagnosticMessageSink, display, displayOptions, testMethod)
            : new XunitSkippedDataRowTestCase(diagnosticMessageSink, display, displayOptions, testMethod, reason);
    }
}
