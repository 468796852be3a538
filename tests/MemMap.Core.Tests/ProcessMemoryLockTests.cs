using MemMap.Tests.Helpers;

namespace MemMap.Tests;

/// <summary>
/// ProcessMemoryLock (Lock-ProcessMemory / Unlock-ProcessMemory): mlockall and munlockall, always in
/// a child process, so that the test host's own memory is never locked.
/// </summary>
public sealed class ProcessMemoryLockTests
{
    [Theory]
    [InlineData("current")]
    [InlineData("future")]
    [InlineData("future", "onfault")]
    public void Locking_the_process_shows_in_VmLck_and_unlocking_it_brings_VmLck_back_to_zero(params string[] how)
    {
        Assert.True(Environment.UserName == "root", "the success path needs CAP_IPC_LOCK (root): RLIMIT_MEMLOCK here is far below a .NET process's size");

        (int exitCode, string output) = ChildProcess.RunChild(["lock-process", .. how]);

        Assert.True(exitCode == 0, output);
        Dictionary<string, long> vmLck = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' '))
            .ToDictionary(words => words[0], words => long.Parse(words[1], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(0, vmLck["before"]);
        Assert.True(vmLck["locked"] >= 64L << 20, output); // every area the process maps, not one page
        if (how[0] == "future")
        {
            Assert.True(vmLck["grown"] > vmLck["locked"], output); // a new thread's stack is locked as it is mapped
        }
        else
        {
            Assert.True(vmLck["grown"] <= vmLck["locked"], output); // without MCL_FUTURE new mappings are not locked
        }
        Assert.Equal(0, vmLck["unlocked"]);
    }

    [Theory]
    [InlineData("future")]
    [InlineData("current")]
    public void Under_a_finite_RLIMIT_MEMLOCK_the_lock_is_refused_naming_the_limit_and_the_process_lives_on(string how)
    {
        Assert.True(ChildProcess.CanSwitchUser, "needs root and setpriv: root holds CAP_IPC_LOCK, to which RLIMIT_MEMLOCK does not apply");
        const long limit = 4 << 20;

        (int exitCode, string output) = ChildProcess.RunChildUnder(["prlimit", $"--memlock={limit}:{limit}", "--"], "65534", "lock-process", how);

        Assert.True(exitCode == 0, output);
        Assert.Contains($"refused: Cannot lock the process's memory: its locked-memory limit RLIMIT_MEMLOCK is {limit} bytes", output);
        Assert.Contains("max(1 GiB, limit/4)", output);
        Assert.Contains(how == "future" ? "With -Future (MCL_FUTURE) every mapping" : "Every growth of a locked area", output);
        Assert.Contains("healthy 0", output); // nothing locked, and it allocated and started a thread after the refusal
    }
}
