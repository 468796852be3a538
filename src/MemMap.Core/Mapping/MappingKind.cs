namespace MemMap;

/// <summary>The kinds of mapping: shared or private, backed by a file, anonymous, or a POSIX shared-memory object.</summary>
public enum MappingKind
{
    /// <summary>MAP_SHARED over a file: writes reach the file and every process that maps it.</summary>
    SharedFile,

    /// <summary>MAP_PRIVATE over a file: writes are copy-on-write, seen by this mapping only, never written back.</summary>
    PrivateFile,

    /// <summary>MAP_SHARED | MAP_ANONYMOUS: zero-filled memory shared with child processes created by fork.</summary>
    SharedAnonymous,

    /// <summary>MAP_PRIVATE | MAP_ANONYMOUS: zero-filled memory of this process only.</summary>
    PrivateAnonymous,

    /// <summary>MAP_SHARED over a POSIX shared-memory object (shm_open): named memory that unrelated processes open by name.</summary>
    SharedMemory,
}
