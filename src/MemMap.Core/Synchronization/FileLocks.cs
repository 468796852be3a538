using System.Globalization;
using MemMap.Interop;

namespace MemMap;

/// <summary>A lock's mode in /proc/locks.</summary>
public enum FileLockType
{
    /// <summary>A shared (read) lock.</summary>
    Read,

    /// <summary>An exclusive (write) lock.</summary>
    Write,
}

/// <summary>Which interface took a lock.</summary>
public enum FileLockKind
{
    /// <summary>An open-file-description lock (fcntl F_OFD_SETLK), as Use-MappingLock takes: owned by one open file.</summary>
    OFD,

    /// <summary>A classic POSIX record lock (fcntl F_SETLK, lockf): owned by a process.</summary>
    POSIX,

    /// <summary>A whole-file flock(2) lock.</summary>
    FLOCK,
}

/// <summary>One lock on a file, as /proc/locks lists it (the lslocks view).</summary>
/// <param name="Path">The file.</param>
/// <param name="Type">Read (shared) or Write (exclusive).</param>
/// <param name="Kind">OFD, POSIX or FLOCK.</param>
/// <param name="ProcessId">The holder; for an OFD lock (which /proc/locks shows as pid -1) the process whose open file holds it, or null when this user cannot see it.</param>
/// <param name="Offset">The first byte locked, from the start of the file.</param>
/// <param name="Count">How many bytes; null when it reaches to the end of the file, however far that grows.</param>
public sealed record FileLock(string Path, FileLockType Type, FileLockKind Kind, int? ProcessId, long Offset, long? Count);

