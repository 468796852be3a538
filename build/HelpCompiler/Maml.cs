using System.Xml.Linq;

namespace MemMap.Build.HelpCompiler;

/// <summary>The MAML file pwsh's Get-Help reads for a binary module (the module assembly's name plus -Help.xml).</summary>
internal static class Maml
{
    private static readonly XNamespace Msh = "http://msh";
    private static readonly XNamespace Ns = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    public static XDocument Document(IEnumerable<CommandHelp> commands) =>
        new(new XElement(Msh + "helpItems", new XAttribute("schema", "maml"),
            new XAttribute(XNamespace.Xmlns + "maml", Ns), new XAttribute(XNamespace.Xmlns + "command", Command),
            new XAttribute(XNamespace.Xmlns + "dev", Dev), commands.Select(CommandElement)));

    private static XElement CommandElement(CommandHelp help)
    {
        string[] verbNoun = help.Name.Split('-', 2);
        return new XElement(Command + "command",
            new XElement(Command + "details",
                new XElement(Command + "name", help.Name),
                new XElement(Command + "verb", verbNoun[0]),
                new XElement(Command + "noun", verbNoun.Length > 1 ? verbNoun[1] : ""),
                Description(help.Synopsis)),
            Description(help.Description),
            new XElement(Command + "syntax", help.ParameterSets.Select(set => SyntaxItem(help, set))),
            // One entry per parameter, as pwsh's own help has it: Get-Help -Parameter shows each parameter
            // once. Where it is required in one set and optional in another, the syntax says which.
            new XElement(Command + "parameters", help.Parameters.OrderBy(p => p.Name, StringComparer.OrdinalIgnoreCase)
                .Select(p => ParameterElement(p, Merged(p), inSyntax: false))),
            new XElement(Command + "inputTypes", help.Inputs.Select(entry => TypeElement("inputType", entry))),
            new XElement(Command + "returnValues", help.Outputs.Select(entry => TypeElement("returnValue", entry))),
            new XElement(Ns + "alertSet", new XElement(Ns + "alert", Paragraphs(help.Notes))),
            new XElement(Command + "examples", help.Examples.Select(example => new XElement(Command + "example",
                new XElement(Ns + "title", $"--------- {example.Title} ---------"),
                new XElement(Dev + "code", example.Code),
                new XElement(Dev + "remarks", Paragraphs(example.Remarks))))),
            new XElement(Ns + "relatedLinks", help.Links.Select(link => new XElement(Ns + "navigationLink",
                new XElement(Ns + "linkText", link.Text),
                // A link to another page of these docs is a topic Get-Help finds by name, not an address.
                new XElement(Ns + "uri", link.Uri.EndsWith(".md", StringComparison.Ordinal) ? "" : link.Uri)))));
    }

    /// <summary>A set's syntax as pwsh writes it: positional parameters by position, then mandatory ones, then the rest.</summary>
    private static XElement SyntaxItem(CommandHelp help, string set) =>
        new(Command + "syntaxItem", new XElement(Ns + "name", help.Name),
            help.Parameters.Select(p => (Parameter: p, Entry: p.In(set))).Where(p => p.Entry is not null)
                .OrderBy(p => int.TryParse(p.Entry!.Position, out int position) ? position : int.MaxValue)
                .ThenBy(p => p.Entry!.IsRequired ? 0 : 1)
                .Select(p => ParameterElement(p.Parameter, p.Entry!, inSyntax: true)));

    /// <summary>
    /// A parameter across all its sets: required only where every set requires it, its lowest
    /// position, and every way it takes pipeline input.
    /// </summary>
    private static ParameterSetEntry Merged(Parameter parameter) => new()
    {
        IsRequired = parameter.Yaml.ParameterSets.All(s => s.IsRequired),
        Position = parameter.Yaml.ParameterSets.Select(s => int.TryParse(s.Position, out int position) ? position : int.MaxValue).Min() is int lowest && lowest != int.MaxValue
            ? lowest.ToString(System.Globalization.CultureInfo.InvariantCulture) : "Named",
        ValueFromPipeline = parameter.Yaml.ParameterSets.Any(s => s.ValueFromPipeline),
        ValueFromPipelineByPropertyName = parameter.Yaml.ParameterSets.Any(s => s.ValueFromPipelineByPropertyName),
    };

    private static XElement ParameterElement(Parameter p, ParameterSetEntry entry, bool inSyntax) =>
        new(Command + "parameter",
            new XAttribute("required", entry.IsRequired ? "true" : "false"),
            new XAttribute("variableLength", p.Yaml.Type.EndsWith("[]", StringComparison.Ordinal) ? "true" : "false"),
            new XAttribute("globbing", p.Yaml.SupportsWildcards ? "true" : "false"),
            new XAttribute("pipelineInput", PipelineInput(entry)),
            new XAttribute("position", entry.MamlPosition),
            new XAttribute("aliases", p.Yaml.Aliases.Count == 0 ? "none" : string.Join(", ", p.Yaml.Aliases)),
            new XElement(Ns + "name", p.Name),
            Description(p.Description),
            // A switch takes no value: leaving parameterValue out of the syntax shows it as [-Name].
            p.IsSwitch && inSyntax ? null : new XElement(Command + "parameterValue", new XAttribute("required", p.IsSwitch ? "false" : "true"), new XAttribute("variableLength", "false"), p.ShortType),
            new XElement(Dev + "type", new XElement(Ns + "name", p.Yaml.Type), new XElement(Ns + "uri")),
            new XElement(Dev + "defaultValue", p.Yaml.DefaultValue));

    private static string PipelineInput(ParameterSetEntry entry) =>
        (entry.ValueFromPipelineByPropertyName, entry.ValueFromPipeline) switch
        {
            (false, false) => "False",
            (true, false) => "True (ByPropertyName)",
            (false, true) => "True (ByValue)",
            (true, true) => "True (ByPropertyName, ByValue)",
        };

    private static XElement TypeElement(string element, TypeEntry entry) =>
        new(Command + element, new XElement(Dev + "type", new XElement(Ns + "name", entry.Type), new XElement(Ns + "uri")), Description(entry.Description));

    private static XElement Description(IEnumerable<string> paragraphs) => new(Ns + "description", Paragraphs(paragraphs));

    private static IEnumerable<XElement> Paragraphs(IEnumerable<string> paragraphs) => paragraphs.Select(p => new XElement(Ns + "para", p));
}
