using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace MemMap.Tests;

/// <summary>
/// What PowerShell itself would reject, or users would trip on, checked on the built module folder
/// out/MemMap by reading its assemblies as metadata (pwsh is not needed to run this).
/// </summary>
public sealed partial class ModuleContractTests : IDisposable
{
    private const string CmdletAttribute = "System.Management.Automation.CmdletAttribute";
    private const string ParameterAttribute = "System.Management.Automation.ParameterAttribute";
    private const string OutputTypeAttribute = "System.Management.Automation.OutputTypeAttribute";
    private const string AliasAttribute = "System.Management.Automation.AliasAttribute";
    private const string AllSets = "__AllParameterSets";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";

    internal static readonly string ModuleDirectory = Metadata("ModuleDirectory");
    internal static readonly string RepositoryRoot = Metadata("RepositoryRoot");
    private readonly MetadataLoadContext context;
    private readonly Type[] cmdlets;

    public ModuleContractTests()
    {
        string[] assemblies = [
            .. Directory.GetFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll"),
            .. Directory.GetFiles(ModuleDirectory, "*.dll"),
            Metadata("PowerShellReferenceAssembly")];
        context = new MetadataLoadContext(new PathAssemblyResolver(assemblies));
        cmdlets = context.LoadFromAssemblyPath(Path.Combine(ModuleDirectory, "MemMap.dll")).GetTypes()
            .Where(type => Attribute(type, CmdletAttribute) is not null).ToArray();
    }

    public void Dispose() => context.Dispose();

    public static TheoryData<string> CmdletNames() => [.. ExportedCmdlets()];

    [Fact]
    public void The_module_folder_holds_what_Import_Module_needs_and_no_PowerShell_assembly()
    {
        string[] files = Directory.GetFiles(ModuleDirectory, "*", SearchOption.AllDirectories)
            .Select(file => Path.GetRelativePath(ModuleDirectory, file)).ToArray();

        Assert.Subset(files.ToHashSet(), new HashSet<string> { "MemMap.psd1", "MemMap.dll", "MemMap.Core.dll", "MemMap.Format.ps1xml", "LICENSE", "en-US/MemMap.dll-Help.xml", "en-US/about_MemMap.help.txt" });
        Assert.DoesNotContain(files, file => file.StartsWith("System.Management.Automation", StringComparison.Ordinal));
        Assert.Equal("MemMap.dll", ManifestValue("RootModule"));
        Assert.Equal("MemMap.Format.ps1xml", ManifestList("FormatsToProcess").Single());
    }

    [Fact]
    public void The_manifest_exports_exactly_the_cmdlet_classes_and_their_aliases()
    {
        Assert.Equal(cmdlets.Select(NameOf).Order(), ExportedCmdlets().Order());
        Assert.Empty(ManifestList("FunctionsToExport"));
        // A binary module's [Alias] on a cmdlet class is visible only when the manifest exports it.
        string[] aliases = [.. cmdlets.SelectMany(cmdlet => cmdlet.GetCustomAttributesData()
            .Where(a => a.AttributeType.FullName == AliasAttribute)
            .SelectMany(a => a.ConstructorArguments)
            .SelectMany(argument => argument.Value is IEnumerable<CustomAttributeTypedArgument> many ? many.Select(m => (string)m.Value!) : [(string)argument.Value!]))];
        Assert.Equal(aliases.Order(), ManifestList("AliasesToExport").Order());
    }

    [Fact]
    public void Every_alias_of_a_cmdlet_is_named_in_its_help()
    {
        var declared = cmdlets.SelectMany(cmdlet => cmdlet.GetCustomAttributesData()
            .Where(a => a.AttributeType.FullName == AliasAttribute)
            .SelectMany(a => (IEnumerable<CustomAttributeTypedArgument>)a.ConstructorArguments[0].Value!)
            .Select(alias => (Alias: (string)alias.Value!, Cmdlet: NameOf(cmdlet)))).ToArray();

        Assert.Contains(("Set-MappedBytes", "Set-MappedByte"), declared);
        Assert.All(declared, d =>
        {
            string page = File.ReadAllText(Path.Combine(RepositoryRoot, "docs", d.Cmdlet + ".md"));
            Assert.Contains($"`{d.Alias}`", page.Split("## DESCRIPTION")[1].Split("## EXAMPLES")[0]);
            Assert.Contains(d.Alias, page.Split("## SYNOPSIS")[1].Split("## SYNTAX")[0]);
        });
    }

