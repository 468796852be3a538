// An MSBuild task (compiled by RoslynCodeTaskFactory) that turns the platyPS markdown in docs/
// into the help pwsh reads: one MAML file for the cmdlets and a .help.txt per about topic, so that
// `dotnet build` makes the help with no pwsh and no platyPS.
//
// It reads platyPS 1.0's schema (front matter title/Locale/ms.date, ## ALIASES, a yaml block per
// parameter whose ParameterSets list says, set by set, whether it is required, its position and its
// pipeline input) and also the older platyPS 0.14 schema 2.0.0 (a "Parameter Sets:" yaml block,
// possibly several "### -Name" sections for one parameter), so a page written either way builds.
//
// Why no Markdig: an inline task cannot load a NuGet package's assembly, and a separate tool process
// would add a restore and a build to every `dotnet build`. The pages follow platyPS's fixed layout
// (## and ### headings, fenced blocks, a flat yaml subset), which headings and fences fully describe;
// the module contract tests check that every parameter of every set reaches the MAML.
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
    private const int AboutWidth = 80;

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

    /// <summary>Every fenced block: its info string (powershell, Output, yaml, …) and its lines.</summary>
    private static IEnumerable<(string Info, List<string> Lines)> Fences(List<string> lines)
    {
        for (int i = 0; i < lines.Count; i++)
        {
            if (!lines[i].StartsWith("```", StringComparison.Ordinal)) continue;
            string info = lines[i].Substring(3).Trim();
            List<string> block = lines.Skip(i + 1).TakeWhile(l => !l.StartsWith("```", StringComparison.Ordinal)).ToList();
            yield return (info, block);
            i += block.Count + 1; // past the closing fence
        }
    }

    private static bool IsOutput(string info) => info.Equals("output", StringComparison.OrdinalIgnoreCase);

    private static XElement Description(IEnumerable<string> lines) =>
        new XElement(Maml + "description", Paragraphs(lines).Select(p => new XElement(Maml + "para", p)));

    /// <summary>How a parameter behaves in one parameter set.</summary>
    private sealed class SetEntry
    {
        public string Set = "";
        public bool Required;
        public string Position = "named";
        public bool ByValue;
        public bool ByPropertyName;
        public string PipelineInput => !ByValue && !ByPropertyName ? "False"
            : "True (" + string.Join(", ", new[] { ByPropertyName ? "ByPropertyName" : null, ByValue ? "ByValue" : null }.Where(s => s != null)) + ")";
        public bool IsAll => Set is "(All)" or "__AllParameterSets";
    }

    /// <summary>One "### -Name" section: its description and the sets it describes.</summary>
    private sealed class Parameter
    {
        public string Name = "";
        public List<string> Description = new List<string>();
        public string Type = "";
        public string Aliases = "";
        public string DefaultValue = "";
        public bool Wildcards;
        public List<SetEntry> Sets = new List<SetEntry>();
        public bool IsSwitch => ShortType == "SwitchParameter";
        /// <summary>The type as pwsh shows it in syntax: System.Int64 → Int64.</summary>
        public string ShortType => Regex.Replace(Type, @"^(\w+\.)+", "");
        public SetEntry? In(string set) => Sets.FirstOrDefault(s => s.Set == set) ?? Sets.FirstOrDefault(s => s.IsAll);
    }

    private static string Unquote(string value) =>
        value.Length >= 2 && (value[0] == '\'' || value[0] == '"') && value[value.Length - 1] == value[0] ? value.Substring(1, value.Length - 2) : value;

    private static bool IsTrue(string value) => value.StartsWith("true", StringComparison.OrdinalIgnoreCase);

    private static string Position(string value) => int.TryParse(value, out int position) ? position.ToString() : "named";

    /// <summary>Reads a parameter's yaml block, in platyPS 1.0's schema or the older one.</summary>
    private static void ReadYaml(Parameter parameter, List<string> yaml)
    {
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var list = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        var sets = new List<Dictionary<string, string>>();
        string? key = null;
        foreach (string line in yaml.Where(l => l.Trim().Length > 0))
        {
            Match entry = Regex.Match(line, @"^(?<indent>\s*)(?<dash>- )?(?<key>[\w ]+?):\s*(?<value>.*)$");
            Match item = Regex.Match(line, @"^\s*- (?<value>.*)$");
            if (entry.Success && entry.Groups["indent"].Length == 0 && !entry.Groups["dash"].Success)
            {
                key = entry.Groups["key"].Value.Trim();
                fields[key] = entry.Groups["value"].Value.Trim();
                list[key] = new List<string>();
            }
            else if (key == "ParameterSets" && entry.Success)
            {
                if (entry.Groups["dash"].Success) sets.Add(new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase));
                if (sets.Count > 0) sets[sets.Count - 1][entry.Groups["key"].Value.Trim()] = entry.Groups["value"].Value.Trim();
            }
            else if (key != null && item.Success)
            {
                list[key].Add(Unquote(item.Groups["value"].Value.Trim()));
            }
        }
        string Field(string name) => fields.TryGetValue(name, out string? value) ? Unquote(value) : "";
        if (Field("Type").Length > 0) parameter.Type = Field("Type");
        if (fields.ContainsKey("ParameterSets"))
        {
            // platyPS 1.0: Aliases: [] or a list; DefaultValue; SupportsWildcards; ParameterSets: - Name: …
            string aliases = Field("Aliases").Trim('[', ']');
            parameter.Aliases = string.Join(", ", aliases.Split(',').Select(a => Unquote(a.Trim())).Where(a => a.Length > 0).Concat(list["Aliases"]));
            parameter.DefaultValue = Field("DefaultValue");
            parameter.Wildcards = IsTrue(Field("SupportsWildcards"));
            parameter.Sets.AddRange(sets.Select(set => new SetEntry
            {
                Set = set.TryGetValue("Name", out string? name) ? Unquote(name) : "(All)",
                Required = set.TryGetValue("IsRequired", out string? required) && IsTrue(required),
                Position = Position(set.TryGetValue("Position", out string? position) ? position : ""),
                ByValue = set.TryGetValue("ValueFromPipeline", out string? byValue) && IsTrue(byValue),
                ByPropertyName = set.TryGetValue("ValueFromPipelineByPropertyName", out string? byName) && IsTrue(byName),
            }));
        }
        else
        {
            // platyPS 0.14 (schema 2.0.0): Parameter Sets: A, B; Required; Position; Accept pipeline input: True (ByValue)
            parameter.Aliases = Field("Aliases");
            parameter.DefaultValue = Field("Default value");
            parameter.Wildcards = IsTrue(Field("Accept wildcard characters"));
            string input = Field("Accept pipeline input");
            parameter.Sets.AddRange(Field("Parameter Sets").Split(',').Select(s => s.Trim()).Where(s => s.Length > 0).Select(set => new SetEntry
            {
                Set = set,
                Required = IsTrue(Field("Required")),
                Position = Position(Field("Position")),
                ByValue = input.Contains("ByValue"),
                ByPropertyName = input.Contains("ByPropertyName"),
            }));
        }
    }

    private XElement CommandElement(string name, Dictionary<string, List<string>> sections)
    {
        string[] verbNoun = name.Split(new[] { '-' }, 2);
        var parameters = Subsections(Section(sections, "PARAMETERS"))
            .Where(s => s.Heading.StartsWith("-", StringComparison.Ordinal))
            .Select(s =>
            {
                var parameter = new Parameter
                {
                    Name = s.Heading.Substring(1),
                    Description = s.Body.TakeWhile(l => !l.StartsWith("```", StringComparison.Ordinal)).ToList(),
                };
                foreach (var fence in Fences(s.Body).Where(f => f.Info == "yaml")) ReadYaml(parameter, fence.Lines);
                return parameter;
            }).ToList();
        if (parameters.Count == 0) Log.LogError($"{name}.md documents no parameters.");
        foreach (Parameter p in parameters.Where(p => p.Sets.Count == 0 || p.Type.Length == 0))
        {
            Log.LogError($"{name}.md: -{p.Name} has no yaml block with its Type and parameter sets.");
        }

        var syntax = Subsections(Section(sections, "SYNTAX")).Select(set =>
        {
            string setName = Regex.Replace(set.Heading, @"\s*\(Default\)$", "");
            var inSet = parameters.Select(p => (Parameter: p, Entry: p.In(setName)))
                .Where(p => p.Entry != null).GroupBy(p => p.Parameter.Name).Select(g => g.First())
                // As pwsh writes syntax: positional parameters by position, then mandatory ones, then the rest.
                .OrderBy(p => p.Entry!.Position == "named" ? int.MaxValue : int.Parse(p.Entry.Position))
                .ThenBy(p => p.Entry!.Required ? 0 : 1);
            return new XElement(Command + "syntaxItem", new XElement(Maml + "name", name),
                inSet.Select(p => ParameterElement(p.Parameter, p.Entry!, inSyntax: true)));
        });

        // One entry per parameter and way of behaving: a parameter required in one set and optional in
        // another (New-MemoryMapping -Length) gets one entry for each, each with its description.
        var described = parameters
            .SelectMany(p => p.Sets.GroupBy(s => (s.Required, s.Position, s.PipelineInput)).Select(g => (Parameter: p, Entry: g.First())))
            .OrderBy(p => p.Parameter.Name, StringComparer.OrdinalIgnoreCase);

        return new XElement(Command + "command",
            new XElement(Command + "details",
                new XElement(Command + "name", name),
                new XElement(Command + "verb", verbNoun[0]),
                new XElement(Command + "noun", verbNoun.Length > 1 ? verbNoun[1] : ""),
                Description(Section(sections, "SYNOPSIS"))),
            Description(Section(sections, "DESCRIPTION")),
            new XElement(Command + "syntax", syntax),
            new XElement(Command + "parameters", described.Select(p => ParameterElement(p.Parameter, p.Entry, inSyntax: false))),
            new XElement(Command + "inputTypes", TypeEntries(sections, "INPUTS", "inputType")),
            new XElement(Command + "returnValues", TypeEntries(sections, "OUTPUTS", "returnValue")),
            new XElement(Maml + "alertSet", new XElement(Maml + "alert", Paragraphs(Section(sections, "NOTES")).Select(p => new XElement(Maml + "para", p)))),
            new XElement(Command + "examples", Subsections(Section(sections, "EXAMPLES")).Select(example => ExampleElement(example.Heading, example.Body))),
            new XElement(Maml + "relatedLinks", Section(sections, "RELATED LINKS")
                .Select(l => Regex.Match(l, @"^\[(?<text>[^\]]+)\]\((?<uri>[^)]*)\)")).Where(m => m.Success)
                .Select(m => new XElement(Maml + "navigationLink",
                    new XElement(Maml + "linkText", m.Groups["text"].Value),
                    new XElement(Maml + "uri", m.Groups["uri"].Value.EndsWith(".md", StringComparison.Ordinal) ? "" : m.Groups["uri"].Value)))));
    }

    /// <summary>
    /// An example: the commands alone in the code (copying the example copies only them), then the
    /// explanation, then any sample output, shown after a blank line and indented as pwsh prints it.
    /// </summary>
    private static XElement ExampleElement(string heading, List<string> body)
    {
        var fences = Fences(body).ToList();
        string code = string.Join("\n\n", fences.Where(f => !IsOutput(f.Info)).Select(f => string.Join("\n", f.Lines)));
        IEnumerable<string> remarks = Paragraphs(body)
            .Concat(fences.Where(f => IsOutput(f.Info)).Select(f => "Output:\n\n" + string.Join("\n", f.Lines)));
        return new XElement(Command + "example",
            new XElement(Maml + "title", $"--------- {heading} ---------"),
            new XElement(Dev + "code", code),
            new XElement(Dev + "remarks", remarks.Select(p => new XElement(Maml + "para", p))));
    }

    private static XElement ParameterElement(Parameter p, SetEntry entry, bool inSyntax) =>
        new XElement(Command + "parameter",
            new XAttribute("required", entry.Required ? "true" : "false"),
            new XAttribute("variableLength", p.Type.EndsWith("[]", StringComparison.Ordinal) ? "true" : "false"),
            new XAttribute("globbing", p.Wildcards ? "true" : "false"),
            new XAttribute("pipelineInput", entry.PipelineInput),
            new XAttribute("position", entry.Position),
            new XAttribute("aliases", p.Aliases.Length == 0 ? "none" : p.Aliases),
            new XElement(Maml + "name", p.Name),
            Description(p.Description),
            // A switch takes no value: leaving parameterValue out of the syntax shows it as [-Name].
            p.IsSwitch && inSyntax ? null : new XElement(Command + "parameterValue", new XAttribute("required", p.IsSwitch ? "false" : "true"), new XAttribute("variableLength", "false"), p.ShortType),
            new XElement(Dev + "type", new XElement(Maml + "name", p.Type), new XElement(Maml + "uri")),
            new XElement(Dev + "defaultValue", p.DefaultValue));

    private static IEnumerable<XElement> TypeEntries(Dictionary<string, List<string>> sections, string section, string element) =>
        Subsections(Section(sections, section)).Select(entry => new XElement(Command + element,
            new XElement(Dev + "type", new XElement(Maml + "name", entry.Heading), new XElement(Maml + "uri")),
            Description(entry.Body)));

    /// <summary>
    /// An about topic as the plain text Get-Help shows: headings in capitals, prose with its markdown
    /// removed and wrapped at 80 columns, list items with a hanging indent, code indented and kept as written.
    /// </summary>
    private static string AboutText(string name, Dictionary<string, List<string>> sections)
    {
        var text = new StringBuilder();
        text.Append("TOPIC\n").Append("    " + name + "\n\n");
        foreach (KeyValuePair<string, List<string>> section in sections)
        {
            text.Append(Plain(section.Key).ToUpperInvariant()).Append('\n');
            var paragraph = new List<string>();
            bool inCode = false;
            void Flush()
            {
                if (paragraph.Count == 0) return;
                string joined = string.Join(" ", paragraph.Select(l => l.Trim()));
                bool item = joined.StartsWith("- ", StringComparison.Ordinal);
                Wrap(text, Plain(item ? joined.Substring(2) : joined), item ? "    - " : "    ", item ? "      " : "    ");
                paragraph.Clear();
            }
            foreach (string line in section.Value)
            {
                if (line.StartsWith("```", StringComparison.Ordinal)) { Flush(); inCode = !inCode; continue; }
                if (inCode) { text.Append(line.Length == 0 ? "" : "        " + line).Append('\n'); continue; }
                if (line.Trim().Length == 0) { Flush(); text.Append('\n'); continue; }
                if (line.StartsWith("### ", StringComparison.Ordinal)) { Flush(); text.Append("  " + Plain(line.Substring(4)).ToUpperInvariant()).Append('\n'); continue; }
                if (line.StartsWith("- ", StringComparison.Ordinal)) Flush(); // each item its own paragraph
                paragraph.Add(line);
            }
            Flush();
        }
        // No runs of blank lines: a blank line separates paragraphs, and the file ends with one newline.
        return Regex.Replace(text.ToString(), @"\n{3,}", "\n\n").TrimEnd('\n') + "\n";
    }

    /// <summary>Markdown inline markup removed: `code`, **bold**, [text](link) → text (link) for web links.</summary>
    private static string Plain(string markdown)
    {
        string text = Regex.Replace(markdown, @"\[(?<text>[^\]]+)\]\((?<uri>[^)]*)\)",
            m => m.Groups["uri"].Value.StartsWith("http", StringComparison.Ordinal) ? $"{m.Groups["text"].Value} ({m.Groups["uri"].Value})" : m.Groups["text"].Value);
        text = Regex.Replace(text, @"\*\*(?<bold>[^*]+)\*\*", "${bold}");
        return text.Replace("`", "");
    }

    /// <summary>Appends <paramref name="words"/> wrapped at <see cref="AboutWidth"/> columns.</summary>
    private static void Wrap(StringBuilder text, string words, string firstIndent, string indent)
    {
        var line = new StringBuilder(firstIndent);
        bool empty = true;
        foreach (string word in words.Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries))
        {
            if (!empty && line.Length + 1 + word.Length > AboutWidth)
            {
                text.Append(line.ToString().TrimEnd()).Append('\n');
                line.Clear().Append(indent);
                empty = true;
            }
            line.Append(empty ? "" : " ").Append(word);
            empty = false;
        }
        text.Append(line.ToString().TrimEnd()).Append('\n');
    }
}
