using MemMap.Tests.Helpers;
using Xunit.Abstractions;

namespace MemMap.Tests.Reliability;

/// <summary>
/// The guarded copy under fire: readers, writers, fillers, value readers and searchers run on a
/// shared file mapping while another thread truncates the file to random lengths and extends it
/// again, and now and then a separate process does. Every call must return data or a clean
/// MappingAccessException, every byte read must be one that was written (or a zero the truncation
/// left), and the process must live. CI runs a few seconds; long mode:
/// MEMMAP_STRESS_SECONDS=600 dotnet test --filter GuardedCopyStressTests.
/// </summary>
public sealed class GuardedCopyStressTests(ITestOutputHelper output) : IDisposable
{
    private static readonly int Page = Environment.SystemPageSize;
    private const byte Written = 0x5A;
    private readonly TempFiles files = new();

    public void Dispose() => files.Dispose();

    private static TimeSpan Duration => TimeSpan.FromSeconds(
        Environment.GetEnvironmentVariable("MEMMAP_STRESS_SECONDS") is { } seconds ? double.Parse(seconds, System.Globalization.CultureInfo.InvariantCulture) : 3);

    [Fact]
    public async Task Truncating_and_extending_a_file_under_running_guarded_copies_gives_data_or_clean_errors()
    {
        int length = 384 * Page; // not 2 MiB: CreationFlagTests looks for a live mapping of one huge page
        string path = files.Create(Enumerable.Repeat(Written, length).ToArray());
        using MemoryMapping mapping = MemoryMapping.MapFile(path);
        Assert.Equal((AccessPath.Guarded, AccessPath.Guarded), (mapping.ReadPath, mapping.WritePath));
        using var stop = new CancellationTokenSource(Duration);
        long calls = 0, refused = 0, truncations = 0;
        var lengths = new System.Collections.Concurrent.ConcurrentDictionary<long, bool>(); // every length the file was cut to

        // A user picks a range and returns its start with the call to make on it.
        Task User(int seed, Func<Random, (long Start, Action Call)> pick) => Dedicated(() =>
        {
            var random = new Random(seed);
            while (!stop.IsCancellationRequested)
            {
                (long start, Action call) = pick(random);
                try
                {
                    call();
                }
                catch (MappingAccessException error) when (error.Fault is MappingAccessFault.BeyondEndOfFile or MappingAccessFault.Refused)
                {
                    // Refused before the copy: where its range starts, or exactly at the end the file had;
                    // else the copy stopped exactly at the first page that no longer exists.
                    Assert.True(error.Offset == start || error.Offset % Page == 0 || (error.Offset > start && lengths.ContainsKey(error.Offset)),
                        $"a call on offset {start} refused at {error.Offset}");
                    Interlocked.Increment(ref refused);
                }
                Interlocked.Increment(ref calls);
            }
        });
        (long Offset, int Count) Range(Random random)
        {
            long offset = random.NextInt64(length);
            return (offset, random.Next(1, (int)Math.Min(length - offset, 64 * Page) + 1));
        }
        void AllWritten(byte[] data)
        {
            int wrong = Array.FindIndex(data, b => b is not Written and not 0);
            Assert.True(wrong < 0, $"byte {wrong} of a read is {(wrong < 0 ? 0 : data[wrong])}: neither written nor a zero the truncation left");
        }

        Task[] users =
        [
            User(1, random =>
            {
                (long offset, int count) = Range(random);
                return (offset, () => AllWritten(mapping.Read(offset, count)));
            }),
            User(2, random => (0, () => AllWritten(mapping.Read(0, length)))),
            User(3, random =>
            {
                (long offset, int count) = Range(random);
                return (offset, () => mapping.Write(offset, Enumerable.Repeat(Written, count).ToArray()));
            }),
            User(4, random =>
            {
                (long offset, int count) = Range(random);
                return (offset, () => mapping.Fill(offset, count, Written));
            }),
            User(5, random =>
            {
                long offset = random.NextInt64(length - 8);
                return (offset, () => AllWritten(BitConverter.GetBytes(mapping.ReadValue<long>(offset))));
            }),
            User(6, random => (0, () => Assert.Empty(mapping.Find([1, 2, 3])))),
        ];
        Task truncator = Dedicated(() =>
        {
            var random = new Random(7);
            using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
            while (!stop.IsCancellationRequested)
            {
                long shorter = random.NextInt64(length);
                lengths[shorter] = true;
                if (truncations % 20 == 0)
                {
                    Assert.Equal((0, ""), ChildProcess.Run("truncate", "--size", shorter.ToString(System.Globalization.CultureInfo.InvariantCulture), path)); // another process
                }
                else
                {
                    file.SetLength(shorter);
                }
                Thread.Sleep(random.Next(2));
                file.SetLength(length); // extends with zeros, which the readers accept
                truncations++;
                Thread.Sleep(random.Next(3));
            }
        });

        await Task.WhenAll([truncator, .. users]).WaitAsync(Duration + TimeSpan.FromSeconds(60));

        output.WriteLine($"{calls} calls in {Duration.TotalSeconds} s, {refused} refused cleanly, {truncations} truncations");
        Assert.True(truncations > 10, $"only {truncations} truncations ran");
        Assert.True(refused > 0 && calls - refused > 0, $"{calls} calls, {refused} refused: the race did not happen both ways");
        mapping.Fill(0, length, Written); // the process is alive and the mapping whole again
        Assert.All(mapping.Read(0, length), b => Assert.Equal(Written, b));
    }

    private static Task Dedicated(Action body) => Task.Factory.StartNew(body, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}
