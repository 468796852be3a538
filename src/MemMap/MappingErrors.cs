using System.Management.Automation;
using System.Text.RegularExpressions;

namespace MemMap.Commands;

/// <summary>The one place that turns a core exception into an <see cref="ErrorRecord"/>: a stable id, the category that fits, the target.</summary>
internal static partial class MappingErrors
{
    internal static ErrorRecord ToErrorRecord(Exception error, object? target) => error switch
    {
        SystemCallException call => new ErrorRecord(call, $"{call.SystemCall}.{call.ErrnoName}", CategoryOf(call.ErrnoName), target)
        {
            ErrorDetails = call.SystemCall is "open" or "mmap" ? new ErrorDetails(AsParameters(call.Message, target)) : null,
        },
        MappingAccessException access => new ErrorRecord(access, $"Access.{access.Fault}", access.Fault switch
        {
            MappingAccessFault.Protection => ErrorCategory.PermissionDenied,
            MappingAccessFault.BeyondEndOfFile => ErrorCategory.ResourceUnavailable,
            _ => ErrorCategory.InvalidOperation,
        }, target),
        ProcessLimitException limit => new ErrorRecord(limit, $"ProcessLimit.{limit.Limit}", ErrorCategory.ResourceUnavailable, target),
        MappingOperationException operation => new ErrorRecord(operation, "InvalidOperation", ErrorCategory.InvalidOperation, target),
        MappingTimeoutException timeout => new ErrorRecord(timeout, $"{timeout.Kind}.Timeout", ErrorCategory.OperationTimeout, target),
        MappingLockRecursionException recursion => new ErrorRecord(recursion, "Lock.Recursion", ErrorCategory.DeadlockDetected, target),
        MappingClosedException closed => new ErrorRecord(closed, "MappingRemoved", ErrorCategory.ResourceUnavailable, target),
        // The user named no .NET parameter: the rule without " (Parameter 'options')" and the actual value.
        ArgumentException argument => new ErrorRecord(new ArgumentException(Rule(argument, target), argument), "InvalidArgument", ErrorCategory.InvalidArgument, target),
        _ => new ErrorRecord(error, "MemMapError", ErrorCategory.NotSpecified, target),
    };

    /// <summary>A failure that names its own id and category, such as "no mapping has that id".</summary>
    internal static ErrorRecord Create(string message, string errorId, ErrorCategory category, object? target) =>
        new(new MemoryMappingException(message), errorId, category, target);

    private static string Rule(ArgumentException argument, object? target)
    {
        string rule = argument.Message.Split(" (Parameter '")[0];
        return argument.ParamName == "options" ? AsParameters(rule, target) : rule;
    }

    /// <summary>
    /// A creation error as the user reads it: the core names MappingOptions properties (Create, Length),
    /// which are New-MemoryMapping's parameters, so they are shown as typed (-Create, -Length).
    /// The mapped path (the target) is left as it is, whatever words it holds.
    /// </summary>
    private static string AsParameters(string message, object? target)
    {
        string[] parts = target is string path && path.Length > 0 ? message.Split(path) : [message];
        return string.Join(target as string, parts.Select(part => OptionName().Replace(part, "-$1")));
    }

    [GeneratedRegex(@"(?<![\w/.-])(Offset|Length|Protection|Private|Create|Populate|NoReserve|Locked)(?![\w-])")]
    private static partial Regex OptionName();

    private static ErrorCategory CategoryOf(string errnoName) => errnoName switch
    {
        "EACCES" or "EPERM" or "EROFS" => ErrorCategory.PermissionDenied,
        "ENOENT" => ErrorCategory.ObjectNotFound,
        "EINVAL" or "EISDIR" or "ENODEV" or "ENXIO" or "EOVERFLOW" => ErrorCategory.InvalidArgument,
        "ENOMEM" or "EAGAIN" or "EMFILE" or "ENFILE" or "ENOSPC" or "EFBIG" => ErrorCategory.ResourceUnavailable,
        "EIO" => ErrorCategory.WriteError,
        _ => ErrorCategory.NotSpecified,
    };
}
