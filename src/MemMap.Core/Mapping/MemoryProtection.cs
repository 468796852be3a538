namespace MemMap;

/// <summary>Page protection, as mmap(2) and mprotect(2) take it (the values are PROT_*).</summary>
[Flags]
public enum MemoryProtection
{
    /// <summary>PROT_NONE: any access is refused.</summary>
    None = 0,

    /// <summary>PROT_READ.</summary>
    Read = 1,

    /// <summary>PROT_WRITE.</summary>
    Write = 2,

    /// <summary>PROT_READ | PROT_WRITE, the default.</summary>
    ReadWrite = Read | Write,

    /// <summary>PROT_EXEC.</summary>
    Execute = 4,
}
