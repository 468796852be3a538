using MemMap.Interop;
using Microsoft.Win32.SafeHandles;

namespace MemMap;

// Creation: open (and extend) the file, check the process's limits, mmap, optionally mlock.
public sealed partial class MemoryMapping
{
    private const int CreateMode = 0b110_110_110; // 0666, less the umask, like any new file

    /// <summary>Maps a file (by default: all of it, shared, readable and writable).</summary>
    /// <exception cref="ArgumentException">The offset, length or file do not allow the mapping; the message says why.</exception>
    /// <exception cref="ProcessLimitException">The mapping would take the process's last memory areas, descriptors or address space.</exception>
    /// <exception cref="SystemCallException">open, fstat, ftruncate, mmap or mlock failed.</exception>
    public static MemoryMapping MapFile(string path, MappingOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new MappingOptions();
        CheckOptions(options);
        string fullPath = System.IO.Path.GetFullPath(path);
        bool shared = !options.Private;
        bool needsWrite = options.Create || (shared && options.Protection.HasFlag(MemoryProtection.Write));
        // NonBlock: open of a FIFO for reading would otherwise wait for a writer, forever, and hang
        // the session; with it, open returns and fstat refuses the FIFO. Regular files ignore it.
        // NoControllingTerminal: a terminal device given by mistake must not become the session's.
        Libc.OpenFlags flags = Libc.OpenFlags.CloseOnExec | Libc.OpenFlags.NonBlock | Libc.OpenFlags.NoControllingTerminal
            | (needsWrite ? Libc.OpenFlags.ReadWrite : Libc.OpenFlags.ReadOnly)
            | (options.Create ? Libc.OpenFlags.Create : 0);

        ProcessLimits.ReserveDescriptor($"map {fullPath}");
        int fd = Libc.Open(fullPath, flags, CreateMode);
        if (fd < 0)
        {
            throw Errno.Last("open", fullPath, errno => OpenAdvice(errno, needsWrite, options.Create));
        }
        return MapDescriptor(fd, fullPath, options, extend: options.Create, shared ? MappingKind.SharedFile : MappingKind.PrivateFile);
    }

