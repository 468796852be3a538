// An MSBuild task (compiled by RoslynCodeTaskFactory) that writes the nuspec Publish-PSResource
// would write for the module: the manifest's metadata, its Tags plus PSModule, PSIncludes_Cmdlet,
// PSCmdlet_<name> and PSCommand_<name> for each exported cmdlet (and PSCommand_<alias>), and the
// module folder at the root of the package. The manifest is the one source: nothing is repeated here.
// The license is the LICENSE file of the module folder (license type="file"); licenseUrl and projectUrl
// are written only when the manifest has a LicenseUri or ProjectUri.
#nullable enable
using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class WriteModuleNuspec : Task
{
    private static readonly XNamespace Nuspec = "http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd";

    /// <summary>The module manifest (MemMap.psd1).</summary>
    [Required] public string ManifestPath { get; set; } = "";

    /// <summary>The nuspec to write.</summary>
    [Required] public string OutputFile { get; set; } = "";

    /// <summary>The module version read from the manifest, for the package's file name.</summary>
    [Output] public string Version { get; set; } = "";

    public override bool Execute()
    {
        string manifest = File.ReadAllText(ManifestPath);
        string id = Path.GetFileNameWithoutExtension(ManifestPath);
        Version = Scalar(manifest, "ModuleVersion");
        string[] cmdlets = List(manifest, "CmdletsToExport");
        string[] aliases = List(manifest, "AliasesToExport");
        string[] tags = List(manifest, "Tags").Concat(new[] { "PSModule" })
            .Concat(cmdlets.Length > 0 ? new[] { "PSIncludes_Cmdlet" } : Array.Empty<string>())
            .Concat(cmdlets.SelectMany(c => new[] { "PSCmdlet_" + c, "PSCommand_" + c }))
            .Concat(aliases.Select(a => "PSCommand_" + a))
            .Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        foreach (string key in new[] { "ModuleVersion", "Author", "Description", "Copyright", "ReleaseNotes" })
        {
            if (Scalar(manifest, key).Length == 0) Log.LogError($"{ManifestPath}: {key} is missing; the PowerShell Gallery needs it.");
        }

        bool licenseFile = File.Exists(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(ManifestPath))!, "LICENSE"));
        if (!licenseFile && Scalar(manifest, "LicenseUri").Length == 0) Log.LogError($"{ManifestPath}: neither a LICENSE file beside it nor a LicenseUri; the PowerShell Gallery needs a license.");

        var nuspec = new XDocument(new XElement(Nuspec + "package",
            new XElement(Nuspec + "metadata",
                new XElement(Nuspec + "id", id),
                new XElement(Nuspec + "version", Version),
                new XElement(Nuspec + "authors", Scalar(manifest, "Author")),
                new XElement(Nuspec + "owners", Scalar(manifest, "CompanyName") is { Length: > 0 } company ? company : Scalar(manifest, "Author")),
                new XElement(Nuspec + "requireLicenseAcceptance", "false"),
                licenseFile ? new XElement(Nuspec + "license", new XAttribute("type", "file"), "LICENSE") : null,
                Optional("licenseUrl", Scalar(manifest, "LicenseUri")),
                Optional("projectUrl", Scalar(manifest, "ProjectUri")),
                new XElement(Nuspec + "description", Scalar(manifest, "Description")),
                new XElement(Nuspec + "releaseNotes", Scalar(manifest, "ReleaseNotes")),
                new XElement(Nuspec + "copyright", Scalar(manifest, "Copyright")),
                new XElement(Nuspec + "tags", string.Join(" ", tags))),
            // The module folder is the package root, as Publish-PSResource lays it out.
            new XElement(Nuspec + "files", new XElement(Nuspec + "file", new XAttribute("src", "**"), new XAttribute("target", "")))));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(OutputFile))!);
        nuspec.Save(OutputFile);
        return !Log.HasLoggedErrors;
    }

    /// <summary>An element for a manifest value the user may leave out: none when it is empty.</summary>
    private static XElement? Optional(string name, string value) => value.Length > 0 ? new XElement(Nuspec + name, value) : null;

    /// <summary>A single-quoted scalar, such as ModuleVersion = '0.1.0' ('' inside is one quote).</summary>
    private static string Scalar(string manifest, string key) =>
        Regex.Match(manifest, $@"(?m)^\s*{key}\s*=\s*'((?:[^']|'')*)'").Groups[1].Value.Replace("''", "'");

    /// <summary>The single-quoted strings of a list, such as CmdletsToExport = @( 'a' 'b' ).</summary>
    private static string[] List(string manifest, string key) =>
        Regex.Matches(Regex.Match(manifest, $@"(?m)^\s*{key}\s*=\s*@\(([^)]*)\)").Groups[1].Value, "'([^']*)'")
            .Cast<Match>().Select(m => m.Groups[1].Value).ToArray();
}
