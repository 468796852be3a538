namespace MemMap.Benchmarks;

/// <summary>File residency against fincore: waits for the residency feature (FileResidency / Get-MappingResidency).</summary>
internal static class Residency
{
    public static void Run()
    {
        QuickMode.Placeholder("file residency, one 2 GiB file", "residency not built", "fincore", 0.5);
        QuickMode.Placeholder("file residency, 1 000 small files", "residency not built", "fincore", 0.5);
    }
}