    /// <summary>
    /// Maps the open descriptor <paramref name="fd"/> (which the mapping then owns): a regular file,
    /// extended first when <paramref name="extend"/> and shorter than Offset + Length, or a character
    /// device such as /dev/zero when Length is given (a device has no size to check against).
    /// </summary>
    private static MemoryMapping MapDescriptor(int fd, string path, MappingOptions options, bool extend, MappingKind kind)
    {
        var file = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            if (Libc.Fstat(file, out Libc.FileStatus status) != 0)
            {
                throw Errno.Last("fstat", path);
            }
            bool device = status.IsCharacterDevice;
            if (!status.IsRegularFile && !(device && options.Length is not null && !options.Create))
            {
                throw device
                    ? DeviceWithoutLength(file, path, options)
                    : new ArgumentException($"{path} is not a regular file; MemMap maps regular files, and character devices such as /dev/zero when given a Length.", nameof(path));
            }
            // A device has no size: any Length fits (the driver's mmap refuses what it cannot map).
            long length = FileMappingLength(path, device ? long.MaxValue : status.Size, options with { Create = extend }, kind);
            if (!device && options.Offset + length > status.Size && Libc.Ftruncate(fd, options.Offset + length) != 0)
            {
                throw Errno.Last("ftruncate", path, errno => errno is Errno.ENOSPC or Errno.EFBIG
                    ? $"The file could not be extended to {options.Offset + length} bytes."
                    : null);
            }
            return Map(file, status.IsRegularFile, path, length, options, kind);
        }
        catch
        {
            file.Dispose(); // The mapping owns the descriptor only once Map returns.
            throw;
        }
    }

    /// <summary>Maps zero-filled anonymous memory of <see cref="MappingOptions.Length"/> bytes (shared unless <see cref="MappingOptions.Private"/>).</summary>
    /// <exception cref="ArgumentException">The options do not describe anonymous memory; the message says why.</exception>
    /// <exception cref="ProcessLimitException">The mapping would take the process's last memory areas or address space.</exception>
    /// <exception cref="SystemCallException">mmap or mlock failed.</exception>
    public static MemoryMapping MapAnonymous(MappingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ValidateOffsetAndProtection(options);
        if (options.Offset != 0)
        {
            throw new ArgumentException($"Anonymous memory has no file to offset into; Offset must be 0, not {options.Offset}.", nameof(options));
        }
        if (options.Create)
        {
            throw new ArgumentException("Create applies to files; anonymous memory has no file to create.", nameof(options));
        }
        if (options.Length is not > 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Length, "Anonymous memory needs a Length greater than 0.");
        }
        return Map(null, regularFile: false, null, options.Length.Value, options, options.Private ? MappingKind.PrivateAnonymous : MappingKind.SharedAnonymous);
    }

    private static MemoryMapping Map(SafeFileHandle? file, bool regularFile, string? path, long length, MappingOptions options, MappingKind kind)
    {
        string target = path ?? $"{length} bytes of anonymous memory";
        if (options.HugePages)
        {
            HugePagePool.Require(file is null, options, length, target); // the length as given: a whole number of huge pages
        }
        long pageSize = options.HugePages ? HugePagePool.PageSize : Environment.SystemPageSize;
        long mappedLength = (length + pageSize - 1) / pageSize * pageSize;
        if (options.Address is { } wanted && wanted % pageSize != 0)
        {
            throw new ArgumentException($"Address 0x{wanted:x} is not a multiple of the page size ({pageSize}{(options.HugePages ? ", the huge page size" : "")}): mmap places whole pages.", nameof(options));
        }
        ProcessLimits.ReserveAreas(1, $"map {target}");
        ProcessLimits.ReserveAddressSpace(mappedLength, $"map {target}");
        Libc.MapFlags flags = (options.Private ? Libc.MapFlags.Private : Libc.MapFlags.Shared)
            | (file is null ? Libc.MapFlags.Anonymous : 0)
            | (options.Populate ? Libc.MapFlags.Populate : 0)
            | (options.NoReserve ? Libc.MapFlags.NoReserve : 0)
            | (options.HugePages ? Libc.MapFlags.HugeTlb : 0)
            | (options.Address is null ? 0 : Libc.MapFlags.FixedNoReplace);
        nint address = Libc.Mmap(options.Address ?? 0, (nuint)mappedLength, options.Protection, flags, file is null ? -1 : (int)file.DangerousGetHandle(), options.Offset);
        if (address == Libc.MapFailed)
        {
            throw Errno.Last("mmap", target, errno => errno switch
            {
                Errno.ENOMEM when options.HugePages => $"Not enough huge pages: {HugePagePool.Describe()}.",
                Errno.ENOMEM when options.NoReserve => $"Not enough address space or memory, even with no swap reserved (NoReserve): map less{OvercommitNote()}.",
                Errno.ENOMEM => "Not enough address space or memory: map less, or use NoReserve to reserve no swap for it.",
                Errno.EPERM or Errno.EACCES when options.Address is not null => "The kernel does not allow a mapping at that address (below vm.mmap_min_addr?).",
                Errno.EACCES => "The file's open mode does not allow this protection.",
                Errno.ENODEV => "This file or device does not support memory mapping.",
                Errno.EEXIST => $"Something is already mapped in 0x{options.Address:x}..0x{options.Address + (nint)mappedLength:x}; it was left untouched. Choose a free address (Get-ProcessMemoryMap shows what is mapped), or let the kernel choose.",
                _ => null,
            });
        }
        if (options.Address is { } exact && address != exact)
        {
            // A kernel older than 4.17 ignores MAP_FIXED_NOREPLACE and took the address as a hint.
            Libc.Munmap(address, (nuint)mappedLength);
            throw new MappingOperationException($"The kernel placed {target} at 0x{address:x}, not at the requested 0x{exact:x} (it has no MAP_FIXED_NOREPLACE, Linux 4.17+); the mapping was undone. Let the kernel choose the address.");
        }
        if (options.Locked && Libc.Mlock(address, (nuint)mappedLength) != 0)
        {
            SystemCallException error = Errno.Last("mlock", target, LockAdvice);
            Libc.Munmap(address, (nuint)mappedLength);
            throw error;
        }
        ProcessLimits.Added(areas: 1, descriptors: file is null ? 0 : 1);
        return new MemoryMapping(address, length, file, regularFile, kind, options.Offset, path, options.Protection, options.HugePages) { Owner = options.Owner };
    }

    /// <summary>How many bytes of the file to map: the request checked against the file's size, so no page lies past its end.</summary>
    private static long FileMappingLength(string path, long fileSize, MappingOptions options, MappingKind kind)
    {
        long offset = options.Offset;
        if (options.Length is { } requested)
        {
            if (requested <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(options), requested, $"Length must be greater than 0, not {requested}.");
            }
            if (requested > long.MaxValue - offset - Environment.SystemPageSize)
            {
                throw new ArgumentOutOfRangeException(nameof(options), requested, $"Offset {offset} + Length {requested} overflows.");
            }
            if (options.Create || offset + requested <= fileSize)
            {
                return requested;
            }
        }
        else if (offset < fileSize)
        {
            return fileSize - offset;
        }
        // Pages past the end of a file raise SIGBUS when touched, so such mappings are refused.
        if (fileSize == 0)
        {
            throw new ArgumentException(kind == MappingKind.SharedMemory
                ? $"Cannot map the empty shared-memory object {path[SharedMemoryFolder.Length..]}: give a Length, and it is extended to Offset + Length bytes first."
                : IsKernelGenerated(path)
                ? $"Cannot map {path}: the kernel writes this file as it is read (procfs, sysfs), so it has no pages to map. Read it with Get-Content instead."
                : $"Cannot map the empty file {path}: give a Length and Create to extend it first.", nameof(options));
        }
        if (offset >= fileSize)
        {
            throw new ArgumentException($"Offset {offset} is at or past the end of {path} ({fileSize} bytes); use Create with a Length to extend the file.", nameof(options));
        }
        throw new ArgumentException($"Offset {offset} + Length {options.Length} reaches past the end of {path} ({fileSize} bytes): map at most {fileSize - offset} bytes, or use Create to extend the file.", nameof(options));
    }

    /// <summary>
    /// Checks the options that need no file: offset on a page boundary, a valid protection, Create
    /// with a Length. A cmdlet calls it before ShouldProcess, so that -WhatIf answers options that
    /// would fail with their error.
    /// </summary>
    /// <exception cref="ArgumentException">The options cannot describe a mapping; the message says why.</exception>
    public static void CheckOptions(MappingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ValidateOffsetAndProtection(options);
        if (options.Create && options.Length is null)
        {
            throw new ArgumentException("Create needs a Length: the file is created or extended to Offset + Length bytes.", nameof(options));
        }
    }

    private static void ValidateOffsetAndProtection(MappingOptions options)
    {
        ValidateProtection(options.Protection);
        if (options.Offset < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Offset, $"Offset must not be negative, not {options.Offset}.");
        }
        int pageSize = Environment.SystemPageSize;
        if (options.Offset % pageSize != 0)
        {
            throw new ArgumentException($"Offset {options.Offset} is not a multiple of the page size ({pageSize}): mmap maps whole pages. Map from offset {options.Offset - options.Offset % pageSize} and read from {options.Offset % pageSize} within it.", nameof(options));
        }
    }

    private static void ValidateProtection(MemoryProtection protection)
    {
        const MemoryProtection all = MemoryProtection.ReadWrite | MemoryProtection.Execute;
        if ((protection & ~all) != 0)
        {
            throw new ArgumentException($"{protection} is not a protection: combine None, Read, Write and Execute.", nameof(protection));
        }
    }

    /// <summary>Files of /proc and /sys: the kernel generates them on read, and they show a size of 0.</summary>
    private static bool IsKernelGenerated(string path) =>
        path.StartsWith("/proc/", StringComparison.Ordinal) || path.StartsWith("/sys/", StringComparison.Ordinal);

    /// <summary>Why NoReserve did not help, when the kernel's overcommit policy is the reason (mode 2 reserves for every mapping).</summary>
    private static string OvercommitNote()
    {
        try
        {
            return File.ReadAllText("/proc/sys/vm/overcommit_memory").Trim() == "2"
                ? " (vm.overcommit_memory is 2: the kernel counts every mapping against its commit limit, NoReserve or not)"
                : " (the limits are the address space, ulimit -v, and the commit limit in /proc/meminfo)";
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>
    /// A device has no size, so it needs a Length; but first probe whether its driver maps at all
    /// (one page, unmapped at once): /dev/null does not, and "give a Length" would only lead to ENODEV.
    /// </summary>
    private static Exception DeviceWithoutLength(SafeFileHandle file, string path, MappingOptions options)
    {
        nuint page = (nuint)Environment.SystemPageSize;
        nint probe = Libc.Mmap(0, page, MemoryProtection.Read, Libc.MapFlags.Shared, (int)file.DangerousGetHandle(), 0);
        if (probe == Libc.MapFailed && System.Runtime.InteropServices.Marshal.GetLastPInvokeError() == Errno.ENODEV)
        {
            return Errno.Last("mmap", path, _ => "This device does not support memory mapping, with any Length: read or write it as a file instead (Get-Content, Set-Content).");
        }
        if (probe != Libc.MapFailed)
        {
            Libc.Munmap(probe, page);
        }
        return new ArgumentException($"{path} is a character device: it has no size to map, so give a Length (and no Create).", nameof(options));
    }

    private static string? OpenAdvice(int errno, bool write, bool create) => errno switch
    {
        Errno.ENOENT when !create => "The file does not exist: check the path, or use Create to make it.",
        Errno.EACCES or Errno.EPERM or Errno.EROFS when write => "Writing is not allowed: map it with Read protection only, or as private (copy-on-write).",
        Errno.EISDIR => "That is a directory; map a regular file.",
        Errno.ENXIO => "That is a socket, or a device or FIFO with nothing behind it; map a regular file.",
        Errno.EMFILE => "This process has no file descriptor left: remove mappings you no longer need, or raise the limit (ulimit -n).",
        _ => null,
    };

    internal static string? LockAdvice(int errno) => errno is Errno.ENOMEM or Errno.EPERM or Errno.EAGAIN
        ? $"Locking would exceed the locked-memory limit RLIMIT_MEMLOCK (now {ProcessLimits.DescribeMemlockLimit()}; see 'ulimit -l'): raise the limit or lock less."
        : null;
}