    /// <summary>Nouns that end in s and are singular, or names kept for a recorded reason.</summary>
    private static readonly Dictionary<string, string> PluralNounExceptions = new()
    {
    };

    [Fact]
    public void Every_noun_is_singular_or_a_recorded_exception()
    {
        Assert.All(cmdlets.Select(NameOf).Where(name => !PluralNounExceptions.ContainsKey(name)), name =>
        {
            string lastWord = PascalWord().Matches(name.Split('-')[1]).Last().Value;
            Assert.False(lastWord.EndsWith('s') && !lastWord.EndsWith("ss", StringComparison.Ordinal) && !lastWord.EndsWith("us", StringComparison.Ordinal) && !lastWord.EndsWith("is", StringComparison.Ordinal),
                $"{name}: '{lastWord}' looks plural; PowerShell nouns are singular (PSUseSingularNouns). Rename it, or record why in PluralNounExceptions.");
        });
    }

    [GeneratedRegex("[A-Z][a-z0-9]*")]
    private static partial Regex PascalWord();

    [Fact]
    public void Every_verb_is_approved()
    {
        // The approved verbs are the constants of the Verbs* classes in PowerShell's own assembly.
        Assembly automation = context.LoadFromAssemblyName("System.Management.Automation");
        HashSet<string> approved = automation.GetTypes()
            .Where(type => type.Namespace == "System.Management.Automation" && type.Name.StartsWith("Verbs", StringComparison.Ordinal))
            .SelectMany(type => type.GetFields()).Where(field => field.IsLiteral)
            .Select(field => (string)field.GetRawConstantValue()!).ToHashSet();
        Assert.Contains("Get", approved);

        Assert.All(cmdlets, cmdlet => Assert.Contains(NameOf(cmdlet).Split('-')[0], approved));
    }

    [Fact]
    public void Every_cmdlet_declares_its_output_type_and_the_format_file_has_a_view_for_it()
    {
        XDocument format = XDocument.Load(Path.Combine(ModuleDirectory, "MemMap.Format.ps1xml"));
        HashSet<string> viewed = format.Descendants("TypeName").Select(name => name.Value).ToHashSet();

        Assert.All(cmdlets, cmdlet =>
        {
            string[] outputs = OutputTypes(cmdlet).ToArray();
            Assert.True(outputs.Length > 0, $"{NameOf(cmdlet)} has no [OutputType].");
            Assert.All(outputs.Where(type => type.StartsWith("MemMap.", StringComparison.Ordinal)), type => Assert.Contains(type, viewed));
        });
        Assert.Contains("MemMap.MemoryMapping", viewed);
    }

    [Fact]
    public void A_cmdlet_with_several_parameter_sets_names_an_existing_default()
    {
        Assert.All(cmdlets, cmdlet =>
        {
            string[] sets = ParameterSets(cmdlet);
            if (sets.Length > 1)
            {
                string? defaultSet = Named(Attribute(cmdlet, CmdletAttribute)!, "DefaultParameterSetName") as string;
                Assert.True(defaultSet is not null && sets.Contains(defaultSet), $"{NameOf(cmdlet)}: default set '{defaultSet}' is not one of {string.Join(", ", sets)}.");
            }
        });
    }

