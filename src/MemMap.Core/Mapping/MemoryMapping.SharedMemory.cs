using System.Runtime.InteropServices;
using MemMap.Interop;

namespace MemMap;

// POSIX shared memory: a named object in /dev/shm (shm_open) that unrelated processes map by name.
public sealed partial class MemoryMapping
{
    /// <summary>Where Linux keeps POSIX shared-memory objects.</summary>
    private const string SharedMemoryFolder = "/dev/shm";

    /// <summary>The permissions a new shared-memory object gets unless told otherwise: 0600, its owner only.</summary>
    public const UnixFileMode DefaultSharedMemoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>The shared-memory object's name (such as <c>/demo</c>) for a <see cref="MappingKind.SharedMemory"/> mapping, else null.</summary>
    public string? Name => Kind == MappingKind.SharedMemory ? "/" + System.IO.Path.GetFileName(Path) : null;

    /// <summary>
    /// Maps the POSIX shared-memory object <paramref name="name"/> shared (shm_open + mmap). An existing
    /// object is opened; a missing one is created when <see cref="MappingOptions.Length"/> is given, with
    /// exactly <paramref name="mode"/> (the umask does not apply). An existing object shorter than
    /// Offset + Length is extended (ftruncate), never shrunk; without a Length the whole object is mapped.
    /// </summary>
    /// <param name="name">The object's name: <c>/demo</c> (the leading slash may be left out; no other slash).</param>
    /// <param name="options">Length, Offset, Protection and the creation flags; not Private, Create or HugePages.</param>
    /// <param name="mode">The permissions of an object this call creates; ignored when it exists already.</param>
    /// <exception cref="ArgumentException">The name or options do not describe shared memory; the message says why.</exception>
    /// <exception cref="SystemCallException">shm_open (ENOENT: missing and no Length; EACCES: its mode forbids it), fchmod, ftruncate or mmap failed.</exception>
    public static MemoryMapping MapSharedMemory(string name, MappingOptions? options = null, UnixFileMode mode = DefaultSharedMemoryMode)
    {
        name = NormalizeSharedMemoryName(name);
        options ??= new MappingOptions();
        ValidateOffsetAndProtection(options);
        if (options.Private || options.Create)
        {
            throw new ArgumentException($"Shared memory is always mapped shared, and created when missing if a Length is given: leave out {(options.Private ? "Private" : "Create")}.", nameof(options));
        }
        if (((int)mode & ~0b111_111_111) != 0)
        {
            throw new ArgumentException($"Mode {System.Convert.ToString((int)mode, 8).PadLeft(4, '0')} is not a permission mode for a shared-memory object: give read, write and execute for user, group and others, 0000 to 0777, such as 0600 (owner only) or 0660 (owner and group).", nameof(mode));
        }
        string path = SharedMemoryFolder + name;
        bool write = options.Protection.HasFlag(MemoryProtection.Write) || options.Length is not null;
        // NonBlock: anyone may mkfifo in /dev/shm, and opening a FIFO would wait for its other end, forever.
        Libc.OpenFlags access = Libc.OpenFlags.CloseOnExec | Libc.OpenFlags.NonBlock | (write ? Libc.OpenFlags.ReadWrite : Libc.OpenFlags.ReadOnly);
        ProcessLimits.ReserveDescriptor(path);
        int fd = Libc.ShmOpen(name, access, 0);
        if (fd < 0 && Marshal.GetLastPInvokeError() == Errno.ENOENT && options.Length is not null)
        {
            fd = CreateSharedMemory(name, access, mode);
        }
        if (fd < 0)
        {
            throw Errno.Last("shm_open", name, errno => errno switch
            {
                Errno.ENOENT => $"No shared-memory object is named {name}: give a Length to create it.",
                Errno.EACCES => $"Its mode (ls -l {path}) does not let this user open it{(write ? " for writing" : "")}; ask its owner, or map it with Read protection if reading is allowed.",
                Errno.EINVAL or Errno.ENAMETOOLONG => "Give a name such as /demo: one slash at the start, at most 255 characters.",
                _ => null,
            });
        }
        return MapDescriptor(fd, path, options, extend: options.Length is not null, MappingKind.SharedMemory);
    }

    /// <summary>Removes the name of the shared-memory object <paramref name="name"/> (shm_unlink); mappings of it stay usable, the memory goes when the last one does.</summary>
    /// <exception cref="SystemCallException">No such object (ENOENT), or not allowed (EACCES).</exception>
    public static void UnlinkSharedMemory(string name)
    {
        name = NormalizeSharedMemoryName(name);
        if (Libc.ShmUnlink(name) != 0)
        {
            throw Errno.Last("shm_unlink", name, errno => errno == Errno.ENOENT ? "No shared-memory object has that name (any more)." : null);
        }
    }

    /// <summary>Removes the name of the shared-memory object this mapping maps (see <see cref="UnlinkSharedMemory"/>).</summary>
    /// <exception cref="MappingOperationException">The mapping is not of a shared-memory object.</exception>
    public void Unlink() => UnlinkSharedMemory(Name ?? throw new MappingOperationException(
        $"Mapping {Id} ({Describe()}) is {Kind}, not a shared-memory object: only those (New-MemoryMapping -Name) have a name to unlink."));

    private static int CreateSharedMemory(string name, Libc.OpenFlags access, UnixFileMode mode)
    {
        int fd = Libc.ShmOpen(name, access | Libc.OpenFlags.Create | Libc.OpenFlags.Exclusive, (int)mode);
        if (fd < 0)
        {
            // Another process created it in the meantime: open theirs.
            return Marshal.GetLastPInvokeError() == Errno.EEXIST ? Libc.ShmOpen(name, access, 0) : fd;
        }
        if (Libc.Fchmod(fd, (int)mode) != 0)
        {
            SystemCallException error = Errno.Last("fchmod", name);
            Libc.Close(fd);
            Libc.ShmUnlink(name);
            throw error;
        }
        return fd;
    }

    private static string NormalizeSharedMemoryName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        string bare = name.TrimStart('/');
        if (bare.Length == 0 || bare.Contains('/', StringComparison.Ordinal) || bare is "." or "..")
        {
            throw new ArgumentException($"'{name}' is not a shared-memory name: give one such as /demo (a slash at the start and no other).", nameof(name));
        }
        return "/" + bare;
    }
}
