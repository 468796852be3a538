namespace MemMap.Tests.Helpers;

/// <summary>
/// Tests that need a stretch of address space to stay free for a moment (room to grow a mapping in
/// place, a hole to fill at an exact address) run alone: other tests' mappings would take it.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ExactAddressTests
{
    public const string Name = "Exact address space";
}