    [Fact]
    public void Every_parameter_set_is_resolvable()
    {
        Assert.All(cmdlets, cmdlet =>
        {
            string[] sets = ParameterSets(cmdlet);
            string defaultSet = Named(Attribute(cmdlet, CmdletAttribute)!, "DefaultParameterSetName") as string ?? AllSets;
            foreach (string set in sets.DefaultIfEmpty(AllSets))
            {
                var members = Parameters(cmdlet).Where(p => p.Set == set || p.Set == AllSets).ToArray();
                int[] positions = members.Where(p => p.Position >= 0).Select(p => p.Position).ToArray();
                Assert.True(positions.Length == positions.Distinct().Count(), $"{NameOf(cmdlet)} set {set}: two parameters share a position.");
                Assert.True(members.Count(p => p.ByValue) <= 1, $"{NameOf(cmdlet)} set {set}: more than one parameter takes pipeline input by value.");
                if (set != defaultSet)
                {
                    // The binder can choose a non-default set only from a parameter that belongs to it alone.
                    var otherSets = Parameters(cmdlet).Where(p => p.Set != set).Select(p => p.Name).ToHashSet();
                    Assert.True(members.Any(p => p.Set == set && !otherSets.Contains(p.Name)),
                        $"{NameOf(cmdlet)} set {set}: no parameter of its own tells the binder to choose it.");
                }
            }
        });
    }

    [Fact]
    public void Every_Mapping_parameter_completes_the_live_mappings()
    {
        Assert.All(cmdlets.Where(cmdlet => cmdlet.GetProperty("Mapping") is not null), cmdlet =>
            Assert.True(cmdlet.GetProperty("Mapping")!.GetCustomAttributesData().Any(a =>
                    a.AttributeType.FullName == "System.Management.Automation.ArgumentCompleterAttribute"
                    && a.ConstructorArguments.Any(argument => (argument.Value as Type)?.Name == "MappingCompleter")),
                $"{NameOf(cmdlet)} -Mapping needs [ArgumentCompleter(typeof(MappingCompleter))]."));
    }

    [Fact]
    public void Every_cmdlet_that_works_on_a_mapping_takes_it_from_the_pipeline()
    {
        Assert.All(cmdlets.Where(cmdlet => Parameters(cmdlet).Any(p => p.Name == "Mapping")), cmdlet =>
            Assert.Contains(Parameters(cmdlet), p => p.Name == "Mapping" && p.ByValue && p.Mandatory));
    }

    /// <summary>
    /// The verbs that create, change or remove something: PSScriptAnalyzer's state-changing verbs
    /// (PSUseShouldProcessForStateChangingFunctions) plus Resize and Clear. Not Sync (msync persists
    /// what is already written, and a -WhatIf flush would only leave data unsynced), nor Lock/Unlock
    /// (they pin pages in RAM and release them: no data or file changes; the limit error is the guard).
    /// </summary>
    private static readonly string[] ChangingVerbs = ["New", "Set", "Remove", "Resize", "Clear", "Reset", "Update", "Start", "Stop", "Restart", "Rename", "Move"];