/// <summary>Reads the locks on files from /proc/locks, finding the holders of OFD locks through /proc/PID/fdinfo/FD.</summary>
public static class FileLocks
{
    /// <summary>The locks on the file at <paramref name="path"/>, in the order /proc/locks lists them.</summary>
    /// <exception cref="SystemCallException">The file cannot be found.</exception>
    public static IReadOnlyList<FileLock> Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        const Libc.OpenFlags PathOnly = (Libc.OpenFlags)0x200000; // O_PATH: names the file without the right to read it
        int fd = Libc.Open(path, PathOnly | Libc.OpenFlags.CloseOnExec, 0);
        if (fd < 0)
        {
            throw Errno.Last("open", path);
        }
        Libc.FileStatus status;
        try
        {
            // Stryker disable once Block,Statement,String : unreachable, fstat of the O_PATH descriptor just opened cannot fail
            if (Libc.Fstat(fd, out status) != 0)
            {
                throw Errno.Last("fstat", path);
            }
        }
        finally
        {
            Libc.Close(fd);
        }
        return Read(path, status.Device, status.Inode);
    }

    /// <summary>The locks on the file of <paramref name="device"/> and <paramref name="inode"/>, named <paramref name="path"/>.</summary>
    internal static IReadOnlyList<FileLock> Read(string path, ulong device, ulong inode)
    {
        // /proc/locks prints the kernel's major:minor (in hex) and inode; st_dev encodes them as glibc's gnu_dev_major/minor decode.
        string file = string.Create(CultureInfo.InvariantCulture,
            $"{((device >> 8) & 0xfff) | ((device >> 32) & ~0xfffUL):x2}:{(device & 0xff) | ((device >> 12) & ~0xffUL):x2}:{inode}");
        var locks = new List<(Entry Entry, FileLock Lock)>();
        foreach (string line in File.ReadLines("/proc/locks"))
        {
            // A write lock excludes every other lock on its bytes, so two equal ones are one lock read
            // twice: /proc/locks is read a page at a time, and a lock list that changes between two
            // reads shifts lines across the boundary. Equal read locks may be two holders: both stay.
            if (Parse(line) is { } entry && entry.File == file
                && !(entry.Type == FileLockType.Write && locks.Exists(found => found.Entry.Type == FileLockType.Write && found.Entry.Kind == entry.Kind && found.Entry.Start == entry.Start && found.Entry.Count == entry.Count)))
            {
                locks.Add((entry, new FileLock(path, entry.Type, entry.Kind, entry.Pid < 0 ? null : entry.Pid, entry.Start, entry.Count)));
            }
        }
        if (locks.Exists(found => found.Lock.ProcessId is null))
        {
            Dictionary<Entry, Queue<int>> holders = OfdHolders(file);
            for (int i = 0; i < locks.Count; i++)
            {
                if (locks[i].Lock.ProcessId is null && holders.TryGetValue(locks[i].Entry, out Queue<int>? pids) && pids.Count > 0)
                {
                    locks[i] = (locks[i].Entry, locks[i].Lock with { ProcessId = pids.Dequeue() });
                }
            }
        }
        return locks.ConvertAll(found => found.Lock);
    }

    /// <summary>One /proc/locks line, without its ordinal; the pid is -1 for OFD locks.</summary>
    private readonly record struct Entry(FileLockKind Kind, FileLockType Type, int Pid, string File, long Start, long? Count);

    /// <summary>
    /// Parses "1: OFDLCK ADVISORY  WRITE -1 fe:00:1234 0 EOF" (also after "lock:\t" in fdinfo); null
    /// for waiters ("1: -> POSIX …"), leases and anything else this reader does not know.
    /// </summary>
    private static Entry? Parse(string line)
    {
        string[] fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        int at = fields.Length > 0 && fields[0] == "lock:" ? 1 : 0;
        if (fields.Length - at != 8)
        {
            return null;
        }
        FileLockKind? kind = fields[at + 1] switch { "OFDLCK" => FileLockKind.OFD, "POSIX" => FileLockKind.POSIX, "FLOCK" => FileLockKind.FLOCK, _ => null };
        FileLockType? type = fields[at + 3] switch { "READ" => FileLockType.Read, "WRITE" => FileLockType.Write, _ => null };
        if (kind is null || type is null
            || !int.TryParse(fields[at + 4], CultureInfo.InvariantCulture, out int pid)
            || !long.TryParse(fields[at + 6], CultureInfo.InvariantCulture, out long start))
        {
            return null;
        }
        long? count = fields[at + 7] == "EOF" ? null
            : long.TryParse(fields[at + 7], CultureInfo.InvariantCulture, out long end) ? end - start + 1
            : -1;
        return count == -1 ? null : new Entry(kind.Value, type.Value, pid, fields[at + 5], start, count);
    }

    /// <summary>Who holds each OFD lock on <paramref name="file"/>: the "lock:" lines of every /proc/PID/fdinfo/FD this user can read.</summary>
    private static Dictionary<Entry, Queue<int>> OfdHolders(string file)
    {
        var holders = new Dictionary<Entry, Queue<int>>();
        foreach (string process in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(System.IO.Path.GetFileName(process), CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }
            foreach (string info in DescriptorInfos(process))
            {
                try
                {
                    foreach (string line in File.ReadLines(info))
                    {
                        // Stryker disable once String : equivalent, Parse refuses every fdinfo line that is not a lock line (its fields are not a lock's), so the prefix only saves the parsing
                        if (line.StartsWith("lock:", StringComparison.Ordinal) && Parse(line) is { Kind: FileLockKind.OFD } entry && entry.File == file)
                        {
                            (holders.TryGetValue(entry, out Queue<int>? pids) ? pids : holders[entry] = new Queue<int>()).Enqueue(pid);
                        }
                    }
                }
                catch (Exception error) when (error is IOException or UnauthorizedAccessException)
                {
                    // A descriptor closed while we looked: the others of its process are still read
                    // (a busy process opens and closes descriptors all the time, the holder's own too).
                }
            }
        }
        return holders;
    }

    /// <summary>The /proc/PID/fdinfo files of <paramref name="process"/> as they are now; none for a process that ended or that this user may not inspect.</summary>
    private static string[] DescriptorInfos(string process)
    {
        try
        {
            return Directory.GetFiles(System.IO.Path.Combine(process, "fdinfo"));
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
