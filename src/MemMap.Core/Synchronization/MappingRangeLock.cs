using MemMap.Interop;

namespace MemMap;

/// <summary>A byte-range lock held on a mapping (<see cref="MemoryMapping.LockRange"/>); disposing it releases it. See MemoryMapping.RangeLock.cs for the design.</summary>
public sealed class MappingRangeLock : IDisposable
{
    private readonly MemoryMapping mapping;
    private readonly object resource;
    private readonly bool reusable;
    private int descriptor;

    internal MappingRangeLock(MemoryMapping mapping, object resource, long offset, long count, bool shared, object owner, int descriptor, bool reusable)
    {
        this.reusable = reusable;
        this.mapping = mapping;
        this.resource = resource;
        Offset = offset;
        Count = count;
        IsShared = shared;
        Owner = owner;
        this.descriptor = descriptor;
    }

    /// <summary>The id of the mapping it was taken on.</summary>
    public int MappingId => mapping.Id;

    /// <summary>The first byte locked: an offset in the file for file and shared-memory mappings, in the mapping for anonymous memory.</summary>
    public long Offset { get; }

    /// <summary>How many bytes are locked.</summary>
    public long Count { get; }

    /// <summary>True for a shared (read) lock, false for an exclusive (write) lock.</summary>
    public bool IsShared { get; }

    /// <summary>True until it is released.</summary>
    public bool IsHeld { get; private set; }

    /// <summary>Who holds it, for the re-entry rule.</summary>
    internal object Owner { get; }

    /// <summary>Its own open file description (file and shared-memory mappings), or -1 for anonymous memory.</summary>
    internal int Descriptor => descriptor;

    internal bool Overlaps(MappingRangeLock other) =>
        resource.Equals(other.resource) && Offset < other.Offset + other.Count && other.Offset < Offset + Count;

    internal bool Conflicts(MappingRangeLock other) => Overlaps(other) && !(IsShared && other.IsShared);

    /// <summary>Releases the lock: unlocks its own description for reuse, or closes it, which drops the kernel's lock. Safe to call twice, and after the mapping was removed.</summary>
    public void Dispose()
    {
        bool wasHeld = IsHeld;
        IsHeld = false;
        int fd = Interlocked.Exchange(ref descriptor, -1);
        if (fd >= 0)
        {
            if (wasHeld && reusable)
            {
                mapping.ReturnDescription(fd, Offset, Count);
            }
            else
            {
                Libc.Close(fd);
            }
        }
        if (wasHeld)
        {
            MemoryMapping.Released(this);
        }
    }

    internal void MarkHeld() => IsHeld = true;

    /// <summary>Closes the description of a lock that was never taken.</summary>
    internal void CloseDescription()
    {
        int fd = Interlocked.Exchange(ref descriptor, -1);
        if (fd >= 0)
        {
            Libc.Close(fd);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"{(IsShared ? "Shared" : "Exclusive")} lock on offsets {Offset} to {Offset + Count - 1} of mapping {MappingId}";
}
