namespace MemMap.Tests.Helpers;

/// <summary>A folder of scratch files for one test class, on the real disk (not tmpfs), removed afterwards.</summary>
public sealed class TempFiles : IDisposable
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("memmap-tests-").FullName;

    /// <summary>A new file holding <paramref name="content"/>.</summary>
    public string Create(byte[] content)
    {
        string path = NewPath();
        File.WriteAllBytes(path, content);
        return path;
    }

    /// <summary>A new file of <paramref name="length"/> bytes, byte i = i % 251 (so every page differs).</summary>
    public string CreatePattern(int length) => Create(Pattern(length));

    /// <summary>A path in the folder where no file exists yet.</summary>
    public string NewPath() => Path.Combine(Folder, Guid.NewGuid().ToString("N"));

    public static byte[] Pattern(int length) => Enumerable.Range(0, length).Select(i => (byte)(i % 251)).ToArray();

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}
