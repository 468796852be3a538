using System.Runtime.InteropServices;
using MemMap.Tests.Helpers;

namespace MemMap.Tests;

/// <summary>
/// The native helper's loading (GuardedCopy.Load), called directly: the static initializer runs it once per
/// process, before any test could see it go wrong. A folder without the helper, or with a file that is not
/// one, gives the reason and no routine; the real helper gives every routine, and each one copies exactly
/// up to a page that a truncation took away, where the installed SIGBUS handler stops it.
/// </summary>
public sealed unsafe class GuardedCopyTests : IDisposable
{
    private static readonly int Page = Environment.SystemPageSize;
    private readonly TempFiles files = new();

    public void Dispose() => files.Dispose();

    private static void Truncate(string path, long length)
    {
        using FileStream stream = File.Open(path, FileMode.Open);
        stream.SetLength(length);
    }

    /// <summary>The folder name the build gives the helper of this process's architecture.</summary>
    private static string Architecture => RuntimeInformation.ProcessArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => "linux-x64",
        System.Runtime.InteropServices.Architecture.Arm64 => "linux-arm64",
        var other => throw new PlatformNotSupportedException($"MemMap's native helper is built for x64 and arm64, not {other}"),
    };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Loading_from_a_folder_without_a_loadable_helper_gives_its_path_as_the_reason_and_no_routine(bool notALibrary)
    {
        string folder = Path.Combine(files.Folder, Guid.NewGuid().ToString("N"));
        string helperPath = Path.Combine(folder, "runtimes", Architecture, "native", "libmemmap_guard.so");
        Directory.CreateDirectory(Path.GetDirectoryName(helperPath)!);
        if (notALibrary)
        {
            File.WriteAllText(helperPath, "not an ELF file");
        }

        GuardedCopy.Helper helper = GuardedCopy.Load(Path.Combine(folder, "MemMap.Core.dll"));

        Assert.Equal($"{helperPath} is missing or cannot be loaded", helper.UnavailableReason);
        Assert.True(helper.Access == null && helper.AccessWithin == null && helper.SmallCopy == null && helper.Value == null && helper.Move == null);
    }

    /// <summary>An empty location (a single-file app) means the app's directory: here the test's output folder, which holds the helper.</summary>
    [Fact]
    public void Loading_without_an_assembly_location_looks_in_the_apps_directory()
    {
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "runtimes", Architecture, "native", "libmemmap_guard.so")));

        GuardedCopy.Helper helper = GuardedCopy.Load("");

        Assert.Null(helper.UnavailableReason);
        Assert.True(helper.Access != null);
    }

    [Fact]
    public void The_real_helper_loads_with_every_routine_and_each_stops_exactly_at_a_page_a_truncation_took()
    {
        byte[] content = TempFiles.Pattern(2 * Page);
        string path = files.Create(content);
        using MemoryMapping mapping = MemoryMapping.MapFile(path);
        Truncate(path, Page); // the second page is gone: touching it raises SIGBUS
        byte* mapped = (byte*)mapping.Address, gone = mapped + Page;
        byte* buffer = (byte*)NativeMemory.Alloc((nuint)(2 * Page));
        try
        {
            GuardedCopy.Helper helper = GuardedCopy.Load(typeof(GuardedCopy).Assembly.Location);

            Assert.Null(helper.UnavailableReason);
            // The copy: every byte before the lost page, none after (and the process lives: the handler caught the SIGBUS).
            Assert.Equal((nuint)Page, helper.Access(mapped, buffer, (nuint)(2 * Page), 0));
            Assert.Equal(content.AsSpan(0, Page).ToArray(), new Span<byte>(buffer, Page).ToArray());
            // After the file-end probe: the lost page as the sentinel gives SIZE_MAX with nothing copied; a live one, the copy.
            NativeMemory.Clear(buffer, (nuint)Page);
            Assert.Equal(nuint.MaxValue, helper.AccessWithin(mapped, buffer, 16, 0, gone));
            Assert.Equal(0, buffer[1]);
            Assert.Equal((nuint)16, helper.AccessWithin(mapped, buffer, 16, 0, mapped));
            Assert.Equal(content[1], buffer[1]);
            // The small copy: 8 bytes across the end fault (-1), 8 before it are read (0), the lost sentinel touches nothing (-2).
            Assert.Equal(GuardedCopy.ValueFaulted, helper.SmallCopy(gone - 4, buffer, 8, 0, null));
            Assert.Equal(0, helper.SmallCopy(gone - 8, buffer, 8, 0, mapped));
            Assert.Equal(content.AsSpan(Page - 8, 8).ToArray(), new Span<byte>(buffer, 8).ToArray());
            Assert.Equal(GuardedCopy.ValueSentinelGone, helper.SmallCopy(mapped, buffer, 8, 0, gone));
            // The single value: a load of the first 8 bytes, and a fault on the lost page.
            ValueOperation load = new() { At = (nint)mapped, Size = 8, Operation = AtomicOperation.Load };
            Assert.Equal(0, helper.Value(&load));
            Assert.Equal(BitConverter.ToUInt64(content, 0), load.Before);
            ValueOperation lost = new() { At = (nint)gone, Size = 8, Operation = AtomicOperation.Load };
            Assert.Equal(GuardedCopy.ValueFaulted, helper.Value(&lost));
            // The move: the live page in full, nothing of the lost one.
            Assert.Equal((nuint)Page, helper.Move(buffer + Page, mapped, (nuint)Page));
            Assert.Equal(content.AsSpan(0, Page).ToArray(), new Span<byte>(buffer + Page, Page).ToArray());
            Assert.Equal((nuint)0, helper.Move(buffer, gone, (nuint)Page));
        }
        finally
        {
            NativeMemory.Free(buffer);
        }
    }

    /// <summary>GuardedCopy.Atomic (WaiterTable's counters) says whether the operation was done: true on a live page, false on one a truncation took.</summary>
    [Fact]
    public void An_atomic_operation_is_done_on_a_live_page_and_reported_undone_on_a_lost_one()
    {
        string path = files.Create(new byte[2 * Page]);
        using MemoryMapping mapping = MemoryMapping.MapFile(path);
        Truncate(path, Page);
        Assert.True(GuardedCopy.IsAvailable, GuardedCopy.UnavailableReason); // not a call through a null pointer

        Assert.True(GuardedCopy.Atomic(mapping.Address, sizeof(int), AtomicOperation.Add, 5, 0, out ulong before));
        Assert.Equal(0UL, before);
        Assert.True(GuardedCopy.Atomic(mapping.Address, sizeof(int), AtomicOperation.Load, 0, 0, out ulong now));
        Assert.Equal(5UL, now);
        Assert.False(GuardedCopy.Atomic(mapping.Address + Page, sizeof(int), AtomicOperation.Add, 5, 0, out _));
    }
}
