using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace MemMap.Build.HelpCompiler;

/// <summary>How a parameter behaves in one parameter set: one entry of its YAML block's ParameterSets.</summary>
internal sealed class ParameterSetEntry
{
    public string Name { get; set; } = "";
    public string Position { get; set; } = "Named";
    public bool IsRequired { get; set; }
    public bool ValueFromPipeline { get; set; }
    public bool ValueFromPipelineByPropertyName { get; set; }

    public bool IsAllSets => Name is "(All)" or "__AllParameterSets";

    /// <summary>The position as MAML writes it: a number, or "named".</summary>
    public string MamlPosition => int.TryParse(Position, out int position) ? position.ToString(System.Globalization.CultureInfo.InvariantCulture) : "named";
}

/// <summary>A parameter's YAML block in platyPS 1.0's schema (the keys the help shows; others are ignored).</summary>
internal sealed class ParameterYaml
{
    public string Type { get; set; } = "";
    public string DefaultValue { get; set; } = "";
    public bool SupportsWildcards { get; set; }
    public List<string> Aliases { get; set; } = [];
    public List<ParameterSetEntry> ParameterSets { get; set; } = [];
}

/// <summary>A "### -Name" section: the parameter's description and its YAML block.</summary>
internal sealed record Parameter(string Name, IReadOnlyList<string> Description, ParameterYaml Yaml)
{
    public bool IsSwitch => ShortType == "SwitchParameter";

    /// <summary>The type as pwsh shows it in syntax: System.Int64 → Int64.</summary>
    public string ShortType => Yaml.Type[(Yaml.Type.LastIndexOf('.') + 1)..];

    /// <summary>Its entry for <paramref name="set"/>: the set's own, else an (All) entry; null when it is not in the set.</summary>
    public ParameterSetEntry? In(string set) =>
        Yaml.ParameterSets.FirstOrDefault(s => s.Name == set) ?? Yaml.ParameterSets.FirstOrDefault(s => s.IsAllSets);
}

internal sealed record Example(string Title, string Code, IReadOnlyList<string> Remarks);

internal sealed record TypeEntry(string Type, IReadOnlyList<string> Description);

internal sealed record Link(string Text, string Uri);

/// <summary>A cmdlet's page (platyPS 1.0 schema 2024-05-01) read into what its MAML holds.</summary>
internal sealed record CommandHelp(
    string Name,
    IReadOnlyList<string> Synopsis,
    IReadOnlyList<string> Description,
    IReadOnlyList<string> ParameterSets,
    IReadOnlyList<Parameter> Parameters,
    IReadOnlyList<TypeEntry> Inputs,
    IReadOnlyList<TypeEntry> Outputs,
    IReadOnlyList<string> Notes,
    IReadOnlyList<Example> Examples,
    IReadOnlyList<Link> Links)
{
    public const string SchemaVersion = "2024-05-01";

    public static CommandHelp Read(MarkdownPage page, Action<string> problem)
    {
        if (!page.FrontMatter.TryGetValue("PlatyPS schema version", out string? schema) || schema != SchemaVersion)
        {
            problem($"the front matter needs 'PlatyPS schema version: {SchemaVersion}' (platyPS 1.0; build/Update-HelpSchema.ps1 converts older pages).");
        }
        if (page.FrontMatter.TryGetValue("title", out string? title) && title != page.Name) problem($"the title '{title}' is not the file's name.");

        var parameters = new List<Parameter>();
        foreach (Section section in page.Split(page.Section("PARAMETERS")).Where(s => s.Title.StartsWith('-')))
        {
            FencedCodeBlock[] yaml = [.. section.Blocks.OfType<FencedCodeBlock>().Where(f => f.Info == "yaml")];
            ParameterYaml? block = yaml.Length == 1 ? MarkdownPage.Yaml.Deserialize<ParameterYaml?>(string.Join('\n', MarkdownPage.Lines(yaml[0]))) : null;
            if (block is null || block.Type.Length == 0 || block.ParameterSets.Count == 0)
            {
                problem($"{section.Title} needs one yaml block with its Type and ParameterSets.");
                continue;
            }
            // The description is the prose before the yaml block.
            parameters.Add(new Parameter(section.Title[1..], [.. page.Paragraphs(section.Blocks.TakeWhile(b => b is not FencedCodeBlock))], block));
        }
        if (parameters.Count == 0) problem("no parameter is documented (### -Name under ## PARAMETERS).");

        List<Section> syntax = page.Split(page.Section("SYNTAX"));
        if (syntax.Count == 0) problem("no parameter set is documented (### SetName under ## SYNTAX).");
        foreach (Parameter parameter in parameters)
        {
            foreach (ParameterSetEntry entry in parameter.Yaml.ParameterSets.Where(e => !e.IsAllSets && !syntax.Any(s => SetName(s) == e.Name)))
            {
                problem($"-{parameter.Name} is in set '{entry.Name}', which ## SYNTAX does not have.");
            }
        }

        return new CommandHelp(
            page.Name,
            [.. page.Paragraphs(page.Section("SYNOPSIS"))],
            [.. page.Paragraphs(page.Section("DESCRIPTION"))],
            [.. syntax.Select(SetName)],
            parameters,
            TypeEntries(page, "INPUTS"),
            TypeEntries(page, "OUTPUTS"),
            [.. page.Paragraphs(page.Section("NOTES"))],
            [.. page.Split(page.Section("EXAMPLES")).Select(example => ReadExample(page, example))],
            [.. page.Section("RELATED LINKS").SelectMany(block => block is ParagraphBlock paragraph ? [paragraph] : block.Descendants<ParagraphBlock>())
                .SelectMany(paragraph => paragraph.Inline?.Descendants<LinkInline>() ?? [])
                .Select(link => new Link(MarkdownPage.Plain(link.FirstChild), link.Url ?? ""))]);
    }

    private static string SetName(Section syntax) => syntax.Title.EndsWith(" (Default)", StringComparison.Ordinal) ? syntax.Title[..^" (Default)".Length] : syntax.Title;

    private static TypeEntry[] TypeEntries(MarkdownPage page, string section) =>
        [.. page.Split(page.Section(section)).Select(entry => new TypeEntry(entry.Title, [.. page.Paragraphs(entry.Blocks)]))];

    /// <summary>
    /// An example: the commands alone as its code (copying the example copies only them), then the
    /// explanation, then any sample output ("Output" fences), shown after a blank line as pwsh prints it.
    /// </summary>
    private static Example ReadExample(MarkdownPage page, Section example)
    {
        FencedCodeBlock[] fences = [.. example.Blocks.OfType<FencedCodeBlock>()];
        static bool IsOutput(FencedCodeBlock fence) => string.Equals(fence.Info, "output", StringComparison.OrdinalIgnoreCase);
        string code = string.Join("\n\n", fences.Where(f => !IsOutput(f)).Select(f => string.Join('\n', MarkdownPage.Lines(f))));
        return new Example(example.Title, code,
            [.. page.Paragraphs(example.Blocks), .. fences.Where(IsOutput).Select(f => "Output:\n\n" + string.Join('\n', MarkdownPage.Lines(f)))]);
    }
}
