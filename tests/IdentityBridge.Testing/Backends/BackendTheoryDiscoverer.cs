using IdentityBridge.Testing.Postgres;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace IdentityBridge.Testing.Backends;

/// <summary>
/// Makes one test case per backend for <see cref="BackendTheoryAttribute"/>. xUnit 2 can skip a data row only at
/// discovery, so the skip is decided here rather than in the test.
/// </summary>
public sealed class BackendTheoryDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod,
        IAttributeInfo factAttribute)
    {
        var display = discoveryOptions.MethodDisplayOrDefault();
        var displayOptions = discoveryOptions.MethodDisplayOptionsOrDefault();
        var parameters = testMethod.Method.GetParameters().ToList();
        if (parameters.Count != 1 || parameters[0].ParameterType.ToRuntimeType() != typeof(Backend))
        {
            yield return new ExecutionErrorTestCase(diagnosticMessageSink, display, displayOptions, testMethod,
                $"[BackendTheory] methods take exactly one parameter of type {nameof(Backend)}.");
            yield break;
        }
        var skip = factAttribute.GetNamedArgument<string>(nameof(FactAttribute.Skip));
        foreach (var backend in Enum.GetValues<Backend>())
        {
            var reason = skip ?? (backend == Backend.Postgres ? PostgresServer.SkipReason : null);
            yield return reason is null
                ? new XunitTestCase(diagnosticMessageSink, display, displayOptions, testMethod, [backend])
                : new XunitSkippedDataRowTestCase(diagnosticMessageSink, display, displayOptions, testMethod, reason, [backend]);
        }
    }
}
