namespace MemMap.Tests;

/// <summary>One owner (a PowerShell runspace) releases its own mappings and never another's.</summary>
public sealed class OwnershipTests
{
    [Fact]
    public void Disposing_one_owners_mappings_leaves_the_other_owners_and_unowned_mappings_open_and_listed()
    {
        object runspaceA = Guid.NewGuid(), runspaceB = Guid.NewGuid();
        using MemoryMapping a1 = MemoryMapping.MapAnonymous(new MappingOptions { Length = 10, Owner = runspaceA });
        using MemoryMapping a2 = MemoryMapping.MapAnonymous(new MappingOptions { Length = 10, Owner = runspaceA });
        using MemoryMapping b = MemoryMapping.MapAnonymous(new MappingOptions { Length = 10, Owner = runspaceB });
        using MemoryMapping unowned = MemoryMapping.MapAnonymous(new MappingOptions { Length = 10 });
        b.Write(0, [42]);

        // A Guid equal to A's but boxed anew: ownership compares by value, as a runspace's InstanceId does.
        int removed = MappingRegistry.DisposeOwnedBy(Guid.Parse(runspaceA.ToString()!));

        Assert.Equal(2, removed);
        Assert.False(a1.IsOpen);
        Assert.False(a2.IsOpen);
        Assert.Null(MappingRegistry.Find(a1.Id));
        Assert.True(b.IsOpen);
        Assert.True(unowned.IsOpen);
        Assert.Same(b, MappingRegistry.Find(b.Id));
        Assert.Same(unowned, MappingRegistry.Find(unowned.Id));
        Assert.Equal(42, b.Read(0, 1)[0]);
        Assert.Equal(runspaceB, b.Owner);
        Assert.Null(unowned.Owner);
    }

    [Fact]
    public void An_owner_with_no_mappings_disposes_nothing()
    {
        using MemoryMapping other = MemoryMapping.MapAnonymous(new MappingOptions { Length = 10, Owner = Guid.NewGuid() });

        Assert.Equal(0, MappingRegistry.DisposeOwnedBy(Guid.NewGuid()));
        Assert.True(other.IsOpen);
    }
}
