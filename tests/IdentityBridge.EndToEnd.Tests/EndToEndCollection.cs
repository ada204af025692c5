using IdentityBridge.EndToEnd.Tests.Browser;
using IdentityBridge.EndToEnd.Tests.Hosting;

namespace IdentityBridge.EndToEnd.Tests;

/// <summary>
/// Every end-to-end test class joins this collection: one browser and one stack for the run, and the classes run
/// one after another, which keeps a two-core machine from timing pages out.
/// </summary>
[CollectionDefinition(Name)]
public sealed class EndToEndCollection : ICollectionFixture<BrowserFixture>, ICollectionFixture<Stack>
{
    public const string Name = "End to end";
}
