namespace MemMap.Tests.Helpers;

/// <summary>
/// A 1 MiB tmpfs of one test's own, to fill a file system for real (its pages then have no block
/// to take); unmounted when disposed, after the test's mappings of it (dispose those first).
/// </summary>
internal sealed class SmallTmpfs : IDisposable
{
    private SmallTmpfs(string path) => Path = path;

    /// <summary>Where it is mounted.</summary>
    public string Path { get; }

    /// <summary>Mounts one at a new path of <paramref name="files"/>, or skips the test, saying why, where that cannot be done.</summary>
    public static SmallTmpfs Mount(TempFiles files)
    {
        Skip.IfNot(Environment.UserName == "root", "mounting a small tmpfs needs root: run the tests as root (CI does)");
        string mount = files.NewPath();
        Directory.CreateDirectory(mount);
        (int mounted, string refusal) = ChildProcess.Run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount);
        Skip.If(mounted != 0, $"mount -t tmpfs was refused here (a container without CAP_SYS_ADMIN refuses it; run the tests where root may mount): {refusal.Trim()}");
        return new SmallTmpfs(mount);
    }

    /// <summary>Makes it read-only (mount -o remount,ro): no one may then open its files for writing, root included (EROFS).</summary>
    public void RemountReadOnly() => Assert.Equal((0, ""), ChildProcess.Run("mount", "-o", "remount,ro", Path));

    public void Dispose() => Assert.Equal(0, ChildProcess.Run("umount", Path).ExitCode);
}
