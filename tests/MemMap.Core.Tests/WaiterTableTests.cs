using System.Globalization;
using MemMap.Interop;
using MemMap.Tests.Helpers;

namespace MemMap.Tests;

/// <summary>
/// The waiter counts that let a writer skip the wake system call (WaiterTable.cs): this process's
/// table, and the shared one in /dev/shm that other processes' writers read, checked through the
/// file itself and /proc/self/maps.
/// </summary>
public sealed class WaiterTableTests
{
    private const int TableBytes = 4096 * sizeof(int);
    private static readonly string SharedPath = $"/dev/shm/memmap-waiters-{Libc.Getuid()}";

    /// <summary>A key whose counter is 0 now (other tests and processes count their own waiters in the same tables).</summary>
    private static ulong FreeKey(bool crossProcess)
    {
        while (true)
        {
            ulong key = (ulong)Random.Shared.NextInt64();
            if (!WaiterTable.MayHaveWaiters(crossProcess, key))
            {
                return key;
            }
        }
    }

    private static unsafe int Count(nint counter) => Volatile.Read(ref *(int*)counter);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_key_has_waiters_from_its_first_enter_until_its_last_leave(bool crossProcess)
    {
        ulong key = FreeKey(crossProcess);
        nint counter = WaiterTable.CounterAddress(crossProcess, key);
        Assert.NotEqual(0, counter);
        Assert.Equal(0, Count(counter));
        WaiterTable.Enter(crossProcess, key);
        WaiterTable.Enter(crossProcess, key);
        try
        {
            Assert.Equal(2, Count(counter));
            Assert.True(WaiterTable.MayHaveWaiters(crossProcess, key));
            WaiterTable.Leave(crossProcess, key);
            Assert.Equal(1, Count(counter));
            Assert.True(WaiterTable.MayHaveWaiters(crossProcess, key));
        }
        finally
        {
            WaiterTable.Leave(crossProcess, key);
        }
        Assert.Equal(0, Count(counter));
        Assert.False(WaiterTable.MayHaveWaiters(crossProcess, key));
        Assert.Equal(counter, WaiterTable.CounterAddress(crossProcess, key));
        Assert.NotEqual(counter, WaiterTable.CounterAddress(!crossProcess, key)); // the two tables are apart
    }

    [Fact]
    public void Cross_process_counts_are_in_the_users_shared_memory_object_where_another_process_reads_them()
    {
        ulong key = FreeKey(crossProcess: true);
        nint counter = WaiterTable.CounterAddress(true, key);
        (nint start, nint end, string permissions) = MappingOf(SharedPath, counter);
        Assert.Equal(TableBytes, end - start);
        Assert.Equal("rw-s", permissions);
        Assert.Equal(0, (counter - start) % sizeof(int));

        WaiterTable.Enter(true, key);
        try
        {
            // Read through the file, as a writer in another process sees it, not through this mapping.
            Assert.Equal(1, CountInFile(counter - start));
        }
        finally
        {
            WaiterTable.Leave(true, key);
        }
        Assert.Equal(0, CountInFile(counter - start));
        Assert.False(WaiterTable.CounterAddress(false, key) is var local && local >= start && local < end); // this process's counts are not there
    }

    [Fact]
    public void Mapping_the_shared_table_again_shows_the_same_counts_and_leaves_no_descriptor_open()
    {
        ulong key = FreeKey(crossProcess: true);
        nint counter = WaiterTable.CounterAddress(true, key);
        (nint start, _, _) = MappingOf(SharedPath, counter);
        int descriptorsBefore = OpenDescriptors.On(SharedPath);

        nint again = WaiterTable.MapShared(WaiterTable.SharedName);
        Assert.NotEqual(0, again);
        try
        {
            Assert.NotEqual(start, again);
            Assert.Equal(descriptorsBefore, OpenDescriptors.On(SharedPath));
            (nint mappedStart, nint mappedEnd, string permissions) = MappingOf(SharedPath, again);
            Assert.Equal((again, TableBytes, "rw-s"), (mappedStart, (int)(mappedEnd - mappedStart), permissions));
            Assert.True(new FileInfo(SharedPath).Length >= TableBytes);

            WaiterTable.Enter(true, key);
            try
            {
                Assert.Equal(1, Count(again + (counter - start)));
            }
            finally
            {
                WaiterTable.Leave(true, key);
            }
            Assert.Equal(0, Count(again + (counter - start)));
        }
        finally
        {
            Assert.Equal(0, Libc.Munmap(again, TableBytes));
        }
    }

    [Fact]
    public void The_shared_table_is_created_for_this_user_alone_grown_to_its_size_and_never_shrunk()
    {
        Assert.Equal($"/memmap-waiters-{Libc.Getuid()}", WaiterTable.SharedName);
        string name = $"/memmap-waiters-test-{Environment.ProcessId}-{Guid.NewGuid():N}";
        string path = "/dev/shm" + name;
        try
        {
            int descriptorsBefore = OpenDescriptors.On(path);
            MapAndUnmap(name);
            Assert.Equal(TableBytes, new FileInfo(path).Length);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            Assert.Equal(descriptorsBefore, OpenDescriptors.On(path));

            SetLength(path, 100); // an older, smaller table grows
            MapAndUnmap(name);
            Assert.Equal(TableBytes, new FileInfo(path).Length);

            SetLength(path, 2 * TableBytes); // a larger one, perhaps in use by a newer MemMap, stays as it is
            MapAndUnmap(name);
            Assert.Equal(2 * TableBytes, new FileInfo(path).Length);
        }
        finally
        {
            File.Delete(path);
        }
        Assert.Equal(0, WaiterTable.MapShared("/no/such/table")); // shm_open refuses a name with a slash inside: no table, writers wake always
    }

    private static void MapAndUnmap(string name)
    {
        nint table = WaiterTable.MapShared(name);
        Assert.NotEqual(0, table);
        Assert.Equal(TableBytes, (int)(MappingOf("/dev/shm" + name, table).End - table));
        Assert.Equal(0, Libc.Munmap(table, TableBytes));
    }

    private static void SetLength(string path, long length)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.SetLength(length);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_words_of_a_page_mostly_have_counters_of_their_own(bool crossProcess)
    {
        // Two words sharing a counter cost a wake nobody needed: the hash spreads a page's 1024 words.
        ulong first = (ulong)Random.Shared.NextInt64() & ~3UL;
        int distinct = Enumerable.Range(0, 1024).Select(i => WaiterTable.CounterAddress(crossProcess, first + (ulong)(4 * i))).Distinct().Count();
        Assert.True(distinct >= 900, $"{distinct} counters for 1024 words");
    }

    /// <summary>The line of /proc/self/maps that maps <paramref name="path"/> at <paramref name="address"/>.</summary>
    private static (nint Start, nint End, string Permissions) MappingOf(string path, nint address)
    {
        foreach (string line in File.ReadLines("/proc/self/maps"))
        {
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            string[] range = fields[0].Split('-');
            nint start = (nint)long.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            nint end = (nint)long.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (address >= start && address < end)
            {
                Assert.Equal(path, fields.Length > 5 ? fields[5] : "");
                return (start, end, fields[1]);
            }
        }
        throw new InvalidOperationException($"No mapping at 0x{address:x}.");
    }

    private static int CountInFile(long offset)
    {
        using var file = new FileStream(SharedPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        byte[] bytes = new byte[sizeof(int)];
        Assert.Equal(bytes.Length, RandomAccess.Read(file.SafeFileHandle, bytes, offset));
        return BitConverter.ToInt32(bytes);
    }
}
