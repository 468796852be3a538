namespace MemMap.Tests.Helpers;

/// <summary>This process's open descriptors as the kernel lists them in /proc/self/fd and /proc/self/fdinfo.</summary>
internal static class OpenDescriptors
{
    /// <summary>How many of this process's descriptors are open on <paramref name="path"/> (a mapping's own, a lock's description, …).</summary>
    public static int On(string path) =>
        new DirectoryInfo("/proc/self/fd").EnumerateFileSystemInfos().Count(fd => { try { return fd.LinkTarget == path; } catch (IOException) { return false; } });

    /// <summary>Whether descriptor <paramref name="fd"/> is closed in a child process's program (O_CLOEXEC in the flags /proc/self/fdinfo shows, in octal).</summary>
    public static bool ClosesOnExec(int fd) =>
        (Convert.ToInt32(File.ReadLines($"/proc/self/fdinfo/{fd}").First(line => line.StartsWith("flags:", StringComparison.Ordinal))["flags:".Length..].Trim(), 8) & 0x80000) != 0;
}
