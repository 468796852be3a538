using System.Text;
using Markdig;
using Markdig.Extensions.Yaml;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;
using YamlDotNet.Serialization;

namespace MemMap.Build.HelpCompiler;

/// <summary>A "## " or "### " heading and the blocks under it, up to the next heading of its level.</summary>
internal sealed record Section(string Title, HeadingBlock Heading, List<Block> Blocks);

/// <summary>
/// A docs page as Markdig parses it: its YAML front matter and its "## " sections. The text of a
/// paragraph is the Markdown as written (Get-Help shows MAML paragraphs as they are), each source
/// line trimmed and the lines joined by spaces.
/// </summary>
internal sealed class MarkdownPage
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseYamlFrontMatter().Build();
    private readonly string source;

    public MarkdownPage(string path)
    {
        Name = Path.GetFileNameWithoutExtension(path);
        source = File.ReadAllText(path).ReplaceLineEndings("\n");
        MarkdownDocument document = Markdown.Parse(source, Pipeline);
        if (document.FirstOrDefault() is YamlFrontMatterBlock front)
        {
            string yaml = string.Join('\n', Raw(front).Split('\n').Where(line => line.TrimEnd() != "---"));
            FrontMatter = Yaml.Deserialize<Dictionary<string, string>?>(yaml) ?? [];
        }
        Sections = Split(document, level: 2); // the front matter and the # title come before the first
    }

    public static IDeserializer Yaml { get; } = new DeserializerBuilder().IgnoreUnmatchedProperties().Build();

    /// <summary>The file name without .md: the cmdlet's name or about_Topic.</summary>
    public string Name { get; }

    public IReadOnlyDictionary<string, string> FrontMatter { get; } = new Dictionary<string, string>();

    public IReadOnlyList<Section> Sections { get; }

    /// <summary>The blocks of the "## <paramref name="title"/>" section; none if the page has no such section.</summary>
    public IReadOnlyList<Block> Section(string title) =>
        Sections.FirstOrDefault(s => s.Title.Equals(title, StringComparison.OrdinalIgnoreCase))?.Blocks ?? [];

    /// <summary>Splits blocks at their headings of <paramref name="level"/>; blocks before the first are dropped.</summary>
    public List<Section> Split(IEnumerable<Block> blocks, int level = 3)
    {
        var sections = new List<Section>();
        foreach (Block block in blocks)
        {
            if (block is HeadingBlock heading && heading.Level == level) sections.Add(new Section(Raw(heading).Trim().TrimStart('#').Trim(), heading, []));
            else if (sections.Count > 0) sections[^1].Blocks.Add(block);
        }
        return sections;
    }

    /// <summary>
    /// The prose of <paramref name="blocks"/> as paragraphs: each paragraph, and each list item
    /// ("- " or "1. " first); fenced code, which a caller places itself, is left out.
    /// </summary>
    public IEnumerable<string> Paragraphs(IEnumerable<Block> blocks)
    {
        foreach (Block block in blocks)
        {
            switch (block)
            {
                case ParagraphBlock paragraph:
                    yield return Text(paragraph);
                    break;
                case ListBlock list:
                    int number = int.TryParse(list.OrderedStart, out int start) ? start : 1;
                    foreach (ListItemBlock item in list.OfType<ListItemBlock>())
                    {
                        string marker = list.IsOrdered ? $"{number++}. " : "- ";
                        foreach ((string text, int i) in Paragraphs(item).Select((text, i) => (text, i))) yield return (i == 0 ? marker : "") + text;
                    }
                    break;
                case QuoteBlock quote:
                    foreach (string text in Paragraphs(quote)) yield return text;
                    break;
            }
        }
    }

    /// <summary>A paragraph's Markdown, its lines trimmed and joined by spaces.</summary>
    public string Text(LeafBlock paragraph) => string.Join(' ', Raw(paragraph).Split('\n').Select(line => line.Trim()).Where(line => line.Length > 0));

    /// <summary>The lines of a fenced block, as written.</summary>
    public static IEnumerable<string> Lines(FencedCodeBlock fence) =>
        Enumerable.Range(0, fence.Lines.Count).Select(i => fence.Lines.Lines[i].Slice.ToString());

    /// <summary>Inline Markdown as plain text: `code`, **bold** and links reduced to their words, a web link's address kept in parentheses.</summary>
    public static string Plain(Inline? inline)
    {
        var text = new StringBuilder();
        AppendPlain(text, inline);
        return text.ToString();
    }

    private static void AppendPlain(StringBuilder text, Inline? inline)
    {
        for (; inline is not null; inline = inline.NextSibling)
        {
            switch (inline)
            {
                case LiteralInline literal: text.Append(literal.Content.ToString()); break;
                case CodeInline code: text.Append(code.Content); break;
                case LineBreakInline: text.Append(' '); break;
                case HtmlInline html: text.Append(html.Tag); break;
                case HtmlEntityInline entity: text.Append(entity.Transcoded.ToString()); break;
                case AutolinkInline autolink: text.Append(autolink.Url); break;
                case LinkInline link:
                    AppendPlain(text, link.FirstChild);
                    if (link.Url is { } url && url.StartsWith("http", StringComparison.Ordinal)) text.Append(" (").Append(url).Append(')');
                    break;
                case ContainerInline container: AppendPlain(text, container.FirstChild); break;
            }
        }
    }

    private string Raw(Block block) => source.Substring(block.Span.Start, block.Span.Length);
}
