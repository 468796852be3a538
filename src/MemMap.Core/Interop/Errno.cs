using System.Runtime.InteropServices;

namespace MemMap.Interop;

/// <summary>The one place that turns an errno into names and exceptions.</summary>
internal static class Errno
{
    internal const int EPERM = 1;
    internal const int ENOENT = 2;
    internal const int EIO = 5;
    internal const int ENXIO = 6;
    internal const int EBADF = 9;
    internal const int EAGAIN = 11;
    internal const int ENOMEM = 12;
    internal const int EACCES = 13;
    internal const int EFAULT = 14;
    internal const int EBUSY = 16;
    internal const int EEXIST = 17;
    internal const int ENODEV = 19;
    internal const int ENOTDIR = 20;
    internal const int EISDIR = 21;
    internal const int EINVAL = 22;
    internal const int ENFILE = 23;
    internal const int EMFILE = 24;
    internal const int ETXTBSY = 26;
    internal const int EFBIG = 27;
    internal const int ENOSPC = 28;
    internal const int EROFS = 30;
    internal const int ENAMETOOLONG = 36;
    internal const int ENOSYS = 38;
    internal const int ELOOP = 40;
    internal const int EOVERFLOW = 75;
    internal const int EOPNOTSUPP = 95;

    private static readonly Dictionary<int, string> Names = new()
    {
        [EPERM] = "EPERM", [ENOENT] = "ENOENT", [EIO] = "EIO", [ENXIO] = "ENXIO", [EBADF] = "EBADF", [EAGAIN] = "EAGAIN",
        [ENOMEM] = "ENOMEM", [EACCES] = "EACCES", [EFAULT] = "EFAULT", [EBUSY] = "EBUSY", [EEXIST] = "EEXIST",
        [ENODEV] = "ENODEV", [ENOTDIR] = "ENOTDIR", [EISDIR] = "EISDIR", [EINVAL] = "EINVAL", [ENFILE] = "ENFILE",
        [EMFILE] = "EMFILE", [ETXTBSY] = "ETXTBSY", [EFBIG] = "EFBIG", [ENOSPC] = "ENOSPC", [EROFS] = "EROFS",
        [ENAMETOOLONG] = "ENAMETOOLONG", [ENOSYS] = "ENOSYS", [ELOOP] = "ELOOP", [EOVERFLOW] = "EOVERFLOW",
        [EOPNOTSUPP] = "EOPNOTSUPP",
    };

    internal static string NameOf(int errno) => Names.TryGetValue(errno, out string? name) ? name : $"errno {errno}";

    /// <summary>The exception for the errno the last P/Invoke left, read before anything else can change it.</summary>
    internal static SystemCallException Last(string systemCall, string target, Func<int, string?>? advice = null) =>
        Of(Marshal.GetLastPInvokeError(), systemCall, target, advice);

    /// <summary>The exception for <paramref name="errno"/>, for calls that return their error number (posix_fadvise) and failures .NET reported as its own exception.</summary>
    internal static SystemCallException Of(int errno, string systemCall, string target, Func<int, string?>? advice = null) =>
        new(systemCall, errno, NameOf(errno), Marshal.GetPInvokeErrorMessage(errno), target, advice?.Invoke(errno));
}
