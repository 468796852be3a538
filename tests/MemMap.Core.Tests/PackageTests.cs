using System.IO.Compression;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using static MemMap.Tests.ModuleFolder;

namespace MemMap.Tests;

/// <summary>
/// The manifest is valid where it stands and is the one source of the version, and the package
/// holds exactly the module folder with the metadata the PowerShell Gallery shows.
/// </summary>
public sealed class PackageTests
{
    private static readonly string RootManifest = Path.Combine(RepositoryRoot, "MemMap.psd1");
    private static readonly string BuiltManifest = Path.Combine(ModuleDirectory, "MemMap.psd1");
    private static string Version => ManifestValue("ModuleVersion", File.ReadAllText(RootManifest));

    /// <summary>Files that NuGet adds to every package beside the content.</summary>
    private static bool IsNuGetPart(string entry) =>
        entry is "[Content_Types].xml" or "_rels/.rels" or "MemMap.nuspec" || entry.StartsWith("package/", StringComparison.Ordinal);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Every_file_the_manifest_names_lies_beside_it(bool built)
    {
        string manifestPath = built ? BuiltManifest : RootManifest;
        string manifest = File.ReadAllText(manifestPath);
        string folder = Path.GetDirectoryName(manifestPath)!;
        string[] named = [.. new[] { "FormatsToProcess", "TypesToProcess", "FileList", "NestedModules", "RequiredAssemblies", "ScriptsToProcess" }
            .SelectMany(key => ManifestList(key, manifest))];

        Assert.Contains("MemMap.Format.ps1xml", named);
        Assert.All(named, file => Assert.True(File.Exists(Path.Combine(folder, file)), $"{manifestPath} names {file}, which is not beside it."));
        // RootModule is the build output: beside the built manifest only (see the root manifest's comment).
        Assert.Equal(built, File.Exists(Path.Combine(folder, ManifestValue("RootModule", manifest))));
        Assert.Matches(@"^\d+\.\d+\.\d+$", ManifestValue("ModuleVersion", manifest));
        Assert.True(Guid.TryParse(ManifestValue("GUID", manifest), out _));
        Assert.All(new[] { "Author", "Description", "Copyright", "PowerShellVersion", "ReleaseNotes" },
            key => Assert.False(string.IsNullOrWhiteSpace(ManifestValue(key, manifest)), $"{key} is missing from {manifestPath}."));
    }

    [Fact]
    public void The_built_manifest_is_the_root_manifest_and_the_assemblies_carry_its_version()
    {
        Assert.Equal(File.ReadAllText(RootManifest), File.ReadAllText(BuiltManifest));
        foreach (string assembly in new[] { "MemMap.dll", "MemMap.Core.dll" })
        {
            Assert.Equal(new Version(Version + ".0"), AssemblyName.GetAssemblyName(Path.Combine(ModuleDirectory, assembly)).Version);
        }
    }

    [Fact]
    public void The_release_notes_are_the_changelog_section_of_the_version_and_the_license_is_MIT()
    {
        string changelog = File.ReadAllText(Path.Combine(RepositoryRoot, "CHANGELOG.md"));
        string section = Regex.Match(changelog, $@"(?ms)^## {Regex.Escape(Version)}\s*\n(.*?)(?=^## |\z)").Groups[1].Value;
        Assert.Equal(Regex.Replace(section, @"\s+", " ").Trim(), ManifestValue("ReleaseNotes", File.ReadAllText(RootManifest)));
        Assert.StartsWith("MIT License", File.ReadAllText(Path.Combine(RepositoryRoot, "LICENSE")), StringComparison.Ordinal);
        Assert.Contains("MIT", ManifestValue("Copyright", File.ReadAllText(RootManifest)), StringComparison.Ordinal);
    }

    [Fact]
    public void The_package_holds_exactly_the_module_folder_at_its_root()
    {
        using ZipArchive package = ZipFile.OpenRead(PackagePath());
        var entries = package.Entries.Where(e => !IsNuGetPart(e.FullName)).ToDictionary(e => e.FullName);
        string[] moduleFiles = [.. Directory.GetFiles(ModuleDirectory, "*", SearchOption.AllDirectories)
            .Select(file => Path.GetRelativePath(ModuleDirectory, file).Replace('\\', '/'))];

        Assert.Equal(moduleFiles.Order(), entries.Keys.Order());
        Assert.All(moduleFiles, file =>
        {
            using var content = new MemoryStream();
            using (Stream entry = entries[file].Open()) entry.CopyTo(content);
            Assert.True(File.ReadAllBytes(Path.Combine(ModuleDirectory, file)).AsSpan().SequenceEqual(content.ToArray()), $"{file} differs from the module folder.");
        });
    }

    [Fact]
    public void The_nuspec_carries_the_manifest_metadata_and_the_gallery_tags()
    {
        string manifest = File.ReadAllText(RootManifest);
        using ZipArchive package = ZipFile.OpenRead(PackagePath());
        XElement metadata;
        using (Stream nuspec = package.GetEntry("MemMap.nuspec")!.Open())
        {
            metadata = XDocument.Load(nuspec).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        }
        string Value(string name) => metadata.Elements().Single(e => e.Name.LocalName == name).Value;

        Assert.Equal("MemMap", Value("id"));
        Assert.Equal(Version, Value("version"));
        Assert.Equal(ManifestValue("Author", manifest), Value("authors"));
        Assert.Equal(ManifestValue("CompanyName", manifest), Value("owners"));
        Assert.Equal(ManifestValue("Description", manifest), Value("description"));
        Assert.Equal(ManifestValue("Copyright", manifest), Value("copyright"));
        // No invented addresses: the project has none yet, so the license travels as a file.
        Assert.Empty(ManifestValue("LicenseUri", manifest));
        Assert.Empty(ManifestValue("ProjectUri", manifest));
        Assert.DoesNotContain(metadata.Elements(), e => e.Name.LocalName == "projectUrl");
        // NuGet itself writes its placeholder licenseUrl beside a license file, for old clients.
        Assert.All(metadata.Elements().Where(e => e.Name.LocalName == "licenseUrl"), e => Assert.Equal("https://aka.ms/deprecateLicenseUrl", e.Value));
        XElement license = metadata.Elements().Single(e => e.Name.LocalName == "license");
        Assert.Equal("file", license.Attribute("type")?.Value);
        Assert.Equal("LICENSE", license.Value);
        using (var packaged = new StreamReader(package.GetEntry("LICENSE")!.Open()))
        {
            Assert.Equal(File.ReadAllText(Path.Combine(RepositoryRoot, "LICENSE")), packaged.ReadToEnd());
        }
        Assert.Equal(ManifestValue("ReleaseNotes", manifest), Value("releaseNotes"));
        string[] tags = Value("tags").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string[] expected = [.. ManifestList("Tags", manifest), "PSModule", "PSEdition_Core", "Linux", "mmap", "PSIncludes_Cmdlet",
            .. ExportedCmdlets().SelectMany(cmdlet => new[] { "PSCmdlet_" + cmdlet, "PSCommand_" + cmdlet }),
            .. ManifestList("AliasesToExport", manifest).Select(alias => "PSCommand_" + alias)];
        Assert.Empty(expected.Except(tags));
        Assert.Equal(tags.Length, tags.Distinct().Count());
    }

    private static string PackagePath()
    {
        string path = Path.Combine(RepositoryRoot, "out", $"MemMap.{Version}.nupkg");
        Assert.True(File.Exists(path), $"{path} is missing: `dotnet build` packs it (build/Package).");
        return path;
    }
}
