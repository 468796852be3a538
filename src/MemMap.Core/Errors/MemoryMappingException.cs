namespace MemMap;

/// <summary>The base of every error MemMap raises about a mapping or a mapping request.</summary>
public class MemoryMappingException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MemoryMappingException(string message) : base(message) { }

    /// <summary>Creates the exception with its cause.</summary>
    public MemoryMappingException(string message, Exception? innerException) : base(message, innerException) { }

    /// <summary>Creates the exception.</summary>
    public MemoryMappingException() { }
}
