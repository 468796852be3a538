// Usage: dotnet HelpCompiler.dll <docs folder> <output folder> <MAML file name>
// Writes <output folder>/<MAML file name> from the cmdlet pages (Verb-Noun.md) and an
// about_X.help.txt per about topic (about_X.md). Every problem found on a page is reported, as
// MSBuild reads it (path: error: message), and makes the exit code 1: a page that cannot be read
// fully never becomes help with a part missing.
using MemMap.Build.HelpCompiler;

if (args.Length != 3)
{
    Console.Error.WriteLine("usage: HelpCompiler <docs folder> <output folder> <MAML file name>");
    return 2;
}
(string docs, string output, string helpFileName) = (args[0], args[1], args[2]);
Directory.CreateDirectory(output);
var problems = new List<string>();
var commands = new List<CommandHelp>();
foreach (string path in Directory.GetFiles(docs, "*.md").Order(StringComparer.Ordinal))
{
    var page = new MarkdownPage(path);
    if (page.Name.StartsWith("about_", StringComparison.Ordinal))
    {
        File.WriteAllText(Path.Combine(output, page.Name + ".help.txt"), AboutTopic.Text(page));
    }
    else
    {
        commands.Add(CommandHelp.Read(page, problem => problems.Add($"{path}: error: {problem}")));
    }
}
problems.ForEach(Console.Error.WriteLine);
if (problems.Count > 0) return 1;
Maml.Document(commands).Save(Path.Combine(output, helpFileName));
Console.WriteLine($"Help: {commands.Count} cmdlet pages into {helpFileName}.");
return 0;
