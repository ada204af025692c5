using Xunit;
using Xunit.Sdk;

namespace IdentityBridge.Testing.Backends;

/// <summary>
/// Runs a test once per <see cref="Backend"/>, passing the backend as its only argument:
/// <c>[BackendTheory] public async Task x(Backend backend)</c>. The PostgreSQL run fails where PostgreSQL is not
/// installed, saying how to install it, unless <c>IDBRIDGE_SKIP_POSTGRES=1</c> asks to skip it.
/// </summary>
[XunitTestCaseDiscoverer("IdentityBridge.Testing.Backends.BackendTheoryDiscoverer", "IdentityBridge.Testing")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class BackendTheoryAttribute : FactAttribute;
