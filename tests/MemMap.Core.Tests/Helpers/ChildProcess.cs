using System.Diagnostics;

namespace MemMap.Tests.Helpers;

/// <summary>Runs real second processes: the MemMap.TestChild program, or any command.</summary>
public static class ChildProcess
{
    public static readonly string ChildAssembly = Path.Combine(AppContext.BaseDirectory, "MemMap.TestChild.dll");

    /// <summary>
    /// A copy of the child program in a world-readable folder, for children running as another user:
    /// the repository may sit in a folder (such as /root) that user cannot enter. Removed at exit.
    /// </summary>
    private static readonly Lazy<string> StagedChildAssembly = new(() =>
    {
        string folder = Directory.CreateTempSubdirectory("memmap-child-").FullName;
        File.SetUnixFileMode(folder, (UnixFileMode)0b111_101_101);
        foreach (string name in new[] { "MemMap.TestChild.dll", "MemMap.TestChild.runtimeconfig.json", "MemMap.TestChild.deps.json", "MemMap.Core.dll" })
        {
            string staged = Path.Combine(folder, name);
            File.Copy(Path.Combine(AppContext.BaseDirectory, name), staged);
            File.SetUnixFileMode(staged, (UnixFileMode)0b110_100_100);
        }
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(folder, recursive: true);
        return Path.Combine(folder, "MemMap.TestChild.dll");
    });

    /// <summary>Starts MemMap.TestChild with <paramref name="arguments"/>, optionally as another user through setpriv.</summary>
    public static Process StartChild(IEnumerable<string> arguments, string? asUser = null)
    {
        var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        if (asUser is not null)
        {
            start.FileName = "setpriv";
            foreach (string argument in new[] { $"--reuid={asUser}", $"--regid={asUser}", "--clear-groups", "--" })
            {
                start.ArgumentList.Add(argument);
            }
            start.ArgumentList.Add(DotnetHost);
        }
        else
        {
            start.FileName = DotnetHost;
        }
        start.ArgumentList.Add(asUser is null ? ChildAssembly : StagedChildAssembly.Value);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        return Process.Start(start)!;
    }

    /// <summary>Runs MemMap.TestChild to the end and returns its exit code and output.</summary>
    public static (int ExitCode, string Output) RunChild(params string[] arguments) => Wait(StartChild(arguments));

    /// <summary>Runs MemMap.TestChild as user <paramref name="user"/> (needs root) and returns its exit code and output.</summary>
    public static (int ExitCode, string Output) RunChildAs(string user, params string[] arguments) => Wait(StartChild(arguments, user));

    /// <summary>Runs a command to the end and returns its exit code and output.</summary>
    public static (int ExitCode, string Output) Run(string command, params string[] arguments)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        return Wait(Process.Start(start)!);
    }

    private static (int, string) Wait(Process process)
    {
        using (process)
        {
            Task<string> error = process.StandardError.ReadToEndAsync();
            string output = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
            {
                process.Kill();
                throw new TimeoutException($"{process.StartInfo.FileName} did not finish in 60 s.");
            }
            return (process.ExitCode, output + error.Result);
        }
    }

    public static string DotnetHost => Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet"
        ? host
        : "dotnet";
}
