namespace MemMap;

/// <summary>A system call refused the request; carries the call, the errno and what to do about it.</summary>
public sealed class SystemCallException : MemoryMappingException
{
    /// <summary>Creates the exception for <paramref name="systemCall"/> failing with <paramref name="errno"/>.</summary>
    public SystemCallException(string systemCall, int errno, string errnoName, string description, string target, string? advice)
        : base($"{systemCall} failed for {target}: {errnoName} ({description}).{(advice is null ? "" : " " + advice)}")
    {
        SystemCall = systemCall;
        Errno = errno;
        ErrnoName = errnoName;
    }

    /// <summary>The failing call, such as <c>mmap</c> or <c>open</c>.</summary>
    public string SystemCall { get; }

    /// <summary>The errno number.</summary>
    public int Errno { get; }

    /// <summary>The errno's symbolic name, such as <c>EACCES</c>.</summary>
    public string ErrnoName { get; }
}
