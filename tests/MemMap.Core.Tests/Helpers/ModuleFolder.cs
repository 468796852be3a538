using System.Reflection;
using System.Text.RegularExpressions;

namespace MemMap.Tests;

/// <summary>
/// The built module folder out/MemMap and the repository it came from, and the manifest values
/// the package tests compare (the module contract itself is checked by real PowerShell:
/// tests/Module.Contract.Tests.ps1).
/// </summary>
internal static class ModuleFolder
{
    internal static readonly string ModuleDirectory = Metadata("ModuleDirectory");
    internal static readonly string RepositoryRoot = Metadata("RepositoryRoot");

    private static string Manifest => File.ReadAllText(Path.Combine(ModuleDirectory, "MemMap.psd1"));

    internal static string ManifestValue(string key, string? manifest = null) =>
        Regex.Match(manifest ?? Manifest, $@"(?m)^\s*{key}\s*=\s*'((?:[^']|'')*)'").Groups[1].Value.Replace("''", "'", StringComparison.Ordinal);

    internal static string[] ManifestList(string key, string? manifest = null) =>
        [.. Regex.Matches(Regex.Match(manifest ?? Manifest, $@"(?m)^\s*{key}\s*=\s*@\(([^)]*)\)").Groups[1].Value, "'([^']*)'").Select(m => m.Groups[1].Value)];

    internal static string[] ExportedCmdlets() => ManifestList("CmdletsToExport");

    private static string Metadata(string key) =>
        typeof(ModuleFolder).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}