    [Fact]
    public void Every_cmdlet_whose_verb_creates_changes_or_removes_supports_WhatIf_and_Confirm()
    {
        Assert.Contains(cmdlets, cmdlet => NameOf(cmdlet) == "New-MemoryMapping");
        Assert.All(cmdlets.Where(cmdlet => ChangingVerbs.Contains(NameOf(cmdlet).Split('-')[0])), cmdlet =>
            Assert.True(Named(Attribute(cmdlet, CmdletAttribute)!, "SupportsShouldProcess") is true, $"{NameOf(cmdlet)} changes something but has no SupportsShouldProcess."));
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void Every_cmdlet_and_parameter_has_a_help_page_and_reaches_the_MAML(string cmdletName)
    {
        Type cmdlet = cmdlets.Single(type => NameOf(type) == cmdletName);
        string page = File.ReadAllText(Path.Combine(RepositoryRoot, "docs", cmdletName + ".md"));
        XNamespace command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
        XNamespace maml = "http://schemas.microsoft.com/maml/2004/10";
        XElement help = XDocument.Load(Path.Combine(ModuleDirectory, "en-US", "MemMap.dll-Help.xml"))
            .Descendants(command + "command").Single(c => c.Element(command + "details")!.Element(command + "name")!.Value == cmdletName);

        Assert.NotEmpty(help.Element(command + "details")!.Element(maml + "description")!.Value.Trim());
        Assert.NotEmpty(help.Descendants(command + "example"));
        string[] documented = help.Element(command + "parameters")!.Elements(command + "parameter").Select(p => p.Element(maml + "name")!.Value).ToArray();
        foreach (string parameter in Parameters(cmdlet).Select(p => p.Name).Distinct())
        {
            Assert.Contains($"### -{parameter}", page);
            Assert.Contains(parameter, documented);
        }
        Assert.Equal(Math.Max(ParameterSets(cmdlet).Length, 1), help.Descendants(command + "syntaxItem").Count());
        Assert.True(help.Descendants(command + "example").Count() >= 2, $"{cmdletName} needs at least two examples.");
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void Every_parameter_of_every_set_reaches_the_MAML_as_required_or_optional_with_a_description(string cmdletName)
    {
        Type cmdlet = cmdlets.Single(type => NameOf(type) == cmdletName);
        XElement help = HelpOf(cmdletName);
        XElement[] described = [.. help.Element(Command + "parameters")!.Elements(Command + "parameter")];
        XElement[] syntaxItems = [.. help.Descendants(Command + "syntaxItem")];
        foreach (string set in ParameterSets(cmdlet).DefaultIfEmpty(AllSets))
        {
            ParameterInfo[] members = [.. Parameters(cmdlet).Where(p => p.Set == set || p.Set == AllSets).GroupBy(p => p.Name).Select(g => g.First()),
                .. Named(Attribute(cmdlet, CmdletAttribute)!, "SupportsShouldProcess") is true
                    ? new[] { new ParameterInfo("WhatIf", AllSets, false, -1, false), new ParameterInfo("Confirm", AllSets, false, -1, false) }
                    : []];
            // The syntax item of this set: the one that names exactly its parameters.
            XElement? item = syntaxItems.SingleOrDefault(i => i.Elements(Command + "parameter").Select(NameOfElement).Order().SequenceEqual(members.Select(p => p.Name).Order()));
            Assert.True(item is not null, $"{cmdletName}: no syntax block lists exactly the parameters of set {set}: {string.Join(", ", members.Select(p => p.Name))}.");
            foreach (ParameterInfo parameter in members)
            {
                string required = parameter.Mandatory ? "true" : "false";
                Assert.True(item!.Elements(Command + "parameter").Single(e => NameOfElement(e) == parameter.Name).Attribute("required")!.Value == required,
                    $"{cmdletName} set {set}: the syntax shows -{parameter.Name} with the wrong Required.");
                Assert.True(described.Any(e => NameOfElement(e) == parameter.Name && e.Attribute("required")!.Value == required
                        && e.Element(Maml + "description")!.Value.Trim().Length > 0),
                    $"{cmdletName} set {set}: Get-Help -Parameter {parameter.Name} has no entry with Required {required} and a description.");
            }
        }
    }

    [Fact]
    public void Every_docs_page_is_in_the_platyPS_1_schema()
    {
        Assert.All(Directory.GetFiles(Path.Combine(RepositoryRoot, "docs"), "*.md"), page =>
        {
            string name = Path.GetFileNameWithoutExtension(page);
            string text = File.ReadAllText(page);
            string front = Regex.Match(text, @"\A---\n(?<front>.*?)\n---\n", RegexOptions.Singleline).Groups["front"].Value;
            Assert.True(Regex.IsMatch(front, $@"(?m)^title: {Regex.Escape(name)}$"), $"{name}.md: front matter needs title: {name}.");
            Assert.True(Regex.IsMatch(front, @"(?m)^Locale: en-US$"), $"{name}.md: front matter needs Locale: en-US.");
            Assert.True(Regex.IsMatch(front, @"(?m)^ms\.date: \d\d/\d\d/\d{4}$"), $"{name}.md: front matter needs ms.date: MM/dd/yyyy.");
            if (!name.StartsWith("about_", StringComparison.Ordinal))
            {
                Assert.Contains("\n## ALIASES\n", text);
                Assert.DoesNotContain("\nParameter Sets:", text); // the 0.14 yaml: run build/Update-HelpSchema.ps1
            }
        });
    }

    [Fact]
    public void About_topics_are_plain_text_of_at_most_80_columns()
    {
        string[] topics = Directory.GetFiles(Path.Combine(ModuleDirectory, "en-US"), "about_*.help.txt");
        Assert.NotEmpty(topics);
        Assert.All(topics, topic => Assert.All(File.ReadAllLines(topic), line =>
        {
            Assert.True(line.Length <= 80, $"{Path.GetFileName(topic)}: a line of {line.Length} columns: {line}");
            if (!line.StartsWith("        ", StringComparison.Ordinal)) // code is indented 8 and kept as written
            {
                Assert.DoesNotMatch(@"`|\*\*|\]\(|^#", line);
            }
        }));
    }

    private static XElement HelpOf(string cmdletName) =>
        XDocument.Load(Path.Combine(ModuleDirectory, "en-US", "MemMap.dll-Help.xml"))
            .Descendants(Command + "command").Single(c => c.Element(Command + "details")!.Element(Command + "name")!.Value == cmdletName);

    private static string NameOfElement(XElement parameter) => parameter.Element(Maml + "name")!.Value;

    private static string Metadata(string key) =>
        typeof(ModuleContractTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    private static string Manifest => File.ReadAllText(Path.Combine(ModuleDirectory, "MemMap.psd1"));

    internal static string ManifestValue(string key, string? manifest = null) =>
        Regex.Match(manifest ?? Manifest, $@"(?m)^\s*{key}\s*=\s*'((?:[^']|'')*)'").Groups[1].Value.Replace("''", "'");

    internal static string[] ManifestList(string key, string? manifest = null) =>
        Regex.Matches(Regex.Match(manifest ?? Manifest, $@"(?m)^\s*{key}\s*=\s*@\(([^)]*)\)").Groups[1].Value, "'([^']*)'").Select(m => m.Groups[1].Value).ToArray();

    internal static string[] ExportedCmdlets() => ManifestList("CmdletsToExport");

    private static CustomAttributeData? Attribute(MemberInfo member, string fullName) =>
        member.GetCustomAttributesData().FirstOrDefault(a => a.AttributeType.FullName == fullName);

    private static object? Named(CustomAttributeData attribute, string name) =>
        attribute.NamedArguments.FirstOrDefault(a => a.MemberName == name).TypedValue.Value;

    private static string NameOf(Type cmdlet)
    {
        var arguments = Attribute(cmdlet, CmdletAttribute)!.ConstructorArguments;
        return $"{arguments[0].Value}-{arguments[1].Value}";
    }

    private static IEnumerable<string> OutputTypes(Type cmdlet) =>
        cmdlet.GetCustomAttributesData().Where(a => a.AttributeType.FullName == OutputTypeAttribute)
            .SelectMany(a => a.ConstructorArguments)
            .SelectMany(argument => argument.Value is IEnumerable<CustomAttributeTypedArgument> many ? many.Select(m => m.Value) : [argument.Value])
            .Select(value => value is Type type ? type.FullName! : value?.ToString() ?? "");

    private sealed record ParameterInfo(string Name, string Set, bool Mandatory, int Position, bool ByValue);

    private static IEnumerable<ParameterInfo> Parameters(Type cmdlet) =>
        cmdlet.GetProperties().SelectMany(property => property.GetCustomAttributesData()
            .Where(a => a.AttributeType.FullName == ParameterAttribute)
            .Select(a => new ParameterInfo(
                property.Name,
                Named(a, "ParameterSetName") as string ?? AllSets,
                Named(a, "Mandatory") is true,
                Named(a, "Position") is int position ? position : -1,
                Named(a, "ValueFromPipeline") is true)));

    /// <summary>The sets PowerShell shows: those the parameters name, and a default set of no parameter's own (Get-MappedByte's plain bytes).</summary>
    private static string[] ParameterSets(Type cmdlet)
    {
        string[] named = Parameters(cmdlet).Select(p => p.Set).Where(set => set != AllSets).Distinct().ToArray();
        return named.Length > 0 && Named(Attribute(cmdlet, CmdletAttribute)!, "DefaultParameterSetName") is string defaultSet && !named.Contains(defaultSet)
            ? [defaultSet, .. named]
            : named;
    }
}
