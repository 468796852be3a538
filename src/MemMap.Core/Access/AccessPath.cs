namespace MemMap;

/// <summary>How a read or write reaches the mapped memory (chosen once per mapping, see MemoryMapping.Access.cs).</summary>
internal enum AccessPath
{
    /// <summary>process_vm_readv/writev on our own pid: a page that would fault ends the copy with EFAULT instead of a signal.</summary>
    Kernel,

    /// <summary>A plain memory copy, under the gate, after the bounds, hole and protection checks: only for memory nobody outside this process can take away.</summary>
    Direct,

    /// <summary>memcpy/memset inside the native helper, whose SIGBUS handler turns a page that no longer exists into a short count (GuardedCopy): for memory another process can take away (files, shared memory objects, huge pages).</summary>
    Guarded,

    /// <summary>pread from the mapped file (reads of shared regular-file mappings, where the native helper is missing): the same page-cache pages, and past the end of the file a short read, not a signal.</summary>
    File,
}
