namespace MemMap;

/// <summary>The mapping's present state does not allow the operation (such as resizing a mapping with a hole); the message says what to do instead.</summary>
public sealed class MappingOperationException : MemoryMappingException
{
    /// <summary>Creates the exception.</summary>
    public MappingOperationException(string message) : base(message) { }
}
