namespace MemMap;

/// <summary>The atomic operations of the native helper (memmap_guarded_value), with its numbers.</summary>
internal enum AtomicOperation
{
    Load = 0,
    Store = 1,
    Add = 2,
    CompareExchange = 3,
}
