namespace MemMap.Tests.Helpers;

/// <summary>
/// A copy of MemMap.TestChild in a fresh world-readable folder, for children that run as another
/// user (such as nobody): the build output may lie under a folder only its owner can enter.
/// </summary>
public sealed class StagedChild : IDisposable
{
    private const UnixFileMode Readable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode Enterable = Readable | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    public StagedChild()
    {
        Folder = Directory.CreateTempSubdirectory("memmap-child-").FullName; // mkdtemp: mode 0700
        File.SetUnixFileMode(Folder, Enterable);
        foreach (string name in new[] { "MemMap.TestChild.dll", "MemMap.TestChild.runtimeconfig.json", "MemMap.TestChild.deps.json", "MemMap.Core.dll" })
        {
            string copy = Path.Combine(Folder, name);
            File.Copy(Path.Combine(AppContext.BaseDirectory, name), copy);
            File.SetUnixFileMode(copy, Readable);
        }
    }

    public string Folder { get; }

    /// <summary>The staged MemMap.TestChild.dll, to run with <see cref="ChildProcess.DotnetHost"/>.</summary>
    public string Assembly => Path.Combine(Folder, "MemMap.TestChild.dll");

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}
