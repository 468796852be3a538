// An MSBuild task (compiled by RoslynCodeTaskFactory) that turns the platyPS markdown in docs/
// into the help pwsh reads: one MAML file for the cmdlets and a .help.txt per about topic.
// platyPS itself is not installable here, so this reads the subset of its schema 2.0.0 that docs/ uses.
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class ConvertMarkdownHelp : Task
{
    private static readonly XNamespace Msh = "http://msh";
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    /// <summary>The docs folder: a page per cmdlet (Verb-Noun.md) and about_*.md topics.</summary>
    [Required] public string DocsDirectory { get; set; } = "";

    /// <summary>Where MemMap.dll-Help.xml and the about_*.help.txt files go (the module's en-US folder).</summary>
    [Required] public string OutputDirectory { get; set; } = "";

    /// <summary>The MAML file's name: the module assembly's name plus -Help.xml.</summary>
    [Required] public string HelpFileName { get; set; } = "";

    public override bool Execute()
    {
        Directory.CreateDirectory(OutputDirectory);
        var commands = new List<XElement>();
        foreach (string page in Directory.GetFiles(DocsDirectory, "*.md").OrderBy(p => p, StringComparer.Ordinal))
        {
            string name = Path.GetFileNameWithoutExtension(page);
            Dictionary<string, List<string>> sections = Sections(File.ReadAllLines(page));
            if (name.StartsWith("about_", StringComparison.Ordinal))
            {
                File.WriteAllText(Path.Combine(OutputDirectory, name + ".help.txt"), AboutText(name, sections));
            }
            else
            {
                commands.Add(CommandElement(name, sections));
            }
        }
        var help = new XDocument(new XElement(Msh + "helpItems", new XAttribute("schema", "maml"),
            new XAttribute(XNamespace.Xmlns + "maml", Maml), new XAttribute(XNamespace.Xmlns + "command", Command),
            new XAttribute(XNamespace.Xmlns + "dev", Dev), commands));
        help.Save(Path.Combine(OutputDirectory, HelpFileName));
        Log.LogMessage(MessageImportance.Normal, $"Help: {commands.Count} cmdlet pages into {HelpFileName}.");
        return !Log.HasLoggedErrors;
    }

    /// <summary>The page's "## " sections, front matter and title dropped.</summary>
    private static Dictionary<string, List<string>> Sections(string[] lines)
    {
        var sections = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        List<string>? current = null;
        int start = lines.Length > 0 && lines[0] == "---" ? Array.IndexOf(lines, "---", 1) + 1 : 0;
        bool inCode = false;
        foreach (string line in lines.Skip(start))
        {
            if (line.StartsWith("```", StringComparison.Ordinal)) inCode = !inCode;
            if (!inCode && line.StartsWith("## ", StringComparison.Ordinal))
            {
                sections[line.Substring(3).Trim()] = current = new List<string>();
            }
            else
            {
                current?.Add(line);
            }
        }
        return sections;
    }

    private static List<string> Section(Dictionary<string, List<string>> sections, string name) =>
        sections.TryGetValue(name, out List<string>? lines) ? lines : new List<string>();

    /// <summary>Splits a section at its "### " headings: (heading, body lines) in order.</summary>
    private static List<(string Heading, List<string> Body)> Subsections(List<string> lines)
    {
        var result = new List<(string, List<string>)>();
        bool inCode = false;
        foreach (string line in lines)
        {
            if (line.StartsWith("```", StringComparison.Ordinal)) inCode = !inCode;
            if (!inCode && line.StartsWith("### ", StringComparison.Ordinal)) result.Add((line.Substring(4).Trim(), new List<string>()));
            else if (result.Count > 0) result[result.Count - 1].Item2.Add(line);
        }
        return result;
    }

    /// <summary>Prose lines (code fences excluded) joined into paragraphs at blank lines.</summary>
    private static IEnumerable<string> Paragraphs(IEnumerable<string> lines)
    {
        var paragraph = new StringBuilder();
        bool inCode = false;
        foreach (string line in lines.Append(""))
        {
            if (line.StartsWith("```", StringComparison.Ordinal)) { inCode = !inCode; continue; }
            if (inCode) continue;
            if (line.Trim().Length == 0)
            {
                if (paragraph.Length > 0) yield return paragraph.ToString();
                paragraph.Clear();
            }
            else
            {
                paragraph.Append(paragraph.Length > 0 ? " " : "").Append(line.Trim());
            }
        }
    }

    /// <summary>The lines inside the first fenced block whose opening line starts with <paramref name="fence"/>.</summary>
    private static List<string> Fenced(IEnumerable<string> lines, string fence) =>
        lines.SkipWhile(l => !l.StartsWith(fence, StringComparison.Ordinal)).Skip(1)
             .TakeWhile(l => !l.StartsWith("```", StringComparison.Ordinal)).ToList();

    /// <summary>Every fenced block's text: an example's commands and the output shown after them.</summary>
    private static IEnumerable<string> CodeBlocks(List<string> lines)
    {
        for (int i = lines.FindIndex(l => l.StartsWith("```", StringComparison.Ordinal)); i >= 0 && i < lines.Count;
             i = lines.FindIndex(i + 1, l => l.StartsWith("```", StringComparison.Ordinal)))
        {
            List<string> block = lines.Skip(i + 1).TakeWhile(l => !l.StartsWith("```", StringComparison.Ordinal)).ToList();
            yield return string.Join("\n", block);
            i += block.Count + 1; // past the closing fence
        }
    }

    private static XElement Description(IEnumerable<string> lines) =>
        new XElement(Maml + "description", Paragraphs(lines).Select(p => new XElement(Maml + "para", p)));

    private sealed class Parameter
    {
        public string Name = "";
        public List<string> Description = new List<string>();
        public Dictionary<string, string> Fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        public string Field(string key) => Fields.TryGetValue(key, out string? value) ? value : "";
        public string[] Sets => Field("Parameter Sets").Split(',').Select(s => s.Trim()).ToArray();
        public bool IsSwitch => Field("Type") == "SwitchParameter";
        public string Position => Field("Position") is var p && int.TryParse(p, out _) ? p : "named";
    }

    private XElement CommandElement(string name, Dictionary<string, List<string>> sections)
    {
        string[] verbNoun = name.Split(new[] { '-' }, 2);
        var parameters = Subsections(Section(sections, "PARAMETERS"))
            .Where(s => s.Heading.StartsWith("-", StringComparison.Ordinal))
            .Select(s => new Parameter
            {
                Name = s.Heading.Substring(1),
                Description = s.Body.TakeWhile(l => !l.StartsWith("```", StringComparison.Ordinal)).ToList(),
                Fields = Fenced(s.Body, "```yaml").Where(l => l.Contains(':'))
                    .ToDictionary(l => l.Substring(0, l.IndexOf(':')).Trim(), l => l.Substring(l.IndexOf(':') + 1).Trim(), StringComparer.OrdinalIgnoreCase),
            }).ToList();
        if (parameters.Count == 0) Log.LogError($"{name}.md documents no parameters.");

        var syntax = Subsections(Section(sections, "SYNTAX")).Select(set =>
        {
            string setName = Regex.Replace(set.Heading, @"\s*\(Default\)$", "");
            var inSet = parameters.Where(p => p.Sets.Contains(setName) || p.Sets.Contains("(All)"))
                .GroupBy(p => p.Name).Select(g => g.First())
                // As pwsh writes syntax: positional parameters by position, then mandatory ones, then the rest.
                .OrderBy(p => p.Position == "named" ? int.MaxValue : int.Parse(p.Position))
                .ThenBy(p => p.Field("Required").Equals("True", StringComparison.OrdinalIgnoreCase) ? 0 : 1);
            return new XElement(Command + "syntaxItem", new XElement(Maml + "name", name), inSet.Select(p => ParameterElement(p, inSyntax: true)));
        });

        return new XElement(Command + "command",
            new XElement(Command + "details",
                new XElement(Command + "name", name),
                new XElement(Command + "verb", verbNoun[0]),
                new XElement(Command + "noun", verbNoun.Length > 1 ? verbNoun[1] : ""),
                Description(Section(sections, "SYNOPSIS"))),
            Description(Section(sections, "DESCRIPTION")),
            new XElement(Command + "syntax", syntax),
            new XElement(Command + "parameters", parameters.GroupBy(p => p.Name).Select(g => ParameterElement(g.First(), inSyntax: false))),
            new XElement(Command + "inputTypes", TypeEntries(sections, "INPUTS", "inputType")),
            new XElement(Command + "returnValues", TypeEntries(sections, "OUTPUTS", "returnValue")),
            new XElement(Maml + "alertSet", new XElement(Maml + "alert", Paragraphs(Section(sections, "NOTES")).Select(p => new XElement(Maml + "para", p)))),
            new XElement(Command + "examples", Subsections(Section(sections, "EXAMPLES")).Select(example =>
                new XElement(Command + "example",
                    new XElement(Maml + "title", $"--------- {example.Heading} ---------"),
                    new XElement(Dev + "code", string.Join("\n\n", CodeBlocks(example.Body))),
                    new XElement(Dev + "remarks", Paragraphs(example.Body.SkipWhile(l => !l.StartsWith("```", StringComparison.Ordinal))).Select(p => new XElement(Maml + "para", p)))))),
            new XElement(Maml + "relatedLinks", Section(sections, "RELATED LINKS")
                .Select(l => Regex.Match(l, @"^\[(?<text>[^\]]+)\]\((?<uri>[^)]*)\)")).Where(m => m.Success)
                .Select(m => new XElement(Maml + "navigationLink",
                    new XElement(Maml + "linkText", m.Groups["text"].Value),
                    new XElement(Maml + "uri", m.Groups["uri"].Value.EndsWith(".md", StringComparison.Ordinal) ? "" : m.Groups["uri"].Value)))));
    }

    private static XElement ParameterElement(Parameter p, bool inSyntax)
    {
        string type = p.Field("Type");
        bool required = p.Field("Required").Equals("True", StringComparison.OrdinalIgnoreCase);
        string aliases = p.Field("Aliases");
        return new XElement(Command + "parameter",
            new XAttribute("required", required ? "true" : "false"),
            new XAttribute("variableLength", type.EndsWith("[]", StringComparison.Ordinal) ? "true" : "false"),
            new XAttribute("globbing", p.Field("Accept wildcard characters").Equals("True", StringComparison.OrdinalIgnoreCase) ? "true" : "false"),
            new XAttribute("pipelineInput", p.Field("Accept pipeline input") is { Length: > 0 } input ? input : "False"),
            new XAttribute("position", p.Position),
            new XAttribute("aliases", aliases.Length == 0 ? "none" : aliases),
            new XElement(Maml + "name", p.Name),
            Description(p.Description),
            // A switch takes no value: leaving parameterValue out of the syntax shows it as [-Name].
            p.IsSwitch && inSyntax ? null : new XElement(Command + "parameterValue", new XAttribute("required", p.IsSwitch ? "false" : "true"), new XAttribute("variableLength", "false"), type),
            new XElement(Dev + "type", new XElement(Maml + "name", type), new XElement(Maml + "uri")),
            new XElement(Dev + "defaultValue", p.Field("Default value")));
    }

    private static IEnumerable<XElement> TypeEntries(Dictionary<string, List<string>> sections, string section, string element) =>
        Subsections(Section(sections, section)).Select(entry => new XElement(Command + element,
            new XElement(Dev + "type", new XElement(Maml + "name", entry.Heading), new XElement(Maml + "uri")),
            Description(entry.Body)));

    /// <summary>An about topic as the plain text Get-Help shows: headings in capitals, prose as written, code indented.</summary>
    private static string AboutText(string name, Dictionary<string, List<string>> sections)
    {
        var text = new StringBuilder();
        text.AppendLine("TOPIC").AppendLine("    " + name).AppendLine();
        foreach (KeyValuePair<string, List<string>> section in sections)
        {
            text.AppendLine(section.Key.ToUpperInvariant());
            bool inCode = false;
            foreach (string line in section.Value)
            {
                if (line.StartsWith("```", StringComparison.Ordinal)) { inCode = !inCode; continue; }
                string shown = line.StartsWith("### ", StringComparison.Ordinal) ? line.Substring(4).ToUpperInvariant() : line;
                text.AppendLine(shown.Length == 0 ? "" : (inCode ? "        " : "    ") + shown);
            }
        }
        return text.ToString();
    }
}
