using System.Diagnostics;

namespace MemMap.Tests.Helpers;

/// <summary>Runs real second processes: the MemMap.TestChild program, or any command.</summary>
public static class ChildProcess
{
    private static readonly Lazy<string> Staged = new(Stage);

    /// <summary>
    /// MemMap.TestChild.dll, staged once per test run in a fresh directory everyone may read (mode
    /// 0755): a child that runs as another user (setpriv) must load it wherever the repository lives,
    /// and a clone inside a mode-0700 directory (as mktemp -d makes one) is closed to 'nobody'.
    /// </summary>
    public static string ChildAssembly => Staged.Value;

    /// <summary>Starts MemMap.TestChild with <paramref name="arguments"/>, optionally as another user through setpriv and under a wrapper command such as prlimit.</summary>
    public static Process StartChild(IEnumerable<string> arguments, string? asUser = null, IEnumerable<string>? wrapper = null)
    {
        var command = new List<string>(wrapper ?? []);
        if (asUser is not null)
        {
            command.AddRange(["setpriv", $"--reuid={asUser}", $"--regid={asUser}", "--clear-groups", "--"]);
        }
        command.AddRange([DotnetHost, ChildAssembly, .. arguments]);
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (string argument in command.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }
        if (asUser is not null)
        {
            start.Environment["HOME"] = Path.GetTempPath(); // not root's home, which the other user may not enter
        }
        ShareActiveMutant(start);
        return Process.Start(start)!;
    }

    /// <summary>Runs MemMap.TestChild under <paramref name="wrapper"/> (such as prlimit --as=…), optionally as <paramref name="asUser"/>, and returns its exit code and output.</summary>
    public static (int ExitCode, string Output) RunChildUnder(string[] wrapper, string? asUser, params string[] arguments) => Wait(StartChild(arguments, asUser, wrapper));

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
        ShareActiveMutant(start);
        return Wait(Process.Start(start)!);
    }

    /// <summary>
    /// Under mutation testing (Stryker.NET, docs/performance/testing.md) the test host runs one mutant of
    /// MemMap.Core, which Stryker's collector picks per test by setting a static field of the MutantControl
    /// class it injects; a child loads the same mutated MemMap.Core.dll but would run no mutant, so a rule
    /// only a child can show (a process limit) would never be tested against one. Hand the child the host's
    /// mutant, through the variable the injected class reads (STRYKER_MUTANT_ID_CONTROL_VAR names it).
    /// Outside Stryker there is no such class and nothing changes.
    /// </summary>
    private static void ShareActiveMutant(ProcessStartInfo start)
    {
        if (typeof(MemoryMapping).Assembly.GetTypes().FirstOrDefault(type => type.Name == "MutantControl")?.GetField("ActiveMutant")?.GetValue(null) is int mutant && mutant >= 0)
        {
            start.Environment["STRYKER_MUTANT_ID_CONTROL_VAR"] = "MEMMAP_TESTS_ACTIVE_MUTANT";
            start.Environment["MEMMAP_TESTS_ACTIVE_MUTANT"] = mutant.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
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

    /// <summary>True when this process may run children as another user (root with setpriv on PATH).</summary>
    public static bool CanSwitchUser
    {
        get
        {
            try
            {
                return Environment.UserName == "root" && Run("setpriv", "--version").ExitCode == 0;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return false; // no setpriv
            }
        }
    }

    private static string Stage()
    {
        string folder = Directory.CreateTempSubdirectory("memmap-testchild-").FullName;
        const UnixFileMode readable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        const UnixFileMode enterable = readable | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        File.SetUnixFileMode(folder, enterable);
        string[] guardHelpers = Directory.Exists(Path.Combine(AppContext.BaseDirectory, "runtimes"))
            ? Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "runtimes"), "libmemmap_guard.so", SearchOption.AllDirectories)
            : [];
        foreach (string file in Directory.EnumerateFiles(AppContext.BaseDirectory, "MemMap.TestChild.*").Append(Path.Combine(AppContext.BaseDirectory, "MemMap.Core.dll")).Concat(guardHelpers))
        {
            string copy = Path.Combine(folder, Path.GetRelativePath(AppContext.BaseDirectory, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!, enterable); // runtimes/linux-ARCH/native for the guard helper
            File.Copy(file, copy);
            File.SetUnixFileMode(copy, readable);
        }
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(folder, recursive: true);
        return Path.Combine(folder, "MemMap.TestChild.dll");
    }

    public static string DotnetHost => Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet"
        ? host
        : "dotnet";
}
