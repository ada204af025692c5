using IdentityBridge.Testing.Postgres;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace IdentityBridge.Tenant.Tests.Hosting;

/// <summary>
/// A test against a running tenant. Scenario classes are abstract and run once per backend through their
/// <c>...OnSqlite</c> and <c>...OnPostgres</c> subclasses; the PostgreSQL ones are skipped only where
/// <c>IDBRIDGE_SKIP_POSTGRES=1</c> asks for it.
/// </summary>
[XunitTestCaseDiscoverer("IdentityBridge.Tenant.Tests.Hosting.TenantFactDiscoverer", "IdentityBridge.Tenant.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class TenantFactAttribute : FactAttribute;

public sealed class TenantFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod,
        IAttributeInfo factAttribute)
    {
        var display = discoveryOptions.MethodDisplayOrDefault();
        var displayOptions = discoveryOptions.MethodDisplayOptionsOrDefault();
        var onPostgres = typeof(IClassFixture<PostgresTenant>).IsAssignableFrom(testMethod.TestClass.Class.ToRuntimeType());
        var reason = onPostgres ? PostgresServer.SkipReason : null;
        yield return reason is null
            ? new XunitTestCase(diagnosticMessageSink, display, displayOptions, testMethod)
            : new XunitSkippedDataRowTestCase(diagnosticMessageSink, display, displayOptions, testMethod, reason);
    }
}
