using MemMap.Tests.Helpers;

namespace MemMap.Tests;

/// <summary>What the atomics refuse, and how they name it (MemoryMapping.Atomics.cs).</summary>
public sealed partial class SynchronizationTests
{
    [Fact]
    public void An_unaligned_atomic_names_the_type_the_alignment_and_the_nearest_aligned_offsets()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = Page });
        var add = Assert.Throws<ArgumentException>(() => mapping.AddValue(13, 1L));
        Assert.Equal("offset", add.ParamName);
        Assert.StartsWith($"Offset 13 is not aligned for an atomic Int64 in mapping {mapping.Id} (anonymous memory): it needs 8-byte alignment (an offset that is a multiple of 8, such as 8 or 16).", add.Message);
        var swap = Assert.Throws<ArgumentException>(() => mapping.CompareExchangeValue(5, (short)0, (short)1));
        Assert.Contains("atomic Int16", swap.Message);
        Assert.Contains("such as 4 or 6", swap.Message);
        Assert.Contains("2-byte alignment (an offset that is a multiple of 2, such as 6 or 8)", Assert.Throws<ArgumentException>(() => mapping.AddValue(7, (ushort)1)).Message);
        Assert.Equal(0, mapping.ReadValue<long>(8));
    }

    [Theory]
    [InlineData(typeof(float))]
    [InlineData(typeof(double))]
    public void A_floating_point_type_is_refused_by_every_atomic_and_wait(Type type)
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = Page });
        var add = Assert.Throws<ArgumentException>(() => mapping.AddValue(type, 0, 1));
        Assert.Equal("type", add.ParamName);
        Assert.StartsWith($"{type.Name} is not an integer type: atomic operations and waits work on SByte, Byte, Int16, UInt16, Int32, UInt32, Int64 and UInt64", add.Message);
        Assert.Throws<ArgumentException>(() => mapping.CompareExchangeValue(type, 0, 0, 1));
        Assert.Throws<ArgumentException>(() => mapping.WaitValue(type, 0, 0, timeout: TimeSpan.Zero));
        Assert.Equal(0, mapping.ReadValue<long>(0));
        Assert.Equal(typeof(int), MemoryMapping.RequireInteger(typeof(int)));
    }

    [Fact]
    public void Every_integer_type_named_at_run_time_adds_and_swaps_with_its_own_size()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = Page });
        (Type Type, object Start)[] types = [(typeof(sbyte), (sbyte)-2), (typeof(byte), (byte)250), (typeof(short), (short)-2), (typeof(ushort), (ushort)65530), (typeof(int), -2), (typeof(uint), 4_000_000_000u), (typeof(long), -2L), (typeof(ulong), ulong.MaxValue - 5)];
        foreach ((Type type, object start) in types)
        {
            long offset = 64;
            mapping.Fill(0, Page, 0xEE);
            mapping.WriteValues(type, offset, [start]);
            object added = mapping.AddValue(type, offset, 3);
            Assert.Equal(type, added.GetType());
            Assert.Equal(Convert.ToDecimal(start) + 3, Convert.ToDecimal(added));
            Assert.False(mapping.CompareExchangeValue(type, offset, start, 9));
            Assert.True(mapping.CompareExchangeValue(type, offset, added, 9));
            Assert.Equal(9m, Convert.ToDecimal(mapping.ReadValues(type, offset, 1).GetValue(0)));
            int size = System.Runtime.InteropServices.Marshal.SizeOf(type);
            Assert.All(mapping.Read(offset + size, 8), b => Assert.Equal(0xEE, b)); // its own size, no more
            Assert.All(mapping.Read(offset - 8, 8), b => Assert.Equal(0xEE, b));
        }
    }

    [Fact]
    public void A_mapping_whose_writes_go_through_the_kernel_refuses_atomics_and_still_reads_and_writes_values()
    {
        string path = files.Create(new byte[Page]);
        using MemoryMapping mapping = MemoryMapping.MapFile(path);
        mapping.ReadPath = AccessPath.Kernel;
        mapping.WritePath = AccessPath.Kernel;

        mapping.WriteValue(8, 0x1122334455667788L);
        Assert.Equal(0x1122334455667788L, mapping.ReadValue<long>(8));
        mapping.WriteValue(4, 7);
        Assert.Equal(7, mapping.ReadValue<int>(4));
        Assert.Equal(0x1122334455667788L, BitConverter.ToInt64(File.ReadAllBytes(path), 8));

        var add = Assert.Throws<MappingOperationException>(() => mapping.AddValue(8, 1L));
        Assert.StartsWith($"Mapping {mapping.Id} ({path}) cannot do atomic operations", add.Message);
        Assert.Throws<MappingOperationException>(() => mapping.CompareExchangeValue(4, 7, 8));
        Assert.Throws<MappingOperationException>(() => mapping.WaitValue(4, 7, notEqual: true, timeout: TimeSpan.Zero));
        Assert.Equal(7, mapping.ReadValue<int>(4));
    }

    [Fact]
    public void An_atomic_on_a_page_truncated_away_names_the_access_it_needed()
    {
        using MemoryMapping mapping = SharedFile(out string path);
        Assert.Equal((0, ""), ChildProcess.Run("truncate", "--size", "0", path));

        var add = Assert.Throws<MappingAccessException>(() => mapping.AddValue(Page + 8, 1L));
        Assert.Equal((MappingAccessFault.BeyondEndOfFile, MemoryProtection.ReadWrite, Page + 8L), (add.Fault, add.Access, add.Offset));
        var swap = Assert.Throws<MappingAccessException>(() => mapping.CompareExchangeValue(16, 0, 1));
        Assert.Equal((MappingAccessFault.BeyondEndOfFile, MemoryProtection.ReadWrite, 16L), (swap.Fault, swap.Access, swap.Offset));
        var store = Assert.Throws<MappingAccessException>(() => mapping.WriteValue(Page + 24, (short)1));
        Assert.Equal((MappingAccessFault.BeyondEndOfFile, MemoryProtection.Write), (store.Fault, store.Access));
        var read = Assert.Throws<MappingAccessException>(() => mapping.ReadValue<int>(Page + 4));
        Assert.Equal((MappingAccessFault.BeyondEndOfFile, MemoryProtection.Read, Page + 4L), (read.Fault, read.Access, read.Offset));
        var wait = Assert.Throws<MappingAccessException>(() => mapping.WaitValue(Page + 8, 1L, timeout: TimeSpan.FromSeconds(1)));
        Assert.Equal((MappingAccessFault.BeyondEndOfFile, MemoryProtection.Read, Page + 8L), (wait.Fault, wait.Access, wait.Offset));
    }

    [SkippableFact]
    public void An_atomic_write_to_a_page_a_full_file_system_has_no_block_for_is_a_Refused_write_naming_it()
    {
        using SmallTmpfs tmpfs = SmallTmpfs.Mount(files);
        using MemoryMapping mapping = MemoryMapping.MapFile(Path.Combine(tmpfs.Path, "data"), new MappingOptions { Create = true, Length = 2 << 20 });
        long full = Assert.Throws<MappingAccessException>(() => mapping.Fill(0, 2 << 20, 7)).Offset; // the first page without a block
        foreach (Action write in new Action[] { () => mapping.AddValue(full + 8, 1L), () => mapping.CompareExchangeValue(full + 16, 0, 1), () => mapping.WriteValue(full + 24, 1L) })
        {
            var refused = Assert.Throws<MappingAccessException>(write);
            Assert.Equal((MappingAccessFault.Refused, MemoryProtection.Write), (refused.Fault, refused.Access));
            Assert.Contains("its file system is full", refused.Message);
        }
        Assert.Equal(0x0707070707070708L, mapping.AddValue(full - 8, 1L)); // the page before it has its block
    }
}
