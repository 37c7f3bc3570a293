namespace Live.Commerce.Tests;

/// <summary>One <see cref="CommerceEnvironment"/> for every class of the suite (starting the real-time core is the slow part).</summary>
[CollectionDefinition(Name)]
public sealed class CommerceCollection : ICollectionFixture<CommerceEnvironment>
{
    public const string Name = "commerce";
}
