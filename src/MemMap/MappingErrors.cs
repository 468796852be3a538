using System.Management.Automation;

namespace MemMap.Commands;

/// <summary>The one place that turns a core exception into an <see cref="ErrorRecord"/>: a stable id, the category that fits, the target.</summary>
internal static class MappingErrors
{
    internal static ErrorRecord ToErrorRecord(Exception error, object? target) => error switch
    {
        SystemCallException call => new ErrorRecord(call, $"{call.SystemCall}.{call.ErrnoName}", CategoryOf(call.ErrnoName), target),
        MappingAccessException access => new ErrorRecord(access, $"Access.{access.Fault}", access.Fault switch
        {
            MappingAccessFault.Protection => ErrorCategory.PermissionDenied,
            MappingAccessFault.BeyondEndOfFile => ErrorCategory.ResourceUnavailable,
            _ => ErrorCategory.InvalidOperation,
        }, target),
        ProcessLimitException limit => new ErrorRecord(limit, $"ProcessLimit.{limit.Limit}", ErrorCategory.ResourceUnavailable, target),
        MappingOperationException operation => new ErrorRecord(operation, "InvalidOperation", ErrorCategory.InvalidOperation, target),
        MappingClosedException closed => new ErrorRecord(closed, "MappingRemoved", ErrorCategory.ResourceUnavailable, target),
        ArgumentException argument => new ErrorRecord(argument, "InvalidArgument", ErrorCategory.InvalidArgument, target)
        {
            // The user named no .NET parameter: show the rule without " (Parameter 'options')" and the actual value.
            ErrorDetails = new ErrorDetails(argument.Message.Split(" (Parameter '")[0]),
        },
        _ => new ErrorRecord(error, "MemMapError", ErrorCategory.NotSpecified, target),
    };

    /// <summary>A failure that names its own id and category, such as "no mapping has that id".</summary>
    internal static ErrorRecord Create(string message, string errorId, ErrorCategory category, object? target) =>
        new(new MemoryMappingException(message), errorId, category, target);

    private static ErrorCategory CategoryOf(string errnoName) => errnoName switch
    {
        "EACCES" or "EPERM" or "EROFS" => ErrorCategory.PermissionDenied,
        "ENOENT" => ErrorCategory.ObjectNotFound,
        "EINVAL" or "EISDIR" or "ENODEV" or "EOVERFLOW" => ErrorCategory.InvalidArgument,
        "ENOMEM" or "EAGAIN" or "EMFILE" or "ENFILE" or "ENOSPC" or "EFBIG" => ErrorCategory.ResourceUnavailable,
        "EIO" => ErrorCategory.WriteError,
        _ => ErrorCategory.NotSpecified,
    };
}
