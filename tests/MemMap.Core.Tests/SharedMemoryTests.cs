using System.Text;
using MemMap.Tests.Helpers;

namespace MemMap.Tests;

/// <summary>POSIX shared memory (shm_open): named memory that unrelated processes share, with its mode honoured.</summary>
public sealed class SharedMemoryTests : IDisposable
{
    private static readonly int Page = Environment.SystemPageSize;
    private readonly string name = $"/memmap-test-{Guid.NewGuid():N}";

    private string ObjectPath => "/dev/shm" + name;

    public void Dispose()
    {
        if (File.Exists(ObjectPath))
        {
            MemoryMapping.UnlinkSharedMemory(name);
        }
    }

    [Fact]
    public void A_new_object_is_created_with_mode_0600_and_mapped_shared()
    {
        using MemoryMapping memory = MemoryMapping.MapSharedMemory(name, new MappingOptions { Length = 100 });

        Assert.Equal(MappingKind.SharedMemory, memory.Kind);
        Assert.Equal(ObjectPath, memory.Path);
        Assert.Equal(name, memory.Name);
        Assert.Equal(100, memory.Length);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ObjectPath));
        Assert.Equal(100, new FileInfo(ObjectPath).Length);
        Assert.Equal("rw-s", MapsFile.PermissionsAt(memory, 0));
        Assert.Equal(new byte[100], memory.Read(0, 100));
    }

    [Fact]
    public void The_mode_given_is_the_mode_the_object_gets_whatever_the_umask()
    {
        var mode = (UnixFileMode)0b110_110_100; // 0664: the umask 022 would have taken group write away
        using MemoryMapping memory = MemoryMapping.MapSharedMemory(name.TrimStart('/'), new MappingOptions { Length = Page }, mode);

        Assert.Equal(mode, File.GetUnixFileMode(ObjectPath));
        Assert.Equal(name, memory.Name);
    }

    [Fact]
    public void Two_unrelated_processes_see_each_others_writes_both_ways()
    {
        using MemoryMapping memory = MemoryMapping.MapSharedMemory(name, new MappingOptions { Length = Page });
        memory.Write(0, "from the parent"u8);

        Assert.Equal((0, "from the parent"), ChildProcess.RunChild("shm-read", name, "15"));
        Assert.Equal((0, "written"), ChildProcess.RunChild("shm-write", name, "100", "from the child"));
        Assert.Equal("from the child", Encoding.UTF8.GetString(memory.Read(100, 14)));
    }

    [Fact]
    public void An_existing_object_is_opened_whole_and_extended_never_shrunk()
    {
        using (MemoryMapping first = MemoryMapping.MapSharedMemory(name, new MappingOptions { Length = 2 * Page }))
        {
            first.Write(Page, "kept"u8);
        }
        using MemoryMapping whole = MemoryMapping.MapSharedMemory(name);
        Assert.Equal(2 * Page, whole.Length);
        Assert.Equal("kept"u8.ToArray(), whole.Read(Page, 4));

        using MemoryMapping smaller = MemoryMapping.MapSharedMemory(name, new MappingOptions { Length = 10 });
        Assert.Equal(2 * Page, new FileInfo(ObjectPath).Length);

        using MemoryMapping larger = MemoryMapping.MapSharedMemory(name, new MappingOptions { Length = 3 * Page });
        Assert.Equal(3 * Page, new FileInfo(ObjectPath).Length);
        Assert.Equal("kept"u8.ToArray(), larger.Read(Page, 4));
    }

    [Fact]
    public void A_missing_object_without_a_length_is_ENOENT_and_bad_names_and_options_are_refused()
    {
        var missing = Assert.Throws<SystemCallException>(() => MemoryMapping.MapSharedMemory(name));
        Assert.Equal("ENOENT", missing.ErrnoName);
        Assert.Contains("give a Length to create it", missing.Message);
        Assert.False(File.Exists(ObjectPath));

        foreach (string bad in new[] { "/", "a/b", "/a/b", "..", "" })
        {
            Assert.ThrowsAny<ArgumentException>(() => MemoryMapping.MapSharedMemory(bad, new MappingOptions { Length = Page }));
        }
        Assert.Throws<ArgumentException>(() => MemoryMapping.MapSharedMemory(name, new MappingOptions { Length = Page, Private = true }));
        Assert.Throws<ArgumentException>(() => MemoryMapping.MapSharedMemory(name, new MappingOptions { Length = Page }, (UnixFileMode)0b1_000_000_000));
        Assert.False(File.Exists(ObjectPath));
    }

    [Fact]
    public void Unlink_removes_the_name_while_the_mapping_lives_on_and_only_shared_memory_has_one()
    {
        using MemoryMapping memory = MemoryMapping.MapSharedMemory(name, new MappingOptions { Length = Page });
        memory.Unlink();

        Assert.False(File.Exists(ObjectPath));
        memory.Write(0, "still here"u8);
        Assert.Equal("still here"u8.ToArray(), memory.Read(0, 10));
        Assert.Equal("ENOENT", Assert.Throws<SystemCallException>(memory.Unlink).ErrnoName);

        using MemoryMapping anonymous = MemoryMapping.MapAnonymous(new MappingOptions { Length = Page });
        Assert.Null(anonymous.Name);
        var error = Assert.Throws<MappingOperationException>(anonymous.Unlink);
        Assert.Contains("not a shared-memory object", error.Message);
    }

    [Fact]
    public void Another_users_object_of_mode_0600_is_EACCES()
    {
        using MemoryMapping memory = MemoryMapping.MapSharedMemory(name, new MappingOptions { Length = Page });
        memory.Write(0, "secret"u8);
        if (Environment.UserName == "root")
        {
            // The owner (root) may always open it, so 'nobody' tries, in a real second process.
            (int exit, string output) = ChildProcess.RunChildAs("65534", "shm-read", name, "6");
            Assert.Equal(1, exit);
            Assert.Contains($"SystemCallException: shm_open failed for {name}: EACCES", output);
            Assert.Contains("does not let this user open it", output);
        }
        else
        {
            File.SetUnixFileMode(ObjectPath, UnixFileMode.None);
            Assert.Equal("EACCES", Assert.Throws<SystemCallException>(() => MemoryMapping.MapSharedMemory(name)).ErrnoName);
        }
        Assert.Equal("secret"u8.ToArray(), memory.Read(0, 6));
    }
}
