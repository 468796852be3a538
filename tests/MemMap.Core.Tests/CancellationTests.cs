using System.Diagnostics;
using MemMap.Tests.Helpers;

namespace MemMap.Tests;

/// <summary>
/// Nothing blocks, and every wait can be stopped: FIFOs are refused without waiting for a writer,
/// and the calls that can take long (search, lock, populate, sync, measuring, loading a file) end
/// on a cancelled token, which is what Ctrl+C (StopProcessing) cancels.
/// </summary>
[Collection(nameof(LockedMemory))] // locks memory: the locking tests read the process-wide VmLck
public sealed class CancellationTests : IDisposable
{
    private readonly TempFiles files = new();
    private static readonly int Page = Environment.SystemPageSize;

    public void Dispose() => files.Dispose();

    /// <summary>A FIFO nobody writes to: a blocking open for reading would wait for a writer forever.</summary>
    private string NewFifo()
    {
        string path = files.NewPath();
        (int exitCode, string output) = ChildProcess.Run("mkfifo", path);
        Assert.True(exitCode == 0, $"mkfifo failed: {output}");
        return path;
    }

    /// <summary>Runs <paramref name="call"/> on another thread and fails (instead of hanging the test run) unless it ends within a second.</summary>
    private static Exception? EndsWithinASecond(Action call)
    {
        var task = Task.Factory.StartNew(call, TaskCreationOptions.LongRunning);
        Assert.True(((IAsyncResult)task).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(1)), "The call still waits after a second: it opened the FIFO blocking.");
        return task.Exception?.InnerException;
    }

    [Fact]
    public void A_FIFO_is_refused_at_once_by_every_call_that_takes_a_path()
    {
        string fifo = NewFifo();
        Assert.IsType<ArgumentException>(EndsWithinASecond(() => FileResidency.Measure(fifo)));
        Assert.IsType<ArgumentException>(EndsWithinASecond(() => FileResidency.Measure(fifo, detailed: true)));
        Assert.IsType<ArgumentException>(EndsWithinASecond(() => FileCache.Advise(fifo, FileAdvice.WillNeed)));
        Assert.IsType<ArgumentException>(EndsWithinASecond(() => MemoryMapping.MapFile(fifo, new MappingOptions { Protection = MemoryProtection.Read })));
        Exception? refused = EndsWithinASecond(() => MemoryMapping.MapFile(fifo));
        Assert.True(refused is ArgumentException or SystemCallException, $"Mapping a FIFO read-write: {refused}");
        Assert.Contains("FIFO", EndsWithinASecond(() => FileResidency.Measure(fifo))!.Message);
    }

    [Fact]
    public void A_FIFO_in_the_shared_memory_folder_is_refused_at_once()
    {
        string name = $"/memmap-fifo-{Environment.ProcessId}-{Guid.NewGuid():N}";
        (int exitCode, string output) = ChildProcess.Run("mkfifo", "/dev/shm" + name);
        Assert.True(exitCode == 0, $"mkfifo failed: {output}");
        try
        {
            Exception? refused = EndsWithinASecond(() => MemoryMapping.MapSharedMemory(name, new MappingOptions { Protection = MemoryProtection.Read }));
            Assert.IsType<ArgumentException>(refused);
        }
        finally
        {
            File.Delete("/dev/shm" + name);
        }
    }

    [Fact]
    public void A_cancelled_search_stops_before_the_next_block()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 64L * MemoryMapping.SearchBlockLength, Private = true });
        using var stop = new CancellationTokenSource();
        long searched = 0;
        var progress = new Inline(value => { searched = value; stop.Cancel(); });

        Assert.Throws<OperationCanceledException>(() => mapping.Find([1, 2, 3], progress: progress, cancel: stop.Token).ToList());
        Assert.Throws<OperationCanceledException>(() => mapping.FindLast([1, 2, 3], cancel: stop.Token));
        Assert.Equal(MemoryMapping.SearchBlockLength, searched); // one block reported, then the stop
        Assert.Empty(mapping.Find([1, 2, 3]).ToList()); // the mapping works on
    }

    [Fact]
    public void A_cancelled_lock_leaves_nothing_locked()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 4 * MemoryMapping.SliceLength, Private = false });
        using var stop = new CancellationTokenSource();
        stop.Cancel();

        Assert.Throws<OperationCanceledException>(() => mapping.Lock(cancel: stop.Token));
        Assert.Equal(0, LockedBytes(mapping));
        Assert.Throws<OperationCanceledException>(() => mapping.Advise(MappingAdvice.PopulateWrite, cancel: stop.Token));
        Assert.Equal(0, mapping.Residency().ResidentPages);
        Assert.Throws<OperationCanceledException>(() => mapping.Sync(cancel: stop.Token));
        mapping.Advise(MappingAdvice.Random, cancel: stop.Token); // instant advice has nothing to wait for
    }

    [Fact]
    public void A_lock_cancelled_half_way_unlocks_what_it_locked()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 4 * MemoryMapping.SliceLength });
        using var stop = new CancellationTokenSource();
        // Cancel once the first slice is locked: the kernel shows it as locked until the lock undoes it.
        var watcher = new Thread(() =>
        {
            SpinWait.SpinUntil(() => LockedBytes(mapping) > 0 || stop.IsCancellationRequested, TimeSpan.FromSeconds(10));
            stop.Cancel();
        });
        watcher.Start();
        try
        {
            mapping.Lock(cancel: stop.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Equal(0, LockedBytes(mapping));
            return;
        }
        finally
        {
            stop.Cancel();
            watcher.Join();
        }
        Assert.Equal(mapping.MappedLength, LockedBytes(mapping)); // the lock finished first: all of it is locked
    }

    [Fact]
    public void A_cancelled_measurement_and_a_cancelled_load_stop()
    {
        string path = files.CreatePattern(4 * Page);
        using var stop = new CancellationTokenSource();
        stop.Cancel();
        Assert.Throws<OperationCanceledException>(() => FileResidency.Measure(path, detailed: true, stop.Token));
        Assert.Throws<OperationCanceledException>(() => FileCache.Advise(path, FileAdvice.WillNeed, cancel: stop.Token));
    }

    /// <summary>The bytes of the mapping the kernel counts as locked (smaps); shared anonymous memory never merges with its neighbours.</summary>
    private static long LockedBytes(MemoryMapping mapping) => ProcessMemoryMap.Read(null, detailed: true)
        .Where(region => region.Start < (ulong)mapping.Address + (ulong)mapping.MappedLength && region.End > (ulong)mapping.Address)
        .Sum(region => region.Locked ?? 0);

    /// <summary>An IProgress that reports on the calling thread (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class Inline(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
