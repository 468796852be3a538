using MemMap.Tests.Helpers;

namespace MemMap.Tests;

/// <summary>Several threads on one mapping (as ForEach-Object -Parallel runs them): no crash, no torn state.</summary>
public sealed class ConcurrencyTests : IDisposable
{
    private readonly TempFiles files = new();
    private static readonly int Page = Environment.SystemPageSize;

    public void Dispose() => files.Dispose();

    [Fact]
    public async Task Two_readers_racing_a_remover_get_the_data_or_a_clean_MappingClosedException()
    {
        byte[] content = TempFiles.Pattern(64 * Page);
        string path = files.Create(content);
        for (int round = 0; round < 20; round++)
        {
            MemoryMapping mapping = MemoryMapping.MapFile(path, new MappingOptions { Protection = MemoryProtection.Read });
            using var started = new Barrier(3);
            int[] goodReads = new int[2];
            var readers = Enumerable.Range(0, 2).Select(reader => Task.Run(() =>
            {
                started.SignalAndWait();
                while (true)
                {
                    byte[] data;
                    try
                    {
                        data = mapping.Read(0, content.Length);
                    }
                    catch (MappingClosedException)
                    {
                        return;
                    }
                    Assert.Equal(content, data);
                    goodReads[reader]++;
                }
            })).ToArray();
            var remover = Task.Run(() =>
            {
                started.SignalAndWait();
                Thread.Sleep(round % 5);
                mapping.Dispose();
            });

            await Task.WhenAll([.. readers, remover]).WaitAsync(TimeSpan.FromSeconds(30));

            Assert.All(readers, reader => Assert.Equal(TaskStatus.RanToCompletion, reader.Status));
            Assert.False(mapping.IsOpen);
            Assert.DoesNotContain(ProcessMemoryMap.Read(), region => region.Path == path);
        }
    }

    [Fact]
    public void Writers_on_disjoint_ranges_from_many_threads_all_land()
    {
        string path = files.Create(new byte[16 * Page]);
        using MemoryMapping mapping = MemoryMapping.MapFile(path);

        Parallel.For(0, 16, page => mapping.Write(page * Page, Enumerable.Repeat((byte)(page + 1), Page).ToArray()));
        mapping.Sync();

        byte[] onDisk = File.ReadAllBytes(path);
        for (int page = 0; page < 16; page++)
        {
            Assert.All(onDisk.AsSpan(page * Page, Page).ToArray(), b => Assert.Equal(page + 1, b));
        }
    }
}
