using System.Runtime.InteropServices;
using MemMap.Tests.Helpers;

namespace MemMap.Tests.Reliability;

/// <summary>
/// A child process writes numbered, checksummed records through a shared mapping in batches, syncs
/// each batch and prints "synced N B" after each Sync; the test kills it with SIGKILL at a random
/// moment, over many rounds. Afterwards every record up to the last one reported synced is in the
/// file, the records after it are whole or absent (never torn), and the synced batches are clean in
/// the page cache (cachestat): written back to the disk, not merely kept in memory. Batches lie
/// 2 MiB apart because the page cache tracks dirtiness per folio (up to 2 MiB on ext4): one write
/// dirties its whole folio, so a later batch in the same folio would make a synced one look dirty.
/// </summary>
public sealed class DurabilityTests : IDisposable
{
    private const int RecordLength = 64, Batches = 256, Rounds = 16;
    private const long Stride = 2 << 20;
    private readonly TempFiles files = new();

    public void Dispose() => files.Dispose();

    [Fact]
    public async Task Every_record_written_before_a_completed_Sync_survives_SIGKILL_and_is_on_the_disk()
    {
        var random = new Random(20261122);
        int killedMidWay = 0, syncsSeen = 0, recordsChecked = 0;
        bool cachestat = false;
        for (int round = 0; round < Rounds; round++)
        {
            string path = files.NewPath();
            using (var file = new FileStream(path, FileMode.CreateNew))
            {
                file.SetLength(Batches * Stride); // sparse
            }
            int seed = random.Next();
            using var child = ChildProcess.StartChild(["sync-records", path, Batches.ToString(), seed.ToString()]);
            var ready = new TaskCompletionSource();
            var synced = new List<(int LastRecord, int Batch)>();
            bool finished = false;
            Task reader = Task.Run(async () =>
            {
                while (await child.StandardOutput.ReadLineAsync() is { } line)
                {
                    if (line == "ready") ready.TrySetResult();
                    else if (line == "done") finished = true;
                    else if (line.StartsWith("synced ", StringComparison.Ordinal))
                    {
                        string[] parts = line.Split(' ');
                        lock (synced) synced.Add((int.Parse(parts[1]), int.Parse(parts[2])));
                    }
                }
                ready.TrySetResult();
            });
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await Task.Delay(random.Next(0, 200));
            child.Kill(); // SIGKILL
            await child.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            await reader.WaitAsync(TimeSpan.FromSeconds(30));

            killedMidWay += finished ? 0 : 1;
            syncsSeen += synced.Count;
            using var data = new FileStream(path, FileMode.Open, FileAccess.Read);
            int first = 0;
            foreach ((int last, int batch) in synced.Append((int.MaxValue, synced.Count)))
            {
                bool isSynced = last != int.MaxValue;
                byte[] bytes = new byte[16 * RecordLength];
                RandomAccess.Read(data.SafeFileHandle, bytes, batch * Stride);
                for (int j = 0; j < 16 && first + j <= last; j++)
                {
                    int sequence = first + j + 1;
                    ReadOnlySpan<byte> record = bytes.AsSpan(j * RecordLength, RecordLength);
                    bool whole = BitConverter.ToInt64(record) == sequence && BitConverter.ToUInt64(record[8..]) == Checksum(sequence, seed) && !record[16..].ContainsAnyExcept((byte)((sequence - 1) % 251));
                    Assert.True(whole || (!isSynced && !record.ContainsAnyExcept((byte)0)),
                        $"round {round}: record {sequence - 1} in batch {batch} is {(isSynced ? "missing, though reported synced" : "torn")}");
                    recordsChecked++;
                }
                first = isSynced ? last + 1 : first;
            }
            if (synced.Count > 0 && PageCache.Cachestat(path, 0, synced.Count * Stride) is { } pages)
            {
                cachestat = true;
                Assert.True(pages.Dirty == 0 && pages.Writeback == 0, $"round {round}: {pages.Dirty} pages of the {synced.Count} synced batches are still dirty ({pages.Writeback} under write-back) after Sync returned");
            }
        }
        Console.WriteLine($"[durability] {Rounds} rounds, {killedMidWay} killed mid-way, {syncsSeen} syncs reported, {recordsChecked} records checked, cachestat {(cachestat ? "checked" : "unavailable")}");
        Assert.True(killedMidWay > Rounds / 2, $"only {killedMidWay} of {Rounds} children were killed before they finished");
        Assert.True(syncsSeen > 0);
    }

    /// <summary>The checksum TestChild's sync-records writes (ReliabilityVerbs.Checksum).</summary>
    private static ulong Checksum(long sequence, int seed) => (ulong)sequence * 0x9E3779B97F4A7C15UL ^ (ulong)seed;
}

/// <summary>cachestat(2) (Linux 6.5+): what the page cache holds of a file range, without mapping it.</summary>
internal static class PageCache
{
    private const long SysCachestat = 451; // the same number on x86_64 and aarch64

    internal readonly record struct Counts(ulong Cached, ulong Dirty, ulong Writeback);

    [DllImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static extern unsafe long Syscall(long number, long fd, ulong* range, ulong* counts, long flags);

    /// <summary>The counts for [offset, offset + length) of the file, or null where the kernel has no cachestat.</summary>
    internal static unsafe Counts? Cachestat(string path, long offset, long length)
    {
        if (length <= 0) return null;
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read);
        ulong* range = stackalloc ulong[2] { (ulong)offset, (ulong)length };
        ulong* counts = stackalloc ulong[5];
        return Syscall(SysCachestat, (long)file.SafeFileHandle.DangerousGetHandle(), range, counts, 0) == 0
            ? new Counts(counts[0], counts[1], counts[2])
            : null;
    }
}
