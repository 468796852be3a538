using System.Text;
using System.Text.RegularExpressions;
using Markdig.Syntax;

namespace MemMap.Build.HelpCompiler;

/// <summary>
/// An about topic as the plain text Get-Help shows: headings in capitals, prose with its Markdown
/// removed and wrapped at 80 columns, list items with a hanging indent, code indented and kept as
/// written, one blank line between blocks.
/// </summary>
internal static partial class AboutTopic
{
    private const int Width = 80;

    public static string Text(MarkdownPage page)
    {
        var blocks = new List<string> { "TOPIC\n    " + page.Name };
        foreach (Section section in page.Sections)
        {
            blocks.Add(MarkdownPage.Plain(section.Heading.Inline?.FirstChild).ToUpperInvariant());
            blocks.AddRange(section.Blocks.Select(Block).Where(text => text.Length > 0));
        }
        // No runs of blank lines (a code block may hold some), and the file ends with one newline.
        return BlankLines().Replace(string.Join("\n\n", blocks), "\n\n").TrimEnd('\n') + "\n";
    }

    private static string Block(Block block) => block switch
    {
        HeadingBlock heading => "  " + MarkdownPage.Plain(heading.Inline?.FirstChild).ToUpperInvariant(),
        ParagraphBlock paragraph => Wrap(MarkdownPage.Plain(paragraph.Inline?.FirstChild), "    ", "    "),
        FencedCodeBlock fence => string.Join('\n', MarkdownPage.Lines(fence).Select(line => line.Length == 0 ? "" : "        " + line)),
        ListBlock list => string.Join(list.IsLoose ? "\n\n" : "\n", list.OfType<ListItemBlock>().Select(item => string.Join("\n\n",
            item.OfType<ParagraphBlock>().Select((p, i) => Wrap(MarkdownPage.Plain(p.Inline?.FirstChild), i == 0 ? "    - " : "      ", "      "))))),
        _ => "",
    };

    /// <summary><paramref name="words"/> wrapped at <see cref="Width"/> columns.</summary>
    private static string Wrap(string words, string firstIndent, string indent)
    {
        var lines = new List<string>();
        var line = new StringBuilder(firstIndent);
        bool empty = true;
        foreach (string word in words.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!empty && line.Length + 1 + word.Length > Width)
            {
                lines.Add(line.ToString().TrimEnd());
                line.Clear().Append(indent);
                empty = true;
            }
            line.Append(empty ? "" : " ").Append(word);
            empty = false;
        }
        lines.Add(line.ToString().TrimEnd());
        return string.Join('\n', lines);
    }

    [GeneratedRegex(@"\n{3,}")]
    private static partial Regex BlankLines();
}
