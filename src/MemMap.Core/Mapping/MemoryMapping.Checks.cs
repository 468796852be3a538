namespace MemMap;

// The checks of an operation, run without acting: a cmdlet runs them before it asks ShouldProcess,
// so that -WhatIf and -Confirm answer a request that would fail with its error, never "What if".
// The operations run the same checks again under the gate (a resize may change Length meanwhile).
public sealed partial class MemoryMapping
{
    /// <summary>Checks a request for whole pages (protect, unmap): an offset on a page boundary and a range inside <see cref="Length"/>.</summary>
    /// <param name="offset">Start of the run.</param>
    /// <param name="count">Bytes in the run; null means to the end.</param>
    /// <param name="what">The operation, as the message names it ("Unmapping").</param>
    /// <returns>The pages the operation would act on.</returns>
    /// <exception cref="ArgumentException">The offset is not page-aligned, or the range is not inside the mapping.</exception>
    /// <exception cref="MappingClosedException">The mapping was removed.</exception>
    public ByteRange CheckWholePages(long offset, long? count, string what)
    {
        RequirePageAligned(offset, what);
        return PagesOf(offset, count);
    }

    /// <summary>Checks that [offset, offset + count) lies inside <see cref="Length"/> (a write or fill).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is not inside the mapping.</exception>
    /// <exception cref="MappingClosedException">The mapping was removed.</exception>
    public void CheckBytes(long offset, long count)
    {
        using UseScope use = EnterUse();
        CheckRange(offset, count);
    }

    /// <summary>Checks what <see cref="WriteValues(Type, long, IReadOnlyList{object}, bool)"/> would refuse before it writes: the type, each value's conversion to it, and the range.</summary>
    /// <exception cref="ArgumentException">Not a numeric type, or a value that does not fit it.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The values do not fit inside the mapping.</exception>
    /// <exception cref="MappingClosedException">The mapping was removed.</exception>
    public void CheckValues(Type type, long offset, IReadOnlyList<object> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        foreach (object value in values)
        {
            _ = NumericValueTypes.Convert(value, type);
        }
        CheckBytes(offset, (long)values.Count * NumericValueTypes.SizeOf(type));
    }

    /// <summary>Checks what <see cref="Resize"/> would refuse before it changes anything: holes, growing shared anonymous memory, growing past the end of the file without <paramref name="extendFile"/>.</summary>
    /// <exception cref="ArgumentException">The new length is not allowed.</exception>
    /// <exception cref="MappingOperationException">The mapping has a hole.</exception>
    /// <exception cref="MappingClosedException">The mapping was removed.</exception>
    public void CheckResize(long newLength, bool extendFile)
    {
        using UseScope use = EnterUse();
        if (pages.HasHoles)
        {
            throw new MappingOperationException($"Mapping {Id} ({Describe()}) has unmapped pages ({string.Join(", ", pages.Holes)}); a mapping with a hole cannot be resized. Remove it and map anew.");
        }
        if (IsHugePages && RoundUpToPage(newLength) > MappedLength)
        {
            throw HugePagesCannotGrow();
        }
        if (RoundUpToPage(newLength) > MappedLength && Kind == MappingKind.SharedAnonymous)
        {
            throw new ArgumentException($"Shared anonymous memory cannot grow past its {MappedLength} mapped bytes on Linux: the new pages would have no memory behind them and raise SIGBUS. Map a new, larger region and copy, or use a shared-memory object (New-MemoryMapping -Name).", nameof(newLength));
        }
        if (file is not null && newLength > Length && !extendFile)
        {
            EnsureFileHolds(newLength, extendFile: false);
        }
    }

    /// <summary>Checks the options that need no file: offset on a page boundary, a valid protection, Create with a Length.</summary>
    /// <exception cref="ArgumentException">The options cannot describe a mapping; the message says why.</exception>
    public static void CheckOptions(MappingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ValidateOffsetAndProtection(options);
        if (options.Create && options.Length is null)
        {
            throw new ArgumentException("Create needs a Length: the file is created or extended to Offset + Length bytes.", nameof(options));
        }
    }
}
